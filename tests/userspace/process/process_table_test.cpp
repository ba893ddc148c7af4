#include "process/process_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../core/fake_clock.h"
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

using Why = ProcessEnds::Why;

// A table told of ends, on a clock the test sets: reads are stamped with it,
// records carry their own times.
struct Told {
  FakeProcfs procfs;
  std::shared_ptr<ProcessEnds> ends = std::make_shared<ProcessEnds>();
  testing::FakeClock clock;
  ProcessTable table{procfs.root.string(), 16, ends, clock};
  std::string at(std::uint64_t record_ns) { return binary_of(table.get(1234, record_ns)); }
  void end(Why why, std::uint64_t ns) { ends->add({.pid = 1234, .why = why, .time_ns = ns}); }
};

TEST(ProcessTable, ASnapshotIsReadOnceThenReadAgainForTheRecordsAfterAnExec) {
  Told t;
  t.procfs.maps_of("/usr/bin/bash");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "/usr/bin/bash");
  t.procfs.maps_of("/usr/bin/python3.11");  // the process exec'd at 200
  EXPECT_EQ(t.at(60), "/usr/bin/bash") << "not told yet: the snapshot stays";
  t.end(Why::kExec, 200);
  t.ends->add({.pid = 99, .why = Why::kExit, .time_ns = 200});  // never seen: nothing to do
  t.clock.set(300);
  EXPECT_EQ(t.at(150), "/usr/bin/bash") << "a late record of the program before";
  EXPECT_EQ(t.at(250), "/usr/bin/python3.11");
  EXPECT_EQ(t.at(199), "/usr/bin/bash") << "both programs stay placeable";
  EXPECT_EQ(t.table.stats().refreshed, 1u);
  EXPECT_EQ(t.table.stats().snapshots, 2u);
  EXPECT_EQ(t.ends->refreshed(Why::kExec), 1u);
  EXPECT_EQ(t.table.size(), 1u);
}

// The case an exec alone cannot tell: the process exits and a fork that never
// execs takes its pid, running its parent's program.
TEST(ProcessTable, AForkThatTakesAnExitedPidIsReadAgain) {
  Told t;
  t.procfs.maps_of("/usr/bin/gzip");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "/usr/bin/gzip");
  std::filesystem::remove(t.procfs.root / "1234" / "maps");  // it exited at 200
  t.end(Why::kExit, 200);
  EXPECT_EQ(t.at(190), "/usr/bin/gzip") << "an exited process keeps its names";
  t.procfs.maps_of("/usr/bin/bash");  // a fork of bash took the pid
  t.clock.set(300);
  EXPECT_EQ(t.at(250), "/usr/bin/bash");
  EXPECT_EQ(t.at(200), "/usr/bin/gzip");
  EXPECT_EQ(t.table.stats().reused, 1u);
  EXPECT_EQ(t.ends->refreshed(Why::kExit), 1u);
}

// The reader lags: by the time it reads, the process has exec'd, and only then
// is it told. The read shows the new program, so the records from before the
// exec have no snapshot, rather than the wrong one.
TEST(ProcessTable, AReadAfterTheEndNamesOnlyTheRecordsAfterIt) {
  Told t;
  t.procfs.maps_of("/usr/bin/python3.11");
  t.clock.set(500);
  EXPECT_EQ(t.at(100), "/usr/bin/python3.11") << "not told: the read is all there is";
  t.end(Why::kExec, 300);
  EXPECT_EQ(t.at(200), "");
  EXPECT_EQ(t.at(400), "/usr/bin/python3.11");
  EXPECT_EQ(t.table.stats().snapshots, 1u) << "no read again: the one read was after the exec";
  EXPECT_EQ(t.ends->missing(ProcessEnds::Missing::kEndedUnread), 1u);
}

TEST(ProcessTable, AnExecBeforeAPidsFirstLookUpLeavesItsEarlierRecordsUnnamed) {
  Told t;
  t.procfs.maps_of("/usr/bin/python3.11");
  t.end(Why::kExec, 300);
  t.clock.set(500);
  EXPECT_EQ(t.at(200), "") << "the program before the exec was never read";
  EXPECT_EQ(t.at(400), "/usr/bin/python3.11");
  EXPECT_EQ(t.table.stats().refreshed, 1u);
}

TEST(ProcessTable, AReadThatFoundThePidGoneEndsAtTheExit) {
  Told t;
  std::filesystem::remove(t.procfs.root / "1234" / "maps");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "");
  EXPECT_EQ(t.table.stats().vanished, 1u);
  t.end(Why::kExit, 80);  // before the read, which it explains
  t.procfs.maps_of("/usr/bin/bash");
  t.clock.set(300);
  EXPECT_EQ(t.at(200), "/usr/bin/bash") << "the next process is not taken for gone";
  EXPECT_EQ(t.at(70), "");
}

TEST(ProcessTable, TwoEndsWithNoReadBetweenLeaveTheProgramBetweenUnnamed) {
  Told t;
  t.procfs.maps_of("/usr/bin/bash");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "/usr/bin/bash");
  t.end(Why::kExec, 200);
  t.end(Why::kExit, 300);  // the exec'd program exited, never looked up
  t.end(Why::kExit, 300);  // a repeat: two threads' exits both reported the last
  t.procfs.maps_of("/usr/bin/gzip");
  t.clock.set(400);
  EXPECT_EQ(t.at(250), "") << "the program between was never read";
  EXPECT_EQ(t.table.stats().unread, 1u);
  EXPECT_EQ(t.at(350), "/usr/bin/gzip");
  EXPECT_EQ(t.at(150), "/usr/bin/bash");
  EXPECT_EQ(t.table.stats().reused, 1u);
}

