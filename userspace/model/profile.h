// The symbolized profile of one window of one kind: what every encoder (pprof,
// JSON, folded) renders and every sink receives. Built at window close
// (model/profile_builder.h); read-only afterwards, so sinks share it through a
// shared_ptr<const Profile>.
//
// It is multi-valued, as pprof is: every Sample has one value per entry of
// sample_types (a CPU profile: samples/count and cpu/nanoseconds; an off-CPU
// one: contentions/count and delay/nanoseconds).
//
// Invariants:
// - 1 <= sample_types.size() <= kMaxSampleTypes; default_sample_type names one
//   of them (or is empty: the first);
// - every Sample::locations index is < locations.size();
// - every Location::mapping is kNoMapping or < mappings.size();
// - lost samples are already present as Samples whose single Location has
//   kind kSynthetic and a function naming the reason, so that summing a value
//   over all samples gives captured + lost;
// - metadata.lost_samples holds the same lost counts (events) by reason.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace profbufd {

// kPython: a CPython interpreter frame (bpf/python.h), in place of the
// _PyEval_EvalFrameDefault call that ran it; its one SourceLine has the file,
// the line and the function's first line.
enum class FrameKind { kKernel, kUser, kSynthetic, kPython };

inline constexpr std::uint32_t kNoMapping = UINT32_MAX;
// The most sample types a kind has (Go's heap profile has four).
inline constexpr std::size_t kMaxSampleTypes = 4;

// A pprof ValueType: what one value measures, and in which unit.
struct ValueType {
  std::string type;  // "samples", "cpu", "delay", "alloc_space", ...
  std::string unit;  // "count", "nanoseconds", "bytes"
  bool operator==(const ValueType&) const = default;
};

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

// A source position of a frame, from DWARF (symbolize/dwarf_lines.h).
struct SourceLine {
  std::string function;     // the function whose code this is (demangled)
  std::string file;         // source file of `line`, as DWARF names it (absolute if known)
  std::int64_t line = 0;    // 0 if unknown
  std::int64_t start_line = 0;  // the function's declaration line; 0 if unknown
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
  // Source lines, innermost first, when DWARF covers the address: every entry
  // but the last is a function inlined into the next one, at the line of the
  // code (first) or of the inlined call (the others); the last is `function`
  // itself. Empty: no line information.
  std::vector<SourceLine> lines;
};

// A label of a sample beyond the three every sample has (pid, tid, comm):
// either a string or a number, as in pprof.
struct Label {
  std::string key;
  std::string str;       // when !numeric
  std::int64_t num = 0;  // when numeric
  bool numeric = false;
};

struct Sample {
  std::vector<std::uint32_t> locations;  // leaf (innermost) first, like pprof
  // values[i] measures sample_types[i]; entries past sample_types.size() are 0.
  std::array<std::int64_t, kMaxSampleTypes> values{};
  // The labels every sample carries, kept as fields because every encoder
  // needs them and they are most of a profile's bytes.
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  std::string comm;
  std::vector<Label> labels;  // the kind's, then who it belongs to (model/labeler.h)
};

struct ProfileMetadata {
  std::string kind;            // "cpu": the profile kind
  std::string version;         // profbufd version
  std::string host;            // hostname
  std::string kernel;          // uname release
  std::int64_t start_unix_ns = 0;  // wall-clock start of the window
  std::int64_t duration_ns = 0;
  std::uint32_t cpus = 0;          // CPUs sampled
  std::map<std::string, std::uint64_t> lost_samples;  // reason -> events lost
  // How user stacks were walked: "dwarf" (unwind tables, frame pointers where
  // a binary has none) or "fp" (frame pointers only: a stack's end is not
  // known, so none counts as truncated).
  std::string user_unwind = "fp";
  // How the Python frames of samples of Python processes were walked: end
  // reason ("complete", "no_thread", "depth", "no_room", "unreadable";
  // python/stack_end.h) -> records; every reason is present. Samples of other
  // processes are not counted.
  std::map<std::string, std::uint64_t> python_stacks;
  // reason (core/stack_truncation.h) -> records whose user stack stopped
  // before the entry; every reason is present. Those stacks also end in a
  // "[truncated: <reason>]" root frame.
  std::map<std::string, std::uint64_t> truncated_stacks;
  // Distinct frames (Locations) named, by where the name came from, and left
  // unnamed ("module+0xoff"), by reason: symbolize/name_source.h. Every
  // source and reason is present.
  std::map<std::string, std::uint64_t> named_frames;
  std::map<std::string, std::uint64_t> unnamed_frames;
  // Facts the kind adds (CPU: frequency_hz, idle_accounted_samples), in order.
  std::vector<std::pair<std::string, std::int64_t>> details;
  // One-line notes for people (pprof comments), after version/host/kernel.
  std::vector<std::string> comments;
  // The sample label the folded writer puts as each line's root frame
  // (--folded-root, e.g. service_name); empty: none. How to render, not what
  // was measured: the other writers ignore it.
  std::string folded_root;
};

struct Profile {
  ProfileMetadata metadata;
  std::vector<ValueType> sample_types;
  std::string default_sample_type;  // a sample_types[].type; "" = the first
  ValueType period_type;
  std::int64_t period = 0;  // in period_type's unit; 0 if none
  std::vector<Mapping> mappings;
  std::vector<Location> locations;
  std::vector<Sample> samples;

  // Index of `type` in sample_types, or sample_types.size() if absent.
  std::size_t sample_index(std::string_view type) const {
    for (std::size_t i = 0; i < sample_types.size(); ++i)
      if (sample_types[i].type == type) return i;
    return sample_types.size();
  }
  // Sum of values[i] over every sample (lost samples included).
  std::int64_t total(std::size_t i) const {
    std::int64_t n = 0;
    for (const Sample& s : samples) n += s.values[i];
    return n;
  }
};

}  // namespace profbufd
