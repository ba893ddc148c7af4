// The links of one BPF object's programs, unlinked once: by unlink() (the
// capture stops) or when the last owner lets go, whichever comes first; then
// `on_unlink` runs (the kind forgets state no program updates any more). It
// keeps the object (its programs and maps) alive while it lives.
//
// Threads: unlink() and the destructor may race (a request's Hold and the
// capture's stop); mu_ makes the first one do the work.
#pragma once

#include <bpf/libbpf.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace profbufd::capture {

class LinkSet {
 public:
  LinkSet(std::vector<bpf_link*> links, std::shared_ptr<const void> object,
          std::function<void()> on_unlink = {});
  ~LinkSet() { unlink(); }
  LinkSet(const LinkSet&) = delete;
  LinkSet& operator=(const LinkSet&) = delete;

  void unlink();
  bool linked() const;

 private:
  mutable std::mutex mu_;
  std::vector<bpf_link*> links_;  // guarded by mu_
  std::function<void()> on_unlink_;  // guarded by mu_; run once
  const std::shared_ptr<const void> object_;  // outlives the links (member order)
};

}  // namespace profbufd::capture
