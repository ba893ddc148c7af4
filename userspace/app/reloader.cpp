#include "app/reloader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.h"
#include "common/log.h"
#include "encode/time_format.h"

namespace profbufd {

Result<std::vector<Fd>> open_cgroup_dirs(const Settings& s) {
  std::vector<Fd> dirs;
  for (const cgroup::CgroupRef& c : s.cgroups) {
    const int fd = open(c.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return make_error(ExitCode::kUsage, "cgroup " + c.path,
                        std::string("opening ") + c.dir + ": " + std::strerror(errno));
    dirs.emplace_back(fd);
  }
  return dirs;
}

Status apply_filters(capture::Capture& capture, const Settings& s) {
  auto dirs = open_cgroup_dirs(s);
  if (!dirs) return dirs.error();
  std::vector<int> fds;
  for (const Fd& d : *dirs) fds.push_back(d.get());
  // The map holds its own reference to each cgroup: the fds close on return.
  return capture.set_filters(s.pids, fds);
}

namespace {

// One log line: what failed, why, what to do, and that nothing changed.
std::string refused(const Error& e) {
  std::string line = "SIGHUP: " + e.what;
  if (!e.why.empty()) line += ": " + e.why;
  if (!e.hint.empty()) line += " (" + e.hint + ")";
  line += "; old settings kept";
  log::error(line);
  return line;
}

}  // namespace

Reloader::Reloader(const cli::Options& command_line, SettingsEnv env, Settings current,
                   capture::Capture& capture, std::vector<const kinds::Kind*> kinds,
                   Reader& reader, const Clock& clock)
    : command_line_(command_line), env_(std::move(env)), current_(std::move(current)),
      capture_(capture), kinds_(std::move(kinds)), reader_(reader), clock_(clock),
      start_frequency_hz_(current_.frequency_hz) {}

std::string Reloader::reload() {
  const std::string file = command_line_.config_path.value_or("");
  if (file.empty()) {
    log::info("SIGHUP: no --config file to re-read; settings unchanged");
    return "no config";
  }
  auto next = load_settings(command_line_, env_);
  if (!next) return refused(next.error());
  const std::string change = describe_change(current_, *next);
  if (change.empty()) {
    log::info("SIGHUP: " + file + " re-read; settings unchanged");
    return "unchanged";
  }
  if (Status s = apply(*next); !s) return refused(s.error());
  const bool filters = filters_differ(current_, *next);
  current_ = std::move(next).value();
  for (const kinds::Kind* k : kinds_) k->settings_changed(current_.frequency_hz, current_.filtered());
  reader_.note_change("at " + format_rfc3339_utc(clock_.realtime_ns()) + ": " + change, filters);
  log::info("SIGHUP: " + change);
  if (current_.frequency_hz > start_frequency_hz_)
    log::warning("the ring and per-CPU buffers were sized for " +
                 std::to_string(start_frequency_hz_) + " Hz at start; at " +
                 std::to_string(current_.frequency_hz) +
                 " Hz watch profbufd_lost_samples_total (or restart, or set --ringbuf-size)");
  return change;
}

// Filters first, then the frequency; if the frequency cannot be changed the
// filters go back to what they were, so a failed reload changes nothing.
Status Reloader::apply(const Settings& next) {
  const bool filters = filters_differ(current_, next);
  if (filters)
    if (Status s = apply_filters(capture_, next); !s) return s;
  if (next.frequency_hz != current_.frequency_hz) {
    if (Status s = capture_.set_frequency(next.frequency_hz); !s) {
      if (filters) apply_filters(capture_, current_);
      return s;
    }
  }
  return ok_status();
}

}  // namespace profbufd
