// Symbolizer::stats() while a symbolization holds the lock: a /metrics scrape
// must not wait for it (a large binary's symbols take seconds to load).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "process/proc_maps.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

using namespace std::chrono_literals;

// A FIFO mapped as code: opening it to read its symbols blocks until a writer
// opens it, so the symbolizer sits inside user() with its lock held.
class BlockingBinary {
 public:
  BlockingBinary() {
    char dir[] = "/tmp/profbufd-stats-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/binary";
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  }
  ~BlockingBinary() {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  ProcessMaps maps() const {
    auto m = ProcessMaps::parse("00400000-00500000 r-xp 00000000 08:01 4242 " + path_ + "\n");
    EXPECT_TRUE(m);
    return *m;
  }
  // Lets the blocked open() return (it then finds no regular file).
  void release() const {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    ::close(fd);
  }

 private:
  std::string dir_, path_;
};

TEST(SymbolizeSymbolizerStatsTest, ReadingDoesNotWaitForASymbolizationInProgress) {
  BlockingBinary binary;
  const ProcessMaps maps = binary.maps();
  Symbolizer::Options o;
  o.procfs_root = "";
  Symbolizer s(o);
  const Symbolizer::Stats before = s.stats();

  auto blocked = std::async(std::launch::async, [&] { return s.user(1, maps, 0x400100); });
  // The symbolizer is inside open() once the FIFO has a reader.
  ASSERT_NE(blocked.wait_for(300ms), std::future_status::ready)
      << "the FIFO did not block the symbolizer: the test cannot show anything";

  auto reading = std::async(std::launch::async, [&] {
    return std::make_pair(s.stats(), s.kernel_error());
  });
  const bool answered = reading.wait_for(10s) == std::future_status::ready;
  binary.release();
  ASSERT_TRUE(answered) << "stats() waited for the symbolization holding the lock";
  const Symbolizer::Stats during = reading.get().first;
  EXPECT_EQ(during.misses, before.misses) << "a reading taken while blocked is the last one";

  const SymbolizedFrame f = blocked.get();
  EXPECT_EQ(f.function, "binary+0x100") << "a FIFO has no symbols: module+offset";
  const Symbolizer::Stats after = s.stats();
  EXPECT_EQ(after.misses, before.misses + 1) << "a fresh reading once the lock is free";
}

}  // namespace
}  // namespace profbufd
