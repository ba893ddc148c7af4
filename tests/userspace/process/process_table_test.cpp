#include "process/process_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process/proc_maps.h"

namespace profbufd {
namespace {

// A procfs of one process, 1234, whose maps name one executable mapping.
class FakeProcfs {
 public:
  FakeProcfs() {
    root = std::filesystem::temp_directory_path() /
           ("profbufd-proctable-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "1234");
  }
  ~FakeProcfs() { std::filesystem::remove_all(root); }
  void maps_of(const std::string& binary) {
    std::ofstream(root / "1234" / "maps")
        << "00400000-00401000 r-xp 00000000 08:01 42 " << binary << "\n";
  }
  std::filesystem::path root;
};

std::string binary_of(const ProcessTable::Snapshot& s) {
  return s.maps && !s.maps->entries().empty() ? s.maps->entries()[0].path : "";
}

TEST(ProcessTable, ASnapshotIsReadOnceThenReadAgainAfterAnExec) {
  FakeProcfs procfs;
  auto execs = std::make_shared<ExecEvents>();
  ProcessTable table(procfs.root.string(), 16, execs);
  procfs.maps_of("/usr/bin/bash");
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/bash");
  procfs.maps_of("/usr/bin/python3.11");  // the process exec'd
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/bash") << "not told yet: the snapshot stays";
  execs->add(1234);
  execs->add(99);  // a pid the table never saw: nothing to forget
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/python3.11");
  EXPECT_EQ(table.stats().refreshed, 1u);
  EXPECT_EQ(table.stats().snapshots, 2u);
  EXPECT_EQ(table.size(), 1u);
}

// A pid reused after wraparound: the new process's exec tells the table, as
// every program but the first of a pid starts by an exec.
TEST(ProcessTable, AReusedPidIsReadAgainOnceItsNewProgramStarts) {
  FakeProcfs procfs;
  auto execs = std::make_shared<ExecEvents>();
  ProcessTable table(procfs.root.string(), 16, execs);
  procfs.maps_of("/usr/bin/gzip");
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/gzip");
  std::filesystem::remove(procfs.root / "1234" / "maps");  // it exited
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/gzip") << "an exited process keeps its names";
  procfs.maps_of("/usr/bin/node");  // the pid again, after wraparound: fork, then exec
  execs->add(1234);
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/node");
}

TEST(ProcessTable, WithoutExecEventsASnapshotStays) {
  FakeProcfs procfs;
  ProcessTable table(procfs.root.string(), 16);
  procfs.maps_of("/usr/bin/bash");
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/bash");
  procfs.maps_of("/usr/bin/python3.11");
  EXPECT_EQ(binary_of(table.get(1234)), "/usr/bin/bash");
}

TEST(ExecEvents, PastTheBoundPidsAreDroppedAndCounted) {
  ExecEvents e;
  for (std::size_t i = 0; i < ExecEvents::kMaxPending + 3; ++i) e.add(static_cast<std::uint32_t>(i));
  EXPECT_EQ(e.dropped(), 3u);
  EXPECT_EQ(e.take().size(), ExecEvents::kMaxPending);
  EXPECT_TRUE(e.take().empty());
}

}  // namespace
}  // namespace profbufd
