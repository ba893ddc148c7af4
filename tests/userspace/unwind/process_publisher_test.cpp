// ProcessPublisher on a real child process read through /proc: its executable
// mappings published sorted with their load bias and bins, the tables to
// build, the walker's view through tables built from those, and forget().
#include "unwind/process_publisher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "fake_walker.h"
#include "publisher_child.h"
#include "store_fixture.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::Call;
using testing::Op;

// The executable mappings as /proc/<pid>/maps lists them, read independently.
std::vector<MapEntry> executable_maps(std::uint32_t pid) {
  const std::string text =
      symbolize::testing::read_text("/proc/" + std::to_string(pid) + "/maps");
  auto all = parse_maps(text);
  if (!all) throw std::runtime_error(all.error().line());
  std::vector<MapEntry> out;
  for (const MapEntry& m : *all)
    if (m.exec) out.push_back(m);
  return out;
}

class ProcessPublisherTest : public ::testing::Test {
 protected:
  ProcessPublisherTest()
      : f({1024, 16384, 16384}), publisher(f.io, f.store, binaries, "/proc") {}

  // Builds and publishes each table `builds` asks for.
  void build_all(const std::vector<TableBuild>& builds) {
    for (const TableBuild& b : builds) {
      CfiTable t;
      if (b.vdso) {
        auto r = build_cfi_table_image(binaries.vdso_image(), "[vdso]");
        ASSERT_TRUE(r);
        t = std::move(r).value();
      } else {
        t = testing::table_of(b.entry.path);
      }
      const auto p = f.store.publish(b.bin, t);
      ASSERT_TRUE(p) << p.error().line();
    }
  }

  testing::PublisherChild child;
  testing::StoreFixture f;
  BinaryIndex binaries;
  ProcessPublisher publisher;
};

TEST_F(ProcessPublisherTest, PublishesEveryExecutableMappingSortedWithItsRange) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 12345, builds));
  const uw_proc* p = f.io.proc(child.pid());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->start_time, 12345u);
  const std::vector<MapEntry> maps = executable_maps(child.pid());
  ASSERT_EQ(p->n, maps.size());
  for (std::uint32_t i = 0; i < p->n; ++i) {
    EXPECT_EQ(p->m[i].start, maps[i].start) << i;
    EXPECT_EQ(p->m[i].end, maps[i].end) << i;
    if (i > 0) {
      EXPECT_LE(p->m[i - 1].end, p->m[i].start) << i;
    }
    const bool table = maps[i].is_file() || maps[i].path == "[vdso]";
    EXPECT_EQ(p->m[i].bin != 0, table) << maps[i].path;
  }
  EXPECT_EQ(publisher.stats().published, 1u);
  EXPECT_EQ(publisher.pids(), std::vector<std::uint32_t>{child.pid()});
  EXPECT_EQ(publisher.processes(), 1u);
}

TEST_F(ProcessPublisherTest, TheProgramsBiasIsItsRuntimeAddressMinusItsElfVaddr) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  const uw_proc* p = f.io.proc(child.pid());
  ASSERT_NE(p, nullptr);
  const auto mi = testing::bpf_find_map(*p, child.alpha());
  ASSERT_TRUE(mi && *mi < UW_MAX_MAPS);
  const std::uint64_t vaddr = testing::symbol(child.path(), "symtest_alpha");
  EXPECT_EQ(p->m[*mi].bias, child.alpha() - vaddr);
  EXPECT_EQ(p->m[*mi].bias % 4096, 0u);
}

