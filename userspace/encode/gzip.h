// gzip compression (RFC 1952) of an in-memory buffer, via zlib. pprof files are
// gzip-compressed protobuf; `go tool pprof` and every pprof consumer accept it.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd {

// Compresses `data` into one gzip member. Fails only when zlib does (out of
// memory), reported as ExitCode::kRuntime.
Result<std::string> gzip_compress(std::string_view data);

}  // namespace profbufd
