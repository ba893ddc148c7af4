// Where a frame's name came from, or why it has none. Every frame the
// symbolizer returns has exactly one of the two: it is counted by source or by
// reason in Symbolizer::Stats, in /metrics (profbufd_frames_named_total,
// profbufd_frames_unnamed_total) and in each profile's metadata (named_frames,
// unnamed_frames: distinct frames of that profile).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace profbufd::symbolize {

enum class NameSource : std::uint8_t {
  kKernel,      // /proc/kallsyms
  kElf,         // the mapped binary's own .symtab or .dynsym
  kDebugFile,   // a separate debug file (build ID, .gnu_debuglink, .gnu_debugdata)
  kDebuginfod,  // a debug file fetched from a debuginfod server
  kJitMap,      // a perf map (/tmp/perf-PID.map) written by a JIT
  kPython,      // a CPython code object read from the process (python/frame_resolver.h)
};
inline constexpr std::size_t kNameSources = 6;
inline constexpr std::array<std::string_view, kNameSources> kNameSourceNames = {
    "kernel", "elf", "debug_file", "debuginfod", "jit_map", "python"};

enum class UnnamedReason : std::uint8_t {
  kNoMapping,          // the address lies in no mapping of the process ([unknown])
  kAnonymous,          // anonymous memory (JIT code without a perf map entry, [vdso])
  kUnreadable,         // the mapped file could not be opened or read as ELF
  kNoSymbol,           // the symbols were read, and none covers the address
  kKernelUnavailable,  // kallsyms hidden (kptr_restrict) or unreadable
  kPythonGone,         // a Python frame of a process gone before its window closed
  kPythonUnreadable,   // a Python frame whose code object could not be read, or was
                       // replaced by another since the sample
};
inline constexpr std::size_t kUnnamedReasons = 7;
inline constexpr std::array<std::string_view, kUnnamedReasons> kUnnamedReasonNames = {
    "no_mapping", "anonymous", "unreadable", "no_symbol", "kernel_unavailable",
    "python_process_gone", "python_unreadable"};

inline constexpr std::string_view name_of(NameSource s) {
  return kNameSourceNames[static_cast<std::size_t>(s)];
}
inline constexpr std::string_view name_of(UnnamedReason r) {
  return kUnnamedReasonNames[static_cast<std::size_t>(r)];
}

}  // namespace profbufd::symbolize
