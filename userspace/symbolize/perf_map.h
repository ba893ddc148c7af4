// A JIT's perf map: the names it gives the code it generated, as perf reads them
// from /tmp/perf-PID.map (node --perf-basic-prof, python3.12 -X perf, Java with
// perf-map-agent). One line per piece of code:
//   START SIZE name
//   7f3a1c0042c0 1a8 JS:*hotLoop /tmp/work.js:3:17
// START and SIZE are hex (an "0x" prefix is accepted); the name is the rest of
// the line, spaces included, bytes kept as they are (the JSON writer replaces
// invalid UTF-8; pprof strings are bytes) but cut to max_name_bytes.
//
// The file is written by the profiled process, so it is hostile input:
//   - a line that does not parse is skipped and counted (malformed);
//   - only the file's last max_read_bytes are read, and of those only the
//     newest max_entries lines are kept: the file grows for as long as the JIT
//     compiles, and the newest code is the code that runs now;
//   - where ranges overlap (a JIT reuses memory it freed) the later line wins,
//     resolved once at parse time into disjoint ranges, so a lookup is one
//     binary search. A later line over the middle of an earlier one splits it:
//     n lines kept make at most 2n - 1 entries.
//
// Invariants: entries_ sorted by start, disjoint, each non-empty; every entry's
// name lies inside names_.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::symbolize {

struct PerfMapLimits {
  std::size_t max_read_bytes = 4u << 20;  // the file's tail that is read
  std::size_t max_entries = 1u << 16;     // newest lines kept of that tail
  std::size_t max_name_bytes = 512;       // longer names are cut
};

// What one parse kept and left out.
struct PerfMapCounts {
  std::uint64_t lines = 0;            // lines that parsed
  std::uint64_t malformed = 0;        // lines skipped as unparsable
  std::uint64_t dropped = 0;          // lines left out by max_entries (the oldest)
  std::uint64_t skipped_bytes = 0;    // bytes left out by max_read_bytes (the head)
  std::uint64_t names_truncated = 0;  // names cut to max_name_bytes
};

struct PerfMapSymbol {
  std::string_view name;  // valid while the PerfMap lives
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // one past the last address
};

class PerfMap {
 public:
  PerfMap() = default;

  // The lines of `text` (a whole file, or its tail cut at a line start).
  static PerfMap parse(std::string_view text, const PerfMapLimits& limits = {});

  // Reads the last max_read_bytes of the `size` bytes of the file open at `fd`
  // (not closed) and parses them. A tail that starts mid-line loses that line;
  // an unterminated last line (the JIT is writing it) waits for the next read.
  // Errors (kRuntime) only for a failed read.
  static Result<PerfMap> read_fd(int fd, std::uint64_t size, const PerfMapLimits& limits = {});

  // The code containing addr, or nullopt.
  std::optional<PerfMapSymbol> find(std::uint64_t addr) const;

  std::size_t size() const { return entries_.size(); }
  std::size_t memory_bytes() const;
  const PerfMapCounts& counts() const { return counts_; }

 private:
  struct Entry {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint32_t name_at = 0;  // offset into names_
    std::uint32_t name_len = 0;
  };
  struct Line;  // one parsed line, before overlaps are resolved

  static std::vector<Entry> disjoint(std::vector<Line> lines);

  std::vector<Entry> entries_;
  std::string names_;
  PerfMapCounts counts_;
};

}  // namespace profbufd::symbolize
