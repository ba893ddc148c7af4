#include "kinds/cpu/cpu_kind.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "../../scratch_dir.h"
#include "kinds/cpu/idle_books.h"
#include "model/profile_builder.h"
#include "symbolize/symbolizer.h"

namespace profbufd::kinds::cpu {
namespace {

// /proc/stat with the idle and iowait columns given in USER_HZ ticks (100 per
// second on Linux: one tick is 10 ms).
std::string proc_stat(unsigned cpu0_idle, unsigned cpu1_idle) {
  return "cpu  1 2 3 4 5 6 7 0 0 0\n"
         "cpu0 1 0 1 " + std::to_string(cpu0_idle) + " 0 0 0 0 0 0\n"
         "cpu1 1 0 1 " + std::to_string(cpu1_idle) + " 0 0 0 0 0 0\n"
         "intr 1\n";
}

Window cpu_window(std::size_t ncpus) { return Window(PROFBUFD_KIND_CPU, 2, 0, 10, ncpus); }

TEST(CpuKind, ShapeIsGosCpuProfile) {
  const CpuKind k(CpuConfig{.frequency_hz = 99});
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types, (std::vector<ValueType>{{"samples", "count"}, {"cpu", "nanoseconds"}}));
  EXPECT_EQ(s.default_sample_type, "cpu");
  EXPECT_EQ(s.period_type, (ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(s.period, 10'101'010);
  EXPECT_EQ(k.name(), "cpu");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_CPU);
  EXPECT_EQ(k.records_per_cpu_second(), 99u);
  // Ticks, and their periods summed: each record weighs its own period.
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords, Accumulate::kValue}));
  std::array<std::int64_t, 2> v{};
  const std::uint64_t acc[] = {3, 30'303'030};
  k.values(acc, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{3, 30'303'030}));
  k.lost_values(2, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{2, 20'202'020}));
}

// SIGHUP: the period of later lost samples and the metadata follow the new
// frequency; what was aggregated keeps the periods its records carried.
TEST(CpuKind, FollowsAFrequencyChange) {
  const CpuKind k(CpuConfig{.frequency_hz = 99});
  k.settings_changed(49, false);
  EXPECT_EQ(k.frequency_hz(), 49u);
  EXPECT_EQ(k.period_ns(), 20'408'163);
  EXPECT_EQ(k.shape().period, 20'408'163);
  std::array<std::int64_t, 2> v{};
  const std::uint64_t acc[] = {2, 10'101'010 + 20'408'163};  // one tick at each rate
  k.values(acc, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{2, 30'509'173}));
}

TEST(CpuKind, KeepsIdleBooksOnlyForWholeMachineWindows) {
  EXPECT_NE(CpuKind(CpuConfig{}).open_books(cpu_window(2)), nullptr);
  EXPECT_EQ(CpuKind(CpuConfig{.no_idle = true}).open_books(cpu_window(2)), nullptr);
  EXPECT_EQ(CpuKind(CpuConfig{.filtered = true}).open_books(cpu_window(2)), nullptr);
  Window some = cpu_window(2);
  some.pids = {42};
  EXPECT_EQ(CpuKind(CpuConfig{}).open_books(some), nullptr);
  Window one_cgroup = cpu_window(2);
  one_cgroup.cgroups = {"/system.slice"};
  EXPECT_EQ(CpuKind(CpuConfig{}).open_books(one_cgroup), nullptr);
  Window one_container = cpu_window(2);
  one_container.containers = {"4b6a08aa"};
  EXPECT_EQ(CpuKind(CpuConfig{}).open_books(one_container), nullptr);
  // A filter set by SIGHUP counts from the next window on.
  const CpuKind k(CpuConfig{});
  k.settings_changed(99, true);
  EXPECT_EQ(k.open_books(cpu_window(2)), nullptr);
  k.settings_changed(99, false);
  EXPECT_NE(k.open_books(cpu_window(2)), nullptr);
}

