#include "model/profile_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "capture/sample_record.h"
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
  TaskIdentity task_{};
};

void add(Window& w, const TaskIdentity& t, std::uint32_t pid, std::uint32_t tid, StackInfo info,
         std::vector<std::uint64_t> frames, std::uint64_t n) {
  std::vector<std::uint64_t> key{pid, tid, reinterpret_cast<std::uintptr_t>(&t), info.pack()};
  key.insert(key.end(), frames.begin(), frames.end());
  w.stacks.add(key, n);
}

const Location& loc(const Profile& p, const Sample& s, std::size_t i) {
  return p.locations.at(s.locations.at(i));
}

TEST_F(ProfileBuilderTest, SymbolizesKernelThenUserFramesLeafFirst) {
  std::strcpy(task_.comm.data(), "spin");
  const auto pid = static_cast<std::uint32_t>(getpid());
  Window w(0, 1'000'000'000, 1);
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
  add(w, task_, pid, pid + 1, info,
      {0xffffffff81100410, 0xffffffff81200020, leaf, caller + 1}, 5);
  w.profbuf_overflow_by_cpu[0] = 3;
  w.ringbuf_full = 2;

  Symbolizer sym(sym_options());
  ProfileContext ctx{"9.9", "host", "6.1.0", 99, 2};
  const Profile p = build_profile(w, sym, ctx);

  EXPECT_EQ(p.metadata.total_samples, 5u);
  EXPECT_EQ(p.metadata.duration_ns, 2'000'000'000);
  EXPECT_EQ(p.metadata.frequency_hz, 99u);
  EXPECT_EQ(p.metadata.lost_samples.at(kLostProfBufOverflow), 3u);
  EXPECT_EQ(p.metadata.lost_samples.at(kLostRingbufFull), 2u);

  ASSERT_EQ(p.samples.size(), 3u);  // the stack, then one per lost reason
  const Sample& s = p.samples[0];
  EXPECT_EQ(s.pid, pid);
  EXPECT_EQ(s.tid, pid + 1);
  EXPECT_EQ(s.comm, "spin");
  EXPECT_EQ(s.count, 5u);
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

  std::uint64_t sum = 0;
  for (const Sample& x : p.samples) sum += x.count;
  EXPECT_EQ(sum, 10u);  // captured + lost
  EXPECT_EQ(loc(p, p.samples[1], 0).kind, FrameKind::kSynthetic);
  EXPECT_EQ(loc(p, p.samples[1], 0).function, "[lost: profbuf_overflow]");
  EXPECT_EQ(p.samples[1].count, 3u);
  EXPECT_EQ(loc(p, p.samples[2], 0).function, "[lost: ringbuf_full]");
}

TEST_F(ProfileBuilderTest, NamesMissingStacksAndUnknownProcesses) {
  std::strcpy(task_.comm.data(), "gone");
  Window w(0, 10, 1);
  StackInfo failed;
  failed.kernel_frames = 1;
  failed.user_status = PROFBUFD_STACK_ERROR;
  failed.user_errno = EFAULT;
  add(w, task_, 4242, 4242, failed, {0xffffffff81100010}, 1);

  StackInfo kthread;
  kthread.kernel_frames = 1;
  kthread.user_status = PROFBUFD_STACK_KERNEL_THREAD;
  add(w, task_, 2, 2, kthread, {0xffffffff81100020}, 1);

  StackInfo user_only;
  user_only.user_frames = 1;
  user_only.kernel_status = PROFBUFD_STACK_EMPTY;
  add(w, task_, 4243, 4243, user_only, {0x55550000abcd}, 1);  // no maps snapshot

  Symbolizer sym(sym_options());
  const Profile p = build_profile(w, sym, ProfileContext{});
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
  EXPECT_EQ(p.metadata.lost_samples.at(kLostRingbufFull), 0u);
}

TEST_F(ProfileBuilderTest, AccountsIdleTimeTheSamplerMissed) {
  std::strcpy(task_.comm.data(), "swapper/0");
  Window w(0, 10, 2);
  StackInfo idle;
  idle.kernel_frames = 1;
  idle.user_status = PROFBUFD_STACK_NOT_COLLECTED;
  add(w, task_, 0, 0, idle, {0xffffffff81100020}, 4);
  w.idle_sampled_by_cpu = {4, 0};
  // 100 Hz: a sample is 10 ms. CPU 0 idled 100 ms (10 samples, 4 seen),
  // CPU 1 idled 54 ms (5 samples after rounding, none seen).
  w.idle_ns_by_cpu = {100'000'000, 54'000'000};
  Symbolizer sym(sym_options());
  ProfileContext ctx;
  ctx.frequency_hz = 100;
  ctx.account_idle = true;
  const Profile p = build_profile(w, sym, ctx);
  ASSERT_EQ(p.samples.size(), 3u);
  EXPECT_EQ(p.samples[1].comm, "swapper/0");
  EXPECT_EQ(p.samples[1].count, 6u);
  EXPECT_EQ(loc(p, p.samples[1], 0).function, "[idle]");
  EXPECT_EQ(p.samples[2].comm, "swapper/1");
  EXPECT_EQ(p.samples[2].count, 5u);
  EXPECT_EQ(p.metadata.idle_accounted_samples, 11u);
  EXPECT_EQ(p.metadata.total_samples, 15u);

  ctx.account_idle = false;  // --no-idle, --pid
  const Profile q = build_profile(w, sym, ctx);
  EXPECT_EQ(q.samples.size(), 1u);
  EXPECT_EQ(q.metadata.total_samples, 4u);
}

}  // namespace
}  // namespace profbufd
