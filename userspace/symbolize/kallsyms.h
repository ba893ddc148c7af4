// Kernel symbols from /proc/kallsyms: address -> function name and module.
//
// Input lines look like
//   ffffffff81000000 T _text
//   ffffffffc0a01000 t nft_do_chain\t[nf_tables]
// Only text symbols (types t T w W) are kept; data symbols (d D b B r R ...) are
// dropped but remembered as boundaries, so that an address in data that follows
// the last function of a region is reported unresolved rather than as a huge
// offset into that function.
//
// Aliases. Several names often share one address (__x64_sys_getppid,
// __ia32_sys_getppid and __do_sys_getppid); the one kept comes first by
//   1. type: global T, then local t, then weak W, then w;
//   2. a name starting "__x64_" before any other, one starting "__ia32_" after
//      any other (a 64-bit process enters the x64 syscall handler; the ia32 one
//      is its compat twin at the same address);
//   3. fewer leading underscores;
//   4. the shorter name;
//   5. the lexicographically smaller name, so that the order of the lines never
//      matters.
// On x86-64 this names syscall handlers as perf does.
//
// Memory: a full kallsyms has 150-200k text symbols. They are kept as three flat
// arrays (start addresses, name offsets into one string arena, and run-length
// encoded module ids), about 12 bytes per symbol plus the name characters; no
// std::string per symbol. Loading streams the file in fixed-size chunks, so the
// ~15 MB text is never held whole.
//
// Invariants after build: starts_ is sorted ascending and has no duplicates;
// names_.size() == starts_.size(); module_runs_ is sorted by first index, its first
// run starts at 0 (when there are symbols), and module ids index modules_.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "symbolize/string_arena.h"

namespace profbufd::symbolize {

inline constexpr std::string_view kKernelModule = "[kernel.kallsyms]";

struct KernelSymbol {
  std::string_view name;     // valid while the KernelSymbols lives
  std::string_view module;   // "[kernel.kallsyms]" or the module in brackets, "[nf_tables]"
  std::uint64_t start = 0;   // address of the symbol
  std::uint64_t offset = 0;  // looked-up address - start
};

class KernelSymbols {
 public:
  // Parses the whole text of a kallsyms file.
  // Errors: code kNoPrivilege when text symbols exist but all show address 0
  // (kernel.kptr_restrict hides them; see is_hidden()); kRuntime when no text
  // symbol could be read at all.
  static Result<KernelSymbols> parse(std::string_view text);

  // Reads and parses the file at `path` (normally procfs_root + "/kallsyms"),
  // streaming it. Errors as parse(), plus kRuntime/kNoPrivilege if unreadable.
  static Result<KernelSymbols> load(const std::string& path);

  // True if `e` came from parse()/load() because addresses are hidden, so the
  // caller can print "run as root / kernel.kptr_restrict" rather than a generic
  // failure.
  static bool is_hidden(const Error& e) { return e.code == ExitCode::kNoPrivilege; }

  // The text symbol with the greatest start <= addr, or nullopt when addr is
  // below the first symbol or falls into a data region.
  std::optional<KernelSymbol> find(std::uint64_t addr) const;

  std::size_t size() const;  // text symbols kept
  std::size_t malformed_lines() const { return malformed_lines_; }
  std::size_t memory_bytes() const;  // heap bytes held, for metrics and tests

 private:
  class Builder;
  static constexpr std::uint32_t kBoundary = UINT32_MAX;  // names_ entry of a data boundary

  struct ModuleRun {
    std::uint32_t first;   // index into starts_ where this run begins
    std::uint16_t module;  // index into modules_
  };

  std::vector<std::uint64_t> starts_;
  std::vector<std::uint32_t> names_;  // arena offset, or kBoundary
  std::vector<ModuleRun> module_runs_;
  std::vector<std::string> modules_;  // [0] is "[kernel.kallsyms]"
  StringArena arena_;
  std::size_t malformed_lines_ = 0;
};

}  // namespace profbufd::symbolize