TEST(ProcessTable, RecordsOlderThanTheGenerationsKeptAreUnnamedAndCounted) {
  Told t;
  for (std::uint64_t i = 0; i <= ProcessTable::kMaxGenerations; ++i) {
    t.procfs.maps_of("/usr/bin/prog" + std::to_string(i));
    t.clock.set(100 * i + 10);
    EXPECT_EQ(t.at(100 * i + 5), "/usr/bin/prog" + std::to_string(i));
    t.end(Why::kExec, 100 * i + 50);
  }
  EXPECT_EQ(t.at(5), "") << "prog0's generation was dropped: not named from prog1";
  EXPECT_EQ(t.table.stats().unplaced, 1u);
  EXPECT_EQ(t.ends->missing(ProcessEnds::Missing::kOlderThanKept), 1u);
  EXPECT_EQ(t.at(105), "/usr/bin/prog1");
}

// Epochs split one window's records of a pid by program: the same before an
// end as the look-ups are, and no /proc read for them.
TEST(ProcessTable, EpochsCountTheEndsBeforeARecord) {
  Told t;
  EXPECT_EQ(t.table.epoch(1234, 50), 0) << "never seen: the first program";
  EXPECT_EQ(t.table.size(), 0u) << "an epoch creates no entry";
  t.procfs.maps_of("/usr/bin/bash");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "/usr/bin/bash");
  t.end(Why::kExec, 200);
  EXPECT_EQ(t.table.epoch(1234, 250), 0) << "not taken yet";
  t.table.sync();
  EXPECT_EQ(t.table.epoch(1234, 150), 0);
  EXPECT_EQ(t.table.epoch(1234, 200), 0) << "a record at the end's time is the program's";
  EXPECT_EQ(t.table.epoch(1234, 201), 1);
  t.end(Why::kExit, 300);
  t.end(Why::kExit, 300);  // a repeat counts once
  t.table.sync();
  EXPECT_EQ(t.table.epoch(1234, 250), 1);
  EXPECT_EQ(t.table.epoch(1234, 350), 2);
  EXPECT_EQ(t.table.stats().snapshots, 1u) << "epochs read nothing";
}

// The program of each epoch is the one the look-up at its time names.
TEST(ProcessTable, EachEpochIsOneProgram) {
  Told t;
  t.procfs.maps_of("/usr/bin/bash");
  t.clock.set(100);
  EXPECT_EQ(t.at(50), "/usr/bin/bash");
  t.end(Why::kExec, 200);
  t.procfs.maps_of("/usr/bin/python3.11");
  t.clock.set(300);
  t.table.sync();
  const std::uint16_t before = t.table.epoch(1234, 150), after = t.table.epoch(1234, 250);
  EXPECT_NE(before, after);
  EXPECT_EQ(t.at(150), "/usr/bin/bash");
  EXPECT_EQ(t.at(250), "/usr/bin/python3.11");
  EXPECT_EQ(t.table.epoch(1234, 150), before) << "a read changes no epoch";
  EXPECT_EQ(t.table.epoch(1234, 250), after);
}

// An exec reported before the pid's first look-up: the records before it are
// epoch 0, those after epoch 1, as for a pid seen first.
TEST(ProcessTable, AnExecOfAPidNeverLookedUpStartsItsSecondEpoch) {
  Told t;
  t.end(Why::kExec, 200);
  t.table.sync();
  EXPECT_EQ(t.table.epoch(1234, 150), 0);
  EXPECT_EQ(t.table.epoch(1234, 250), 1);
}

// Past the generations kept, the epochs go on counting: a record newer than
// the ends forgotten still gets the epoch after all of them.
TEST(ProcessTable, EpochsCountEndsNoLongerKept) {
  Told t;
  for (std::uint64_t i = 0; i <= ProcessTable::kMaxGenerations + 1; ++i) {
    t.procfs.maps_of("/usr/bin/prog" + std::to_string(i));
    t.clock.set(100 * i + 10);
    EXPECT_EQ(t.at(100 * i + 5), "/usr/bin/prog" + std::to_string(i));
    t.end(Why::kExec, 100 * i + 50);
  }
  t.table.sync();
  const std::uint64_t n = ProcessTable::kMaxGenerations + 2;
  EXPECT_EQ(t.table.epoch(1234, 100 * n), n);
  EXPECT_EQ(t.table.epoch(1234, 100 * (n - 1) + 5), n - 1);
}

TEST(ProcessTable, WithoutEndsASnapshotStays) {
  FakeProcfs procfs;
  ProcessTable table(procfs.root.string(), 16);
  procfs.maps_of("/usr/bin/bash");
  EXPECT_EQ(binary_of(table.get(1234, 1)), "/usr/bin/bash");
  procfs.maps_of("/usr/bin/python3.11");
  EXPECT_EQ(binary_of(table.get(1234, ~0ULL)), "/usr/bin/bash");
}

TEST(ProcessEnds, PastTheBoundEndsAreDroppedAndCounted) {
  ProcessEnds e;
  for (std::size_t i = 0; i < ProcessEnds::kMaxPending + 3; ++i)
    e.add({.pid = static_cast<std::uint32_t>(i), .why = Why::kExit, .time_ns = i});
  EXPECT_EQ(e.dropped(), 3u);
  EXPECT_EQ(e.take().size(), ProcessEnds::kMaxPending);
  EXPECT_TRUE(e.take().empty());
}

}  // namespace
}  // namespace profbufd
