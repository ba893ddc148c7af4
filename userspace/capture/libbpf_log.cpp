#include "capture/libbpf_log.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>

namespace profbufd::capture {
namespace {

// libbpf calls the print function from whichever thread is inside libbpf;
// the mutex serializes those calls with lines() on the owner's thread.
struct LogState {
  std::mutex mu;
  std::deque<std::string> lines;
  std::string partial;  // a message not yet ended by '\n'
};

LogState& state() {
  static LogState s;
  return s;
}

void append_locked(LogState& s, std::string_view text) {
  for (char ch : text) {
    if (ch != '\n') {
      s.partial.push_back(ch);
      continue;
    }
    s.lines.push_back(std::move(s.partial));
    s.partial.clear();
    if (s.lines.size() > LibbpfLogCapture::kMaxLines) s.lines.pop_front();
  }
}

int print_fn(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  const int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
  if (n < 0) return 0;
  LogState& s = state();
  std::lock_guard lock(s.mu);
  append_locked(s, std::string_view(buf, std::min<std::size_t>(n, sizeof(buf) - 1)));
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

LibbpfLogCapture::LibbpfLogCapture() {
  LogState& s = state();
  {
    std::lock_guard lock(s.mu);
    s.lines.clear();
    s.partial.clear();
  }
  previous_ = libbpf_set_print(print_fn);
}

LibbpfLogCapture::~LibbpfLogCapture() { libbpf_set_print(previous_); }

std::vector<std::string> LibbpfLogCapture::lines() const {
  LogState& s = state();
  std::lock_guard lock(s.mu);
  std::vector<std::string> out(s.lines.begin(), s.lines.end());
  if (!s.partial.empty()) out.push_back(s.partial);
  return out;
}

std::string LibbpfLogCapture::relevant_line() const { return pick_relevant(lines()); }

std::string LibbpfLogCapture::pick_relevant(const std::vector<std::string>& lines) {
  static constexpr std::string_view kMarkers[] = {"fail", "error", "invalid", "denied",
                                                  "not supported"};
  auto is_blank = [](const std::string& l) {
    return l.find_first_not_of(" \t") == std::string::npos;
  };
  std::string cause;
  for (const std::string& line : lines) {
    const std::string l = lower(line);
    for (std::string_view m : kMarkers) {
      if (l.find(m) != std::string::npos) {
        cause = line;
        break;
      }
    }
    if (!cause.empty()) break;
  }
  if (cause.empty()) {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
      if (!is_blank(*it)) return *it;
    return {};
  }
  // libbpf brackets the verifier's log with these markers; the verifier ends
  // it with its reason for the rejection, then a "processed N insns" summary.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("-- END PROG LOAD LOG --") == std::string::npos) continue;
    for (std::size_t j = i; j-- > 0;) {
      if (lines[j].find("-- BEGIN PROG LOAD LOG --") != std::string::npos) break;
      if (is_blank(lines[j]) || lines[j].rfind("processed ", 0) == 0) continue;
      return cause + " / verifier: " + lines[j];
    }
    break;
  }
  return cause;
}

Error libbpf_error(const std::string& what, int err, const LibbpfLogCapture& log) {
  err = err < 0 ? -err : err;
  std::string why = std::strerror(err);
  const std::string line = log.relevant_line();
  if (!line.empty()) why += " [" + line + "]";
  if (err == EPERM || err == EACCES)
    return make_error(ExitCode::kNoPrivilege, what, why,
                      "run as root or grant CAP_BPF and CAP_PERFMON");
  return make_error(ExitCode::kBpfLoad, what, why);
}

}  // namespace profbufd::capture
