// Collects libbpf's log output instead of letting it spam stderr, so that a
// failed load can be reported as one line with the relevant libbpf message.
//
// libbpf has a single process-wide print callback (libbpf_set_print). While a
// LibbpfLogCapture is alive, every libbpf message at WARN or INFO level is
// kept (the last kMaxLines lines); DEBUG messages are dropped. Captures must
// not overlap in time (the previous callback is restored on destruction, so
// nesting in LIFO order works; unrelated threads loading BPF at the same time
// would see each other's lines).
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::capture {

class LibbpfLogCapture {
 public:
  static constexpr std::size_t kMaxLines = 200;

  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

  // The captured lines, oldest first (without trailing newlines).
  std::vector<std::string> lines() const;

  // The line that best explains a failure: the first line mentioning a
  // failure ("fail", "error", "invalid", "denied", "not supported"; libbpf's
  // first complaint is the cause, later ones are consequences such as "failed
  // to load object"), else the last non-empty line, else "". When a verifier
  // log was dumped, its last line (the verifier's reason) is appended after
  // " / verifier: ".
  std::string relevant_line() const;

  // Exposed for tests: the same choice over given lines.
  static std::string pick_relevant(const std::vector<std::string>& lines);

 private:
  libbpf_print_fn_t previous_ = nullptr;  // restored on destruction
};

// An Error for a failed libbpf call: `err` (negative or positive errno) as the
// cause, the log's relevant_line() appended in brackets. EPERM/EACCES map to
// kNoPrivilege (with the sudo hint), anything else to kBpfLoad.
Error libbpf_error(const std::string& what, int err, const LibbpfLogCapture& log);

}  // namespace profbufd::capture
