// ProfileSource over the running pipeline: each HTTP profile request opens its
// own window on the reader (overlapping any file windows), waits, ends it, and
// symbolizes it when the reader hands it over.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

#include "core/reader.h"
#include "http/profile_source.h"
#include "model/profile_builder.h"

namespace profbufd {

class Symbolizer;

class WindowProfileSource : public ProfileSource {
 public:
  // `healthy` tells whether sampling runs (capture attached, loader alive).
  WindowProfileSource(Reader& reader, Symbolizer& symbolizer, ProfileContext context,
                      std::size_t ncpu_slots, std::function<bool()> healthy);

  Result<Profile> collect(const Request& request) override;
  bool healthy() const override;

  // Ends every wait in collect() (they answer an error): sampling is stopping.
  void shutdown();

 private:
  Reader& reader_;
  Symbolizer& symbolizer_;
  const ProfileContext context_;
  const std::size_t nslots_;
  std::function<bool()> healthy_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace profbufd
