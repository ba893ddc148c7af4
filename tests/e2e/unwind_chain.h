// Known call chains, matched exactly against a stack's user frames, leaf first.
// A chain is a list of steps; each step names a function (or any function) in a
// module (or any module) and how many consecutive frames it takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "unwind_profile.h"

namespace profbufd::e2e::unwind {

struct Step {
  std::string function;  // "" matches any function
  std::string module;    // "" matches any module
  std::size_t min = 1, max = 1;
  std::optional<std::uint64_t> offset = std::nullopt;  // the frame's offset, if given
};

inline Step optional(std::string function, std::string module = "") {
  return {std::move(function), std::move(module), 0, 1};
}
inline Step repeated(std::string function, std::size_t n, std::string module = "") {
  return {std::move(function), std::move(module), n, n};
}

// How every chain on the main thread ends: main <- __libc_start_call_main (a
// static function: libc's .dynsym does not name it) <- __libc_start_main <- _start.
inline std::vector<Step> entry_tail(const std::string& exe) {
  return {{"main", exe}, {"", "libc.so.6"}, {"__libc_start_main", "libc.so.6"}, {"_start", exe}};
}

inline bool step_matches(const Step& st, const Frame& f) {
  return (st.function.empty() || st.function == f.function) &&
         (st.module.empty() || st.module == f.module) && (!st.offset || *st.offset == f.offset);
}

// Whether frames[fi..] are exactly chain[ci..] (backtracking over the counts).
inline bool matches_from(const std::vector<Frame>& frames, std::size_t fi,
                         const std::vector<Step>& chain, std::size_t ci) {
  if (ci == chain.size()) return fi == frames.size();
  const Step& st = chain[ci];
  std::size_t n = 0;
  while (n < st.max && fi + n < frames.size() && step_matches(st, frames[fi + n])) ++n;
  for (;; --n) {
    if (n >= st.min && matches_from(frames, fi + n, chain, ci + 1)) return true;
    if (n == 0) return false;
  }
}

// Whether a stack (not truncated) is exactly `chain`.
inline bool matches(const Stack& s, const std::vector<Step>& chain) {
  return s.truncated.empty() && matches_from(s.user, 0, chain, 0);
}

inline std::vector<Step> concat(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace profbufd::e2e::unwind
