#include "sinks/file_sink.h"

#include <string>

#include "common/log.h"
#include "sinks/profile_files.h"

namespace profbufd {
namespace {

// Error::line() without its "profbufd: ", which the logger adds itself.
std::string without_prefix(const Error& e) {
  const std::string line = e.line();
  constexpr std::string_view kPrefix = "profbufd: ";
  return line.rfind(kPrefix, 0) == 0 ? line.substr(kPrefix.size()) : line;
}

}  // namespace

FileSink::FileSink(Options options) : options_(std::move(options)) {}

std::uint64_t FileSink::profiles_written() const {
  std::lock_guard lock(mu_);
  return written_;
}

std::uint64_t FileSink::write_errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::optional<Error> FileSink::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void FileSink::on_profile(std::shared_ptr<const Profile> profile) {
  auto written = write_window(options_.output_dir, *profile, options_.formats);
  {
    std::lock_guard lock(mu_);
    if (written.ok()) {
      ++written_;
      last_error_.reset();
    } else {
      ++errors_;
      last_error_ = written.error();
    }
  }
  if (!written.ok()) {
    std::int64_t samples = profile->sample_types.empty() ? 0 : profile->total(0);
    log::error(without_prefix(written.error()) + " — window of " + std::to_string(samples) +
               " samples not written");
    return;
  }
  for (const std::string& path : written.value()) log::info("wrote " + path);
  if (options_.keep > 0) {
    auto pruned = prune_windows(options_.output_dir, options_.keep);
    if (!pruned.ok()) log::warning(without_prefix(pruned.error()));
  }
}

}  // namespace profbufd
