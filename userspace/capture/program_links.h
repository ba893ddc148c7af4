// The links of a loaded BPF object's programs, for a machine-wide kind: made
// for the whole run (a kind the run writes files of: link_now()), or on
// demand (a kind only HTTP requests may ask for: each request acquire()s it,
// the first links the programs, and the last to let go unlinks them), so a
// daemon serves every kind while paying, between requests, only for those it
// writes.
//
// Linking runs `before` (the kind forgets state left from an earlier
// linking), the linker, then `after` (the kind seeds what it cannot see
// begin: threads already blocked). A new linking can start while the last
// holder's unlinking is still in progress; each linking unlinks only its own
// links.
//
// Threads: acquire() on HTTP workers, several at once; detach_all() on the
// capture's stopping thread; active() on the scraping one. mu_ orders them.
#pragma once

#include <bpf/libbpf.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "capture/attachment.h"
#include "capture/link_set.h"
#include "common/error.h"
#include "common/hold.h"

namespace profbufd::capture {

class ProgramLinks final : public HoldSource {
 public:
  using Linker = std::function<Result<std::vector<bpf_link*>>()>;
  struct Hooks {
    std::function<void()> before;
    std::function<void()> after;
  };

  // `what`: "the block profile", for errors. `object` keeps the BPF object
  // (its programs) alive as long as any links.
  ProgramLinks(std::string what, std::shared_ptr<const void> object, Linker link, Hooks hooks);

  // Links for the whole run (until detach_all()).
  Status link_now();
  Hold acquire() override;
  bool active() const override;
  // The capture stops: unlinks everything now; later acquire()s refuse.
  void detach_all();

 private:
  Result<std::shared_ptr<LinkSet>> make_linked();  // mu_ held

  const std::string what_;
  const std::shared_ptr<const void> object_;
  const Linker link_;
  const Hooks hooks_;
  mutable std::mutex mu_;
  std::shared_ptr<LinkSet> for_run_;  // link_now()'s
  std::weak_ptr<LinkSet> on_demand_;  // the requests' current linking
  bool detached_ = false;
};

// bpf_program__attach() of each of `programs`, in order; on a failure the
// ones made are unlinked and the error names the program and libbpf's log.
Result<std::vector<bpf_link*>> link_programs(std::initializer_list<bpf_program*> programs);

}  // namespace profbufd::capture
