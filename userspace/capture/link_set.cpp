#include "capture/link_set.h"

#include <utility>

namespace profbufd::capture {

LinkSet::LinkSet(std::vector<bpf_link*> links, std::shared_ptr<const void> object,
                 std::function<void()> on_unlink)
    : links_(std::move(links)), on_unlink_(std::move(on_unlink)), object_(std::move(object)) {}

void LinkSet::unlink() {
  std::lock_guard lock(mu_);
  if (links_.empty()) return;
  for (bpf_link* l : links_) bpf_link__destroy(l);
  links_.clear();
  if (on_unlink_) std::exchange(on_unlink_, {})();
}

bool LinkSet::linked() const {
  std::lock_guard lock(mu_);
  return !links_.empty();
}

}  // namespace profbufd::capture
