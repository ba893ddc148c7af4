// SIGHUP: re-reads the settings (app/settings.h) and puts what changed in
// force without a restart:
//
//   load_settings (file, cgroups, limits; nothing changed yet)
//     -> kernel filters (capture: pid set, cgroup array, settings map)
//     -> frequency (capture: every kind re-arms its events)
//     -> the kinds (what their later windows say), the log, and a note in
//        every open window ("settings changed: ...", its profile's metadata)
//
// A file that cannot be read or checked is one log line, and the old
// settings stay. Samples already collected stay in their windows.
//
// Threads: reload() runs on the run loop's thread, the only one that changes
// settings.
#pragma once

#include <string>
#include <vector>

#include "app/settings.h"
#include "capture/capture.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/fd.h"
#include "core/reader.h"
#include "kinds/kind.h"

namespace profbufd {

// The directory of each cgroup of `s`, opened for the BPF cgroup array
// (kUsage naming the cgroup when one cannot be opened).
Result<std::vector<Fd>> open_cgroup_dirs(const Settings& s);

// Puts the kernel filters of `s` in force.
Status apply_filters(capture::Capture& capture, const Settings& s);

class Reloader {
 public:
  // `current`: the settings the run started with. Everything referenced must
  // outlive the Reloader.
  Reloader(const cli::Options& command_line, SettingsEnv env, Settings current,
           capture::Capture& capture, std::vector<const kinds::Kind*> kinds, Reader& reader,
           const Clock& clock);

  // Returns what was done, as logged (tests read it).
  std::string reload();

  const Settings& current() const { return current_; }

 private:
  Status apply(const Settings& next);

  const cli::Options& command_line_;
  const SettingsEnv env_;
  Settings current_;
  capture::Capture& capture_;
  const std::vector<const kinds::Kind*> kinds_;
  Reader& reader_;
  const Clock& clock_;
  const unsigned start_frequency_hz_;  // what the buffers were sized for
};

}  // namespace profbufd
