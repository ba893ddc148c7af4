#include "model/profile_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/record.h"
#include "kinds/cpu/cpu_kind.h"
#include "process/proc_maps.h"
#include "symbolize/symbolizer.h"

// Known user functions of this (PIE, -g) test binary.
extern "C" __attribute__((noinline)) int profile_builder_test_leaf(int x) { return x * 3 + 1; }
extern "C" __attribute__((noinline)) int profile_builder_test_caller(int x) {
  return profile_builder_test_leaf(x) + 2;
}

namespace profbufd {
namespace {

namespace fs = std::filesystem;

// A procfs root holding a fixture kallsyms and a link to this process's real
// /proc entry, so kernel frames resolve against known symbols and user frames
// against this very binary.
class ProfileBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profbufd-builder-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::ofstream(root_ / "kallsyms") << "ffffffff81000000 T _text\n"
                                         "ffffffff81100000 T do_sys_poll\n"
                                         "ffffffff81100400 T __x64_sys_getppid\n"
                                         "ffffffff81200000 T entry_SYSCALL_64\n"
                                         "ffffffff81300000 D some_data\n";
    fs::create_directory_symlink("/proc/" + std::to_string(getpid()), root_ / std::to_string(getpid()));
  }
  void TearDown() override { fs::remove_all(root_); }

  Symbolizer::Options sym_options() const {
    Symbolizer::Options o;
    o.procfs_root = root_.string();
    return o;
  }

  fs::path root_;
  kinds::cpu::CpuKind cpu_{kinds::cpu::CpuConfig{.frequency_hz = 100}};  // 10 ms a tick
};

// A window of the CPU kind, as the reader would fill it: ticks and their
// periods.
Window cpu_window(std::uint64_t start, std::uint64_t end, std::size_t ncpus) {
  return Window(PROFBUFD_KIND_CPU, 2, start, end, ncpus);
}

void add(Window& w, const char* comm, std::uint32_t pid, std::uint32_t tid, StackInfo info,
         std::vector<std::uint64_t> frames, std::uint64_t n, std::uint32_t task_id = 7) {
  std::array<char, PROFBUFD_COMM_LEN> name{};
  std::strncpy(name.data(), comm, name.size() - 1);
  w.tasks[task_id] = name;
  std::vector<std::uint64_t> key{RecordHeader::pid_tid(pid, tid),
                                 StackTable::task_word(task_id, 0), 0, info.pack()};
  key.insert(key.end(), frames.begin(), frames.end());
  const std::uint64_t ticks[] = {n, n * 10'000'000};  // at 100 Hz
  w.stacks.add(key, ticks);
}

const Location& loc(const Profile& p, const Sample& s, std::size_t i) {
  return p.locations.at(s.locations.at(i));
}

