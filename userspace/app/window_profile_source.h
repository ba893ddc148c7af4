// ProfileSource over the running pipeline: each HTTP profile request opens its
// own window of one kind on the reader (overlapping any file windows), waits,
// ends it, and gets its profile through the publisher like every other window.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>
#include <mutex>
#include <string>

#include "app/late_kinds.h"
#include "common/clock.h"
#include "core/reader.h"
#include "http/profile_source.h"
#include "kinds/kind.h"
#include "sinks/publisher.h"

namespace profbufd {

class WindowProfileSource : public ProfileSource {
 public:
  // `kinds` are what windows may collect, the first the default (the CPU kind,
  // for /debug/pprof/profile); `healthy` tells whether sampling runs (capture
  // attached, loader alive); `cgroup2_mount` is taken off the front of a cgroup=
  // given as a directory; `late` (null: none), the kinds that load after
  // sampling starts, must outlive this object.
  WindowProfileSource(Reader& reader, Publisher& publisher,
                      std::vector<const kinds::Kind*> kinds,
                      std::size_t ncpu_slots, const Clock& clock,
                      std::function<bool()> healthy, std::string cgroup2_mount = {},
                      const LateKinds* late = nullptr);

  Result<std::shared_ptr<const Profile>> collect(const Request& request) override;
  // The named kind's Kind::hold for the request's pids.
  Hold prepare(const Request& request) override;
  bool healthy() const override;
  // Waits (up to LateKinds::kRequestWait) while `kind` still loads.
  void await_available(std::string_view kind) override;
  // Why `kind` cannot be collected: it failed to load, or still loads
  // (LateKinds::unavailable), or is not captured at all.
  std::optional<Error> unavailable(std::string_view kind) const override;

  // Ends every wait in collect() (they answer an error): sampling is stopping.
  void shutdown();

 private:
  Reader& reader_;
  Publisher& publisher_;
  const std::vector<const kinds::Kind*> kinds_;
  const std::size_t nslots_;
  const Clock& clock_;
  std::function<bool()> healthy_;
  const std::string cgroup2_mount_;
  const LateKinds* const late_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace profbufd
