// One entry point from (Profile, OutputFormat) to the bytes of that format, so
// the file writer and the HTTP handlers render identically.
#pragma once

#include <string>

#include "common/error.h"
#include "encode/format.h"
#include "model/profile.h"

namespace profbufd {

// Bytes of `profile` in `format`: gzip protobuf, JSON (compact) or folded.
Result<std::string> render(const Profile& profile, OutputFormat format);

// The HTTP Content-Type of a rendered format.
std::string_view content_type(OutputFormat format);

}  // namespace profbufd
