// Where a closed window's profile goes once it is built: files, the in-memory
// store of recent profiles, an HTTP request waiting for its window, and (to
// come) a push to a fleet backend. Adding a sink means one class here and one
// line where the app wires it (app/pipeline.cpp).
#pragma once

#include <memory>

#include "model/profile.h"

namespace profbufd {

class Sink {
 public:
  virtual ~Sink() = default;
  // Called on the publisher thread (sinks/publisher.h), once per closed window
  // sent to this sink, in the order the windows closed. Must not block for
  // long: the next window waits. Never throws for an expected failure (a full
  // disk is logged and counted by the sink).
  virtual void on_profile(std::shared_ptr<const Profile> profile) = 0;
};

}  // namespace profbufd
