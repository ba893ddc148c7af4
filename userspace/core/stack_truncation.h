// Why a user stack stopped before the program's entry: the TRUNCATED_*
// statuses of bpf/profbufd.h (set by the table walker, bpf/unwind.bpf.h), by
// the names metrics and profiles give them. A truncated stack keeps the frames
// it has; profiles add a root frame "[truncated: <name>]" above them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "profbufd.h"

namespace profbufd {

inline constexpr std::size_t kTruncationReasons = 6;

// In status order, from PROFBUFD_STACK_TRUNCATED_DEPTH on.
inline constexpr std::array<std::string_view, kTruncationReasons> kTruncationNames = {
    "depth_limit",           // as many user frames as a record holds
    "table_missing",         // a frame with no unwind table, frame pointers did not help
    "unwind_table_pending",  // the same, while the table was being built
    "unsupported_rule",      // a CFI rule the walker does not follow
    "memory_unreadable",     // user stack memory could not be read (paged out)
    "bad_address",           // an address that cannot be code
};
static_assert(PROFBUFD_STACK_TRUNCATED_BAD_PC - PROFBUFD_STACK_TRUNCATED_DEPTH + 1 ==
              kTruncationReasons);

// The index into kTruncationNames of a user stack status, if it is truncated.
constexpr std::optional<std::size_t> truncation_index(std::uint8_t user_status) {
  if (user_status < PROFBUFD_STACK_TRUNCATED_DEPTH || user_status > PROFBUFD_STACK_TRUNCATED_BAD_PC)
    return std::nullopt;
  return static_cast<std::size_t>(user_status - PROFBUFD_STACK_TRUNCATED_DEPTH);
}

}  // namespace profbufd
