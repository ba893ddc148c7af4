// Collects libbpf's log output instead of letting it spam stderr, so that a
// failed load can be reported as one line with the relevant libbpf message.
//
// libbpf has a single process-wide print callback (libbpf_set_print), and
// calls it on the thread inside libbpf. So the first live capture installs one
// callback that hands each message to the capture live on the calling thread
// (the innermost, when they nest), and passes the messages of other threads to
// the printer that was there before; the last capture to end, on whichever
// thread, puts that printer back. Two threads loading or attaching BPF at once
// (the late kinds' thread, an HTTP request linking its kind) each get their own
// lines. A capture keeps every libbpf message at WARN or INFO level (the last
// kMaxLines lines); DEBUG messages are dropped.
//
// Threads: a capture lives on one thread; lines() and relevant_line() there.
#pragma once

#include <bpf/libbpf.h>

#include <deque>
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

  // The text of one message, for the capture live on this thread (the print
  // callback's side).
  void append(std::string_view text);

 private:
  std::deque<std::string> lines_;
  std::string partial_;                  // a message not yet ended by '\n'
  LibbpfLogCapture* outer_ = nullptr;    // the capture live on this thread before
};

// An Error for a failed libbpf call: `err` (negative or positive errno) as the
// cause, the log's relevant_line() appended in brackets. EPERM/EACCES map to
// kNoPrivilege (with the sudo hint), anything else to kBpfLoad.
Error libbpf_error(const std::string& what, int err, const LibbpfLogCapture& log);

}  // namespace profbufd::capture