TEST(IdleBooks, MeasureBetweenBeginAndEnd) {
  test::ScratchDir dir;
  const std::string stat = dir.file("stat", proc_stat(100, 200));
  IdleBooks books(2, stat);
  EXPECT_FALSE(books.idle_ns());  // not begun
  books.begin();
  dir.file("stat", proc_stat(110, 205));
  RecordHeader idle;
  idle.cpu = 1;
  idle.value = 10'000'000;  // one 100 Hz tick
  books.note(idle.pack(), 0, {});
  idle.pid = 7;  // not the idle task
  books.note(idle.pack(), 0, {});
  books.end();
  ASSERT_TRUE(books.idle_ns());
  EXPECT_EQ(*books.idle_ns(), (std::vector<std::uint64_t>{100'000'000, 50'000'000}));
  EXPECT_EQ(books.sampled_ns(), (std::vector<std::uint64_t>{0, 10'000'000}));
}

TEST(IdleBooks, UnreadableStatLeavesNoBooks) {
  IdleBooks books(2, "/nonexistent/profbufd/stat");
  books.begin();
  books.end();
  EXPECT_FALSE(books.idle_ns());
}

TEST(IdleBooks, BetweenIgnoresCountersThatWentBackwards) {
  EXPECT_EQ(idle_between({10, 50}, {30, 40}, 3), (std::vector<std::uint64_t>{20, 0, 0}));
}

// The idle time the sampler missed becomes [idle] samples of swapper/N.
TEST(CpuKind, AccountsIdleTimeTheSamplerMissed) {
  test::ScratchDir dir;
  const std::string stat = dir.file("stat", proc_stat(0, 0));
  const CpuKind kind(CpuConfig{.frequency_hz = 100, .proc_stat = stat});  // 10 ms a tick
  Window w = cpu_window(2);
  w.books = kind.open_books(w);
  ASSERT_NE(w.books, nullptr);
  w.books->begin();
  // CPU 0 idled 100 ms (10 samples, 4 seen by the sampler), CPU 1 50 ms (5, none seen).
  RecordHeader tick;
  tick.value = 10'000'000;
  const RecordHeader::Words idle = tick.pack();
  for (int i = 0; i < 4; ++i) w.books->note(idle, 0, {});
  dir.file("stat", proc_stat(10, 5));
  w.books->end();
  w.tasks[1] = {'s', 'w', 'a', 'p', 'p', 'e', 'r', '/', '0'};
  StackInfo k;
  k.kernel_frames = 1;
  k.user_status = PROFBUFD_STACK_NOT_COLLECTED;
  const std::uint64_t key[] = {0, StackTable::task_word(1, 0), 0, k.pack(), 0xffffffff81100020};
  const std::uint64_t four_ticks[] = {4, 40'000'000};
  w.stacks.add(key, four_ticks);

  Symbolizer sym(Symbolizer::Options{.procfs_root = dir.path()});
  const Profile p = build_profile(w, kind, sym, ProfileContext{.cpus = 2});
  ASSERT_EQ(p.samples.size(), 3u);
  EXPECT_EQ(p.samples[1].comm, "swapper/0");
  EXPECT_EQ(p.samples[1].values[0], 6);
  EXPECT_EQ(p.locations.at(p.samples[1].locations.at(0)).function, "[idle]");
  EXPECT_EQ(p.samples[2].comm, "swapper/1");
  EXPECT_EQ(p.samples[2].values[0], 5);
  EXPECT_EQ(p.samples[2].values[1], 50'000'000);
  EXPECT_EQ(p.total(0), 15);
  EXPECT_EQ(p.metadata.details,
            (std::vector<std::pair<std::string, std::int64_t>>{{"frequency_hz", 100},
                                                               {"idle_accounted_samples", 11}}));
  EXPECT_EQ(p.metadata.comments,
            (std::vector<std::string>{"cpus 2, frequency 100 Hz", "samples 15"}));

  // The filters changed during the window (SIGHUP): it is not the whole
  // machine's any more, so no idle is accounted.
  w.filters_changed = true;
  const Profile changed = build_profile(w, kind, sym, ProfileContext{.cpus = 2});
  EXPECT_EQ(changed.samples.size(), 1u);
  w.filters_changed = false;

  // Without books (--no-idle, --pid): the stacks only.
  w.books.reset();
  const Profile q = build_profile(w, kind, sym, ProfileContext{.cpus = 2});
  EXPECT_EQ(q.samples.size(), 1u);
  EXPECT_EQ(q.total(0), 4);
  EXPECT_EQ(q.total(1), 40'000'000);
}

}  // namespace
}  // namespace profbufd::kinds::cpu
