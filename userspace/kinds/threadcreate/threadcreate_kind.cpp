#include "kinds/threadcreate/threadcreate_kind.h"

#include "profbufd.h"

namespace profbufd::kinds::threadcreate {

std::uint16_t ThreadcreateKind::id() const { return PROFBUFD_KIND_THREADCREATE; }

ProfileShape ThreadcreateKind::shape() const {
  return ProfileShape{{{"threadcreate", "count"}}, "threadcreate", {"threadcreate", "count"}, 1};
}

void ThreadcreateKind::values(std::span<const std::uint64_t> acc,
                              std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(acc[0]);
}

void ThreadcreateKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(n);
}

void ThreadcreateKind::labels(std::uint16_t flags, std::vector<Label>& out) const {
  Label l;
  l.key = "created";
  l.str = (flags & PROFBUFD_CREATED_THREAD) != 0 ? "thread" : "process";
  out.push_back(std::move(l));
}

}  // namespace profbufd::kinds::threadcreate