TEST_F(ProfileBuilderTest, SymbolizesKernelThenUserFramesLeafFirst) {
  const auto pid = static_cast<std::uint32_t>(getpid());
  Window w = cpu_window(0, 1'000'000'000, 1);
  w.start_unix_ns = 1'700'000'000'000'000'000;
  w.end_unix_ns = w.start_unix_ns + 2'000'000'000;
  auto maps = ProcessMaps::read(static_cast<int>(pid));
  ASSERT_TRUE(maps.ok()) << maps.error().line();
  w.maps.emplace(pid, std::make_shared<const ProcessMaps>(std::move(maps).value()));

  const auto leaf = reinterpret_cast<std::uint64_t>(&profile_builder_test_leaf);
  const auto caller = reinterpret_cast<std::uint64_t>(&profile_builder_test_caller);
  StackInfo info;
  info.kernel_frames = 2;
  info.user_frames = 2;
  // Kernel leaf inside getppid, return address into the syscall entry; user
  // leaf at the function start, return address one byte into the caller.
  add(w, "spin", pid, pid + 1, info,
      {0xffffffff81100410, 0xffffffff81200020, leaf, caller + 1}, 5);
  w.profbuf_overflow_by_cpu[0] = 3;
  w.ringbuf_full = 2;

  Symbolizer sym(sym_options());
  ProfileContext ctx{"9.9", "host", "6.1.0", 2};
  const Profile p = build_profile(w, cpu_, sym, ctx);

  EXPECT_EQ(p.metadata.kind, "cpu");
  EXPECT_EQ(p.metadata.duration_ns, 2'000'000'000);
  EXPECT_EQ(p.metadata.cpus, 2u);
  EXPECT_EQ(p.sample_types, (std::vector<ValueType>{{"samples", "count"}, {"cpu", "nanoseconds"}}));
  EXPECT_EQ(p.default_sample_type, "cpu");
  EXPECT_EQ(p.period, 10'000'000);
  EXPECT_EQ(p.metadata.lost_samples.at(kLostProfBufOverflow), 3u);
  EXPECT_EQ(p.metadata.lost_samples.at(kLostRingbufFull), 2u);

  ASSERT_EQ(p.samples.size(), 3u);  // the stack, then one per lost reason
  const Sample& s = p.samples[0];
  EXPECT_EQ(s.pid, pid);
  EXPECT_EQ(s.tid, pid + 1);
  EXPECT_EQ(s.comm, "spin");
  EXPECT_EQ(s.values[0], 5);
  EXPECT_EQ(s.values[1], 50'000'000);
  ASSERT_EQ(s.locations.size(), 4u);
  EXPECT_EQ(loc(p, s, 0).function, "__x64_sys_getppid");
  EXPECT_EQ(loc(p, s, 0).kind, FrameKind::kKernel);
  EXPECT_EQ(loc(p, s, 1).function, "entry_SYSCALL_64");
  EXPECT_EQ(loc(p, s, 2).function, "profile_builder_test_leaf");
  EXPECT_EQ(loc(p, s, 2).kind, FrameKind::kUser);
  EXPECT_TRUE(loc(p, s, 2).resolved);
  EXPECT_EQ(loc(p, s, 3).function, "profile_builder_test_caller");

  // Kernel frames share the kernel mapping; user frames the test binary's.
  const Mapping& km = p.mappings.at(loc(p, s, 0).mapping);
  EXPECT_TRUE(km.kernel);
  EXPECT_EQ(km.file, "[kernel.kallsyms]");
  EXPECT_LE(km.start, 0xffffffff81100410u);
  EXPECT_GE(km.limit, 0xffffffff81200020u);  // holds the looked-up address (return address - 1)
  const Mapping& um = p.mappings.at(loc(p, s, 2).mapping);
  EXPECT_EQ(fs::path(um.file), fs::canonical("/proc/self/exe"));
  EXPECT_LE(um.start, leaf);
  EXPECT_GT(um.limit, leaf);
  EXPECT_FALSE(um.build_id.empty());
  EXPECT_EQ(loc(p, s, 2).mapping, loc(p, s, 3).mapping);

  EXPECT_EQ(p.total(0), 10);  // captured + lost
  EXPECT_EQ(p.total(1), 100'000'000);
  EXPECT_EQ(loc(p, p.samples[1], 0).kind, FrameKind::kSynthetic);
  EXPECT_EQ(loc(p, p.samples[1], 0).function, "[lost: profbuf_overflow]");
  EXPECT_EQ(p.samples[1].values[0], 3);
  EXPECT_EQ(p.samples[1].values[1], 30'000'000);
  EXPECT_EQ(loc(p, p.samples[2], 0).function, "[lost: ringbuf_full]");

  // Four distinct frames named (two from kallsyms, two from the binary), none
  // unnamed; every source and reason is present. Synthetic frames are not counted.
  EXPECT_EQ(p.metadata.named_frames,
            (std::map<std::string, std::uint64_t>{
                {"kernel", 2}, {"elf", 2}, {"debug_file", 0}, {"debuginfod", 0}, {"jit_map", 0}, {"python", 0}}));
  EXPECT_EQ(p.metadata.unnamed_frames.size(), symbolize::kUnnamedReasons);
  for (const auto& [reason, n] : p.metadata.unnamed_frames) EXPECT_EQ(n, 0u) << reason;
}

TEST_F(ProfileBuilderTest, NamesMissingStacksAndUnknownProcesses) {
  Window w = cpu_window(0, 10, 1);
  StackInfo failed;
  failed.kernel_frames = 1;
  failed.user_status = PROFBUFD_STACK_ERROR;
  failed.user_errno = EFAULT;
  add(w, "gone", 4242, 4242, failed, {0xffffffff81100010}, 1);

  StackInfo kthread;
  kthread.kernel_frames = 1;
  kthread.user_status = PROFBUFD_STACK_KERNEL_THREAD;
  add(w, "gone", 2, 2, kthread, {0xffffffff81100020}, 1);

  StackInfo user_only;
  user_only.user_frames = 1;
  user_only.kernel_status = PROFBUFD_STACK_EMPTY;
  add(w, "gone", 4243, 4243, user_only, {0x55550000abcd}, 1);  // no maps snapshot

  Symbolizer sym(sym_options());
  const Profile p = build_profile(w, cpu_, sym, ProfileContext{});
  ASSERT_EQ(p.samples.size(), 3u);
  ASSERT_EQ(p.samples[0].locations.size(), 2u);
  EXPECT_EQ(loc(p, p.samples[0], 1).function, "[user stack unavailable: EFAULT]");
  EXPECT_EQ(loc(p, p.samples[0], 1).kind, FrameKind::kSynthetic);
  // A kernel thread has no user stack: nothing to report.
  EXPECT_EQ(p.samples[1].locations.size(), 1u);
  // A user sample taken outside the kernel has no kernel frames: also normal.
  ASSERT_EQ(p.samples[2].locations.size(), 1u);
  EXPECT_EQ(loc(p, p.samples[2], 0).function, "[unknown]+0x55550000abcd");
  EXPECT_FALSE(loc(p, p.samples[2], 0).resolved);
  EXPECT_EQ(p.metadata.unnamed_frames.at("no_mapping"), 1u);  // counted, with its reason
  EXPECT_EQ(p.metadata.lost_samples.at(kLostRingbufFull), 0u);
}

// A pid whose window holds no snapshot (gone when read, or its program ended
// before it was read) is not named from whatever runs under the pid now:
// here, this live test process.
TEST_F(ProfileBuilderTest, APidWithoutASnapshotIsNotNamedFromWhatRunsUnderItNow) {
  const auto pid = static_cast<std::uint32_t>(getpid());
  Window w = cpu_window(0, 10, 1);
  w.maps.emplace(pid, nullptr);
  StackInfo user_only;
  user_only.user_frames = 1;
  user_only.kernel_status = PROFBUFD_STACK_EMPTY;
  const auto leaf = reinterpret_cast<std::uint64_t>(&profile_builder_test_leaf);
  add(w, "spin", pid, pid, user_only, {leaf}, 1);

  Symbolizer sym(sym_options());
  const Profile p = build_profile(w, cpu_, sym, ProfileContext{});
  ASSERT_EQ(p.samples.size(), 1u);
  ASSERT_EQ(p.samples[0].locations.size(), 1u);
  EXPECT_FALSE(loc(p, p.samples[0], 0).resolved) << loc(p, p.samples[0], 0).function;
  EXPECT_EQ(p.metadata.unnamed_frames.at("no_mapping"), 1u);
}

TEST_F(ProfileBuilderTest, ATaskWithoutANameIsUnknownNotACrash) {
  Window w = cpu_window(0, 10, 1);
  StackInfo k;
  k.kernel_frames = 1;
  add(w, "x", 9, 9, k, {0xffffffff81100020}, 1);
  w.tasks.clear();
  Symbolizer sym(sym_options());
  const Profile p = build_profile(w, cpu_, sym, ProfileContext{});
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].comm, "[unknown]");
}

