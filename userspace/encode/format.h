// The output formats a profile can be rendered in. Shared by the command line
// (--format), the file sink and the HTTP handlers (?format=).
#pragma once

#include <string_view>

namespace profbufd {

enum class OutputFormat { kPprof, kJson, kFolded };

// File name extension, including the dot.
constexpr std::string_view extension(OutputFormat f) {
  switch (f) {
    case OutputFormat::kPprof: return ".pb.gz";
    case OutputFormat::kJson: return ".json";
    case OutputFormat::kFolded: return ".folded";
  }
  return "";
}

// The name used on the command line and in ?format=.
constexpr std::string_view format_name(OutputFormat f) {
  switch (f) {
    case OutputFormat::kPprof: return "pprof";
    case OutputFormat::kJson: return "json";
    case OutputFormat::kFolded: return "folded";
  }
  return "";
}

}  // namespace profbufd
