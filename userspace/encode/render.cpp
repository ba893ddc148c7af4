#include "encode/render.h"

#include "encode/folded.h"
#include "encode/json_writer.h"
#include "encode/pprof.h"

namespace profbufd {

Result<std::string> render(const Profile& profile, OutputFormat format) {
  switch (format) {
    case OutputFormat::kPprof: return render_pprof(profile);
    case OutputFormat::kJson: return render_json(profile);
    case OutputFormat::kFolded: return render_folded(profile);
  }
  return make_error(ExitCode::kRuntime, "rendering a profile",
                    "unknown output format " +
                        std::to_string(static_cast<int>(format)));
}

std::string_view content_type(OutputFormat format) {
  switch (format) {
    // What Go's net/http/pprof sends for /debug/pprof/profile.
    case OutputFormat::kPprof: return "application/octet-stream";
    case OutputFormat::kJson: return "application/json";
    // Not "charset=utf-8": names are bytes and may not be UTF-8.
    case OutputFormat::kFolded: return "text/plain";
  }
  return "application/octet-stream";
}

}  // namespace profbufd