// A kind with its own labels and a value per record, like off-CPU time.
class DelayKind final : public kinds::Kind {
 public:
  std::uint16_t id() const override { return 5; }
  std::string_view name() const override { return "delay"; }
  kinds::ProfileShape shape() const override {
    return {{{"contentions", "count"}, {"delay", "nanoseconds"}}, "delay", {"contentions", "count"}, 1};
  }
  unsigned records_per_cpu_second() const override { return 1; }
  std::span<const Accumulate> accumulators() const override {
    static constexpr Accumulate kRecipe[] = {Accumulate::kRecords, Accumulate::kValue};
    return kRecipe;
  }
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override {
    out[0] = static_cast<std::int64_t>(acc[0]);
    out[1] = static_cast<std::int64_t>(acc[1]);
  }
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override {
    out[0] = static_cast<std::int64_t>(n);
  }
  void labels(std::uint16_t flags, std::vector<Label>& out) const override {
    out.push_back(Label{"state", flags == 1 ? "D" : "S", 0, false});
  }
};

TEST_F(ProfileBuilderTest, TheKindDecidesValuesAndLabels) {
  DelayKind kind;
  Window w(5, 2, 0, 10, 1);
  w.tasks[1] = {'s', 'l', 'e', 'e', 'p'};
  StackInfo k;
  k.kernel_frames = 1;
  const std::uint64_t key[] = {RecordHeader::pid_tid(3, 3), StackTable::task_word(1, 1), 0,
                               k.pack(), 0xffffffff81100020};
  const std::uint64_t v[] = {4, 40'000};
  w.stacks.add(key, v);
  w.ringbuf_full = 2;
  Symbolizer sym(sym_options());
  const Profile p = build_profile(w, kind, sym, ProfileContext{});
  EXPECT_EQ(p.metadata.kind, "delay");
  EXPECT_EQ(p.default_sample_type, "delay");
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_EQ(p.samples[0].values[0], 4);
  EXPECT_EQ(p.samples[0].values[1], 40'000);
  ASSERT_EQ(p.samples[0].labels.size(), 1u);
  EXPECT_EQ(p.samples[0].labels[0].key, "state");
  EXPECT_EQ(p.samples[0].labels[0].str, "D");
  EXPECT_EQ(p.samples[1].values[0], 2);  // lost: events known, delay not
  EXPECT_EQ(p.samples[1].values[1], 0);
}

}  // namespace
}  // namespace profbufd
