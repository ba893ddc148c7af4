#include "python/processes.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>

#include "python/layout.h"

namespace profbufd::python {
namespace {

class MemoryMap final : public PyMapIo {
 public:
  Status put(std::uint32_t pid, const py_proc& p) override {
    procs[pid] = p;
    return ok_status();
  }
  void erase(std::uint32_t pid) override { procs.erase(pid); }
  std::map<std::uint32_t, py_proc> procs;
};

// A maps snapshot with `path` mapped executable at `start`, file offset `off`.
ProcessMaps maps_of(const std::string& path, std::uint64_t start, std::uint64_t off) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  char line[512];
  std::snprintf(line, sizeof line, "%lx-%lx r-xp %08lx 08:01 %lu %s\n",
                static_cast<unsigned long>(start), static_cast<unsigned long>(start + 0x1000),
                static_cast<unsigned long>(off), static_cast<unsigned long>(st.st_ino),
                path.c_str());
  return ProcessMaps::parse(line).value();
}

// Debian's python3.11: a non-PIE executable whose _PyRuntime is in .dynsym.
TEST(PythonProcesses, FindsDebiansInterpreterAndPublishesItsRuntimeAndLayout) {
  const std::string py = "/usr/bin/python3.11";
  MemoryMap io;
  auto registry = std::make_shared<Registry>();
  Processes p(io, registry, "");
  // Its text segment: the first executable PT_LOAD of the file, mapped where
  // the ELF says (bias 0).
  const int fd = ::open(py.c_str(), O_RDONLY | O_CLOEXEC);
  auto file = read_interpreter_file(fd, py);
  ::close(fd);
  ASSERT_TRUE(file.ok() && file->has_value());
  const InterpreterFile& f = **file;
  EXPECT_EQ(major_of(f.version), 3u);
  EXPECT_EQ(minor_of(f.version), 11u);
  const LoadSegment* text = nullptr;
  for (const LoadSegment& s : f.layout.segments)
    if (s.exec) text = &s;
  ASSERT_NE(text, nullptr);
  p.found(42, 7, maps_of(py, text->vaddr & ~0xfffULL, text->offset & ~0xfffULL));
  ASSERT_EQ(io.procs.count(42), 1u);
  EXPECT_EQ(io.procs[42].runtime, f.runtime_vaddr);
  EXPECT_EQ(io.procs[42].start_time, 7u);
  EXPECT_EQ(io.procs[42].l.tstate_native_id, layout_for(f.version)->walker.tstate_native_id);
  ASSERT_TRUE(registry->find(42));
  EXPECT_EQ(p.stats().found, 1u);
  p.found(42, 7, maps_of(py, text->vaddr & ~0xfffULL, text->offset & ~0xfffULL));
  EXPECT_EQ(p.stats().found, 1u) << "published again, found once";

  // It exec'd something else: gone from the map and the registry.
  p.found(42, 7, maps_of("/usr/bin/gzip", 0x400000, 0));
  EXPECT_EQ(io.procs.count(42), 0u);
  EXPECT_FALSE(registry->find(42));
  EXPECT_EQ(p.stats().live, 0u);
}

TEST(PythonProcesses, NamesAreWhatIsLookedAt) {
  EXPECT_TRUE(looks_like_python("/usr/bin/python3.11"));
  EXPECT_TRUE(looks_like_python("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"));
  EXPECT_FALSE(looks_like_python("/usr/lib/python3/dist-packages/_foo.so"));
  EXPECT_FALSE(looks_like_python("/usr/bin/gzip"));
  EXPECT_EQ(version_from_name("/usr/bin/python3.9"), 0x03090000u);
  EXPECT_EQ(version_from_name("/usr/bin/python3"), 0u);
}

}  // namespace
}  // namespace profbufd::python
