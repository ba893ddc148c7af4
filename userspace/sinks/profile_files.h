// Profile files on disk: naming, writing one window in several formats, and
// retention of the newest N windows.
//
// A window's files share one stem derived from its start time (UTC):
//   profbufd-20261121T195300.123Z.pb.gz
//   profbufd-20261121T195300.123Z.json
//   profbufd-20261121T195300.123Z.folded
// The stem is fixed-width, so sorting names as strings sorts windows by time.
// Kinds other than cpu put their name after the prefix
// (profbufd-block-20261121T195300.123Z.pb.gz); retention counts each kind's
// windows apart.
//
// Retention only ever touches regular files whose whole name is
// "profbufd-" + a well-formed stamp + one of the known extensions (.pb.gz,
// .json, .folded). Everything else in the directory — other programs' files,
// "profbufd-notes.txt", temporary files of writes in progress (they start
// with '.'), directories — is left alone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "encode/format.h"
#include "model/profile.h"

namespace profbufd {

// "profbufd-20261121T195300.123Z" for a window of the CPU kind (or an empty
// `kind`) starting at start_unix_ns; "profbufd-block-20261121T195300.123Z" for
// the block kind.
std::string window_stem(std::int64_t start_unix_ns, std::string_view kind = {});

// The stem of a profbufd profile file name, or nullopt if `file_name` is not
// exactly stem + known extension.
std::optional<std::string> parse_profile_file_name(std::string_view file_name);

// Renders `profile` in each of `formats` (duplicates ignored, in the given
// order) and writes each to dir/<stem><extension> atomically. Returns the
// paths written. Stops at the first failure and returns its Error; files of
// this window written before it are complete and stay (each file is valid on
// its own).
Result<std::vector<std::string>> write_window(const std::string& dir,
                                              const Profile& profile,
                                              const std::vector<OutputFormat>& formats);

// Deletes the files of all but the newest `keep_windows` windows in `dir`
// of each kind (newest = greatest stem). keep_windows == 0 disables retention. Returns the
// names removed, sorted. Files vanishing meanwhile are not an error; any other
// unlink failure is reported (ExitCode::kWriteFailed) after trying the rest.
Result<std::vector<std::string>> prune_windows(const std::string& dir,
                                               std::size_t keep_windows);

}  // namespace profbufd
