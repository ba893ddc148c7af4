#include "python/registry.h"

namespace profbufd::python {

void Registry::put(std::uint32_t pid, const Interpreter& i) {
  std::lock_guard lock(mu_);
  by_pid_[pid] = i;
}

void Registry::erase(std::uint32_t pid) {
  std::lock_guard lock(mu_);
  by_pid_.erase(pid);
}

std::optional<Interpreter> Registry::find(std::uint32_t pid) const {
  std::lock_guard lock(mu_);
  const auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return std::nullopt;
  return it->second;
}

std::size_t Registry::size() const {
  std::lock_guard lock(mu_);
  return by_pid_.size();
}

}  // namespace profbufd::python
