// The symbolized profile of one window: what every writer (pprof, JSON, folded)
// renders. Built by the reader stage at window close; writers only read it.
//
// Invariants:
// - every Sample::locations index is < locations.size();
// - every Location::mapping is kNoMapping or < mappings.size();
// - lost samples are already present as Samples whose single Location has
//   kind kSynthetic and a function naming the reason, so that summing
//   Sample::count over all samples gives captured + lost;
// - metadata.lost_samples holds the same lost counts by reason.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace profbufd {

enum class FrameKind { kKernel, kUser, kSynthetic };

inline constexpr std::uint32_t kNoMapping = UINT32_MAX;

// One executable object as it was mapped: a binary or shared library of some
// process, or the kernel ("[kernel.kallsyms]", kernel = true).
struct Mapping {
  std::uint64_t start = 0;   // runtime start address of the executable mapping
  std::uint64_t limit = 0;   // runtime end address (exclusive)
  std::uint64_t offset = 0;  // file offset that `start` maps
  std::string file;          // path as in /proc/PID/maps, or "[kernel.kallsyms]"
  std::string build_id;      // GNU build ID, lowercase hex; empty if unknown
  bool kernel = false;
};

// One unique frame (address in a mapping), symbolized.
struct Location {
  std::uint64_t address = 0;          // runtime address (0 for synthetic frames)
  std::uint32_t mapping = kNoMapping;  // index into Profile::mappings
  std::string function;  // symbol name; for an unresolved frame "module+0xoff"
  std::string module;    // basename of the mapping's file ("[kernel.kallsyms]", kernel module name)
  std::uint64_t offset = 0;  // address relative to the module: ELF virtual address
                             // for user code, address - symbol-less base otherwise
  FrameKind kind = FrameKind::kUser;
  bool resolved = false;  // false: no symbol covered the address
};

struct Sample {
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  std::string comm;
  std::vector<std::uint32_t> locations;  // leaf (innermost) first, like pprof
  std::uint64_t count = 0;
};

struct ProfileMetadata {
  std::string version;         // profbufd version
  std::string host;            // hostname
  std::string kernel;          // uname release
  std::int64_t start_unix_ns = 0;  // wall-clock start of the window
  std::int64_t duration_ns = 0;
  std::uint32_t frequency_hz = 0;
  std::uint32_t cpus = 0;          // CPUs sampled
  std::uint64_t total_samples = 0; // samples in the profile, lost excluded
                                   // (idle_accounted_samples included)
  // Samples of idle CPUs the sampler could not see, accounted from the kernel's
  // per-CPU idle time (see capture/cpu_idle.h); part of total_samples.
  std::uint64_t idle_accounted_samples = 0;
  std::map<std::string, std::uint64_t> lost_samples;  // reason -> count
};

struct Profile {
  ProfileMetadata metadata;
  std::vector<Mapping> mappings;
  std::vector<Location> locations;
  std::vector<Sample> samples;

  // Nanoseconds of CPU one sample stands for: 1e9 / frequency.
  std::int64_t period_ns() const {
    return metadata.frequency_hz ? 1'000'000'000LL / metadata.frequency_hz : 0;
  }
};

}  // namespace profbufd
