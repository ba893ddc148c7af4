// What a request holds while it is answered: a kind that attaches per process
// on request (the heap kind's uprobes) hands one out, and its attachment lasts
// as long as some request holds it. Or why none could be had, in terms an
// HTTP handler turns into a status (400, 404, 501) without knowing the kind.
#pragma once

#include <memory>

#include "common/error.h"

namespace profbufd {

struct Hold {
  enum class Refusal {
    kNone,         // `keep` holds the attachment (or nothing was needed)
    kBadRequest,   // the request cannot be served as asked (no pid=, several)
    kNoProcess,    // the process named does not exist
    kUnsupported,  // this process or kernel cannot be probed
  };
  std::shared_ptr<const void> keep;  // null when nothing is held
  Refusal refusal = Refusal::kNone;
  Error error;  // set when refusal != kNone

  static Hold held(std::shared_ptr<const void> keep) {
    return Hold{std::move(keep), Refusal::kNone, Error{}};
  }
  static Hold refused(Refusal r, Error e) { return Hold{nullptr, r, std::move(e)}; }
};

// What hands Holds out for a kind whose programs run only while requests
// hold them (capture/program_links.h).
class HoldSource {
 public:
  virtual ~HoldSource() = default;
  virtual Hold acquire() = 0;
  // Whether the programs run now.
  virtual bool active() const = 0;
};

}  // namespace profbufd