TEST_F(ProcessPublisherTest, EachBinaryWithoutATableIsOneBuild) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  const uw_proc* p = f.io.proc(child.pid());
  std::set<std::uint32_t> bins;
  for (std::uint32_t i = 0; i < p->n; ++i)
    if (p->m[i].bin != 0) bins.insert(p->m[i].bin);
  std::set<std::uint32_t> built;
  for (const TableBuild& b : builds) {
    EXPECT_TRUE(built.insert(b.bin).second) << "bin " << b.bin << " built twice";
    EXPECT_EQ(b.pid, child.pid());
    EXPECT_EQ(f.store.state(b.bin), UW_BIN_PENDING);
  }
  EXPECT_EQ(built, bins);
  // Known and still pending: asked for again, with this process's mapping
  // (the unwinder keeps one build per binary, from the newest process).
  std::vector<TableBuild> again;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, again));
  std::set<std::uint32_t> again_bins;
  for (const TableBuild& b : again) again_bins.insert(b.bin);
  EXPECT_EQ(again_bins, bins);
  EXPECT_EQ(publisher.stats().published, 2u);
  // Once built, nothing more.
  build_all(builds);
  std::vector<TableBuild> built_already;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, built_already));
  EXPECT_TRUE(built_already.empty());
}

TEST_F(ProcessPublisherTest, TheWalkerFindsTheProgramsRuleThroughTheBuiltTables) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  build_all(builds);
  const std::uint64_t vaddr = testing::symbol(child.path(), "symtest_alpha");
  const CfiTable t = testing::table_of(child.path());
  const testing::WalkResult w = testing::walk(f.io, child.pid(), child.alpha() + 1, true);
  ASSERT_EQ(w.what, testing::Walk::kRule);
  EXPECT_EQ(w.rule, testing::covering_rule(t, vaddr));
  EXPECT_EQ(testing::walk(f.io, child.pid(), 0x1000).what, testing::Walk::kNoMapping);
  EXPECT_EQ(testing::walk(f.io, child.pid() + 1000000, child.alpha()).what,
            testing::Walk::kNoProcess);
}

TEST_F(ProcessPublisherTest, ForgetDeletesTheEntryOnlyWhenAsked) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  f.io.clear_calls();
  publisher.forget(child.pid(), false);
  EXPECT_TRUE(f.io.calls().empty());
  EXPECT_EQ(publisher.processes(), 0u);
  EXPECT_TRUE(publisher.pids().empty());
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  f.io.clear_calls();
  publisher.forget(child.pid(), true);
  ASSERT_EQ(f.io.calls().size(), 1u);
  EXPECT_EQ(f.io.calls()[0].op, Op::kDeleteProc);
  EXPECT_EQ(f.io.calls()[0].key, child.pid());
  EXPECT_EQ(f.io.proc(child.pid()), nullptr);
  publisher.forget(child.pid(), true);  // unknown now: nothing
  EXPECT_EQ(f.io.calls().size(), 1u);
}

// Takes every free bin id for binaries some (other) process maps.
void take_every_other_bin(testing::StoreFixture& f) {
  for (int i = 0;; ++i) {
    bool fresh = false;
    const auto b = f.store.bin("other" + std::to_string(i), fresh);
    if (!b || !fresh) return;
    f.store.ref(*b);
  }
}

TEST_F(ProcessPublisherTest, APublishedProcessHoldsItsBinsUntilForgotten) {
  std::vector<TableBuild> builds;
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));
  ASSERT_TRUE(publisher.publish(child.pid(), 0, builds));  // the old references go
  const std::set<std::uint32_t> mine = [&] {
    std::set<std::uint32_t> s;
    for (const TableBuild& b : builds) s.insert(b.bin);
    return s;
  }();
  ASSERT_FALSE(mine.empty());
  take_every_other_bin(f);
  bool fresh = false;
  EXPECT_EQ(f.store.bin("new", fresh), std::nullopt);  // the child's bins are mapped
  publisher.forget(child.pid(), false);
  const auto reused = f.store.bin("new", fresh);
  ASSERT_TRUE(reused);
  EXPECT_EQ(mine.count(*reused), 1u) << *reused;
}

TEST_F(ProcessPublisherTest, AGoneProcessIsAnErrorCountedAsVanished) {
  std::vector<TableBuild> builds;
  const std::uint32_t gone = 0x3ffffff0;  // above pid_max's largest value
  EXPECT_FALSE(publisher.publish(gone, 0, builds));
  EXPECT_EQ(publisher.stats().vanished, 1u);
  EXPECT_EQ(publisher.stats().published, 0u);
  EXPECT_TRUE(builds.empty());
  EXPECT_TRUE(f.io.calls().empty());
}

}  // namespace
}  // namespace profbufd::unwind
