// A small hand-built Profile covering what the writers must handle: kernel and
// user frames, an unresolved frame, a synthetic lost-samples frame, several
// pids/tids with the same comm and stack (merged by folded), a comm that is not
// UTF-8, and symbols with ';', '\n' and invalid UTF-8 in them.
#pragma once

#include "model/profile.h"

namespace profbufd::testing {

// Location indices of sample_profile(), named for readability in tests.
enum SampleLoc : std::uint32_t {
  kDoSyscall = 0,     // kernel, leaf of the syscall stack
  kEntrySyscall = 1,  // kernel
  kMain = 2,          // /usr/bin/app
  kCompute = 3,       // /usr/bin/app
  kUnresolved = 4,    // libfoo.so+0x1234, no symbol
  kLost = 5,          // synthetic
  kWeirdName = 6,     // "weird;name\nx" in /usr/bin/app
  kBadUtf8 = 7,       // "bad\xc3(sym" in /usr/bin/app
};

inline constexpr std::int64_t kSampleStartNs = 1795290780123456789;  // 2026-11-21T...

inline Profile sample_profile() {
  Profile p;
  p.metadata.kind = "cpu";
  p.metadata.version = "0.1.0";
  p.metadata.host = "testhost";
  p.metadata.kernel = "6.1.0-test";
  p.metadata.start_unix_ns = kSampleStartNs;
  p.metadata.duration_ns = 10'000'000'000;
  p.metadata.cpus = 2;
  p.metadata.lost_samples = {{"ringbuf_full", 3}};
  p.metadata.user_unwind = "dwarf";
  p.metadata.truncated_stacks = {{"depth_limit", 0},          {"table_missing", 0},
                                 {"unwind_table_pending", 0}, {"unsupported_rule", 0},
                                 {"memory_unreadable", 0},    {"bad_address", 0}};
  p.metadata.python_stacks = {{"complete", 0}, {"no_thread", 0}, {"depth", 0},
                              {"no_room", 0},  {"unreadable", 0}};
  // As the builder counts the locations below: every source and reason present.
  p.metadata.named_frames = {
      {"kernel", 2}, {"elf", 4}, {"debug_file", 0}, {"debuginfod", 0}, {"jit_map", 0},
      {"python", 0}};
  p.metadata.unnamed_frames = {{"no_mapping", 0},
                               {"anonymous", 0},
                               {"unreadable", 0},
                               {"no_symbol", 1},
                               {"kernel_unavailable", 0},
                               {"python_process_gone", 0},
                               {"python_unreadable", 0}};
  p.metadata.details = {{"frequency_hz", 100}, {"idle_accounted_samples", 0}};
  p.metadata.comments = {"cpus 2, frequency 100 Hz", "samples 16"};
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'000'000;  // 100 Hz

  p.mappings = {
      {0xffffffff81000000, 0xffffffff82000000, 0, "[kernel.kallsyms]", "", true},
      {0x555555555000, 0x555555556000, 0x1000, "/usr/bin/app",
       "aabbccddeeff00112233445566778899aabbccdd", false},
      {0x7f0000001000, 0x7f0000010000, 0x1000, "/usr/lib/libfoo.so",
       "0123456789abcdef0123456789abcdef01234567", false},
  };

  auto loc = [](std::uint64_t addr, std::uint32_t mapping, std::string fn,
                std::string module, std::uint64_t off, FrameKind kind, bool resolved) {
    Location l;
    l.address = addr;
    l.mapping = mapping;
    l.function = std::move(fn);
    l.module = std::move(module);
    l.offset = off;
    l.kind = kind;
    l.resolved = resolved;
    return l;
  };
  p.locations = {
      loc(0xffffffff81001234, 0, "do_syscall_64", "[kernel.kallsyms]", 0x1234,
          FrameKind::kKernel, true),
      loc(0xffffffff81002000, 0, "entry_SYSCALL_64", "[kernel.kallsyms]", 0x2000,
          FrameKind::kKernel, true),
      loc(0x555555555100, 1, "main", "app", 0x1100, FrameKind::kUser, true),
      loc(0x555555555200, 1, "compute", "app", 0x1200, FrameKind::kUser, true),
      loc(0x7f0000001234, 2, "libfoo.so+0x1234", "libfoo.so", 0x1234,
          FrameKind::kUser, false),
      loc(0, kNoMapping, "[lost: ringbuf_full]", "", 0, FrameKind::kSynthetic, true),
      loc(0x555555555300, 1, "weird;name\nx", "app", 0x1300, FrameKind::kUser, true),
      loc(0x555555555400, 1, "bad\xc3(sym", "app", 0x1400, FrameKind::kUser, true),
  };

  auto sample = [](std::uint32_t pid, std::uint32_t tid, std::string comm,
                   std::vector<std::uint32_t> locs, std::uint64_t count) {
    Sample s;
    s.pid = pid;
    s.tid = tid;
    s.comm = std::move(comm);
    s.locations = std::move(locs);
    s.values = {static_cast<std::int64_t>(count), static_cast<std::int64_t>(count) * 10'000'000};
    return s;
  };
  p.samples = {
      sample(100, 100, "app", {kDoSyscall, kEntrySyscall, kCompute, kMain}, 5),
      sample(100, 101, "app", {kCompute, kMain}, 7),
      sample(200, 200, "app", {kCompute, kMain}, 2),
      sample(300, 301, "\xff\xfeodd", {kUnresolved, kMain}, 1),
      sample(0, 0, "[lost]", {kLost}, 3),
      sample(100, 100, "app", {kWeirdName, kBadUtf8, kMain}, 1),
  };
  return p;
}

// sample_profile() with source lines: "compute" has "step" inlined into it,
// and "step" has "kernel_of" inlined into it; "main" has a line of its own.
inline Profile inlined_profile() {
  Profile p = sample_profile();
  p.locations[kCompute].lines = {{"kernel_of", "/src/app/math.h", 12, 10},
                                 {"step", "/src/app/math.h", 30, 28},
                                 {"compute", "/src/app/app.c", 57, 50}};
  p.locations[kMain].lines = {{"main", "/src/app/app.c", 91, 88}};
  return p;
}

}  // namespace profbufd::testing
