// The file sink: writes each profile it receives into --output in every
// --format (atomically, sinks/profile_files.h), then applies --keep retention.
//
// A failed write is logged and counted; the sink keeps going and the next
// profile is tried as usual. Nothing is retried for the failed one: its
// samples are reported in the log line instead.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "encode/format.h"
#include "sinks/sink.h"

namespace profbufd {

class FileSink final : public Sink {
 public:
  struct Options {
    std::string output_dir;
    std::vector<OutputFormat> formats;
    unsigned keep = 0;  // newest windows to keep; 0 = all
  };

  explicit FileSink(Options options);

  void on_profile(std::shared_ptr<const Profile> profile) override;

  // Safe from any thread.
  std::uint64_t profiles_written() const;
  std::uint64_t write_errors() const;
  // The most recent write failure, if the last profile failed.
  std::optional<Error> last_error() const;

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::uint64_t written_ = 0, errors_ = 0;  // guarded by mu_
  std::optional<Error> last_error_;         // guarded by mu_
};

}  // namespace profbufd
