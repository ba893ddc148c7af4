#include "capture/libbpf_log.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace profbufd::capture {
namespace {

// The capture live on this thread, innermost first through outer_.
thread_local LibbpfLogCapture* t_capture = nullptr;

// Captures live on all threads; the printer they replaced is put back when the
// last one ends. forward stays set after that, for a print already under way.
std::mutex g_mu;
int g_live = 0;  // guarded by g_mu
std::atomic<libbpf_print_fn_t> g_forward{nullptr};

int print_fn(enum libbpf_print_level level, const char* fmt, va_list args) {
  LibbpfLogCapture* c = t_capture;
  if (c == nullptr) {
    const libbpf_print_fn_t forward = g_forward.load();
    return forward ? forward(level, fmt, args) : 0;
  }
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  const int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
  if (n < 0) return 0;
  c->append(std::string_view(buf, std::min<std::size_t>(n, sizeof(buf) - 1)));
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

LibbpfLogCapture::LibbpfLogCapture() : outer_(t_capture) {
  t_capture = this;
  std::lock_guard lock(g_mu);
  if (g_live++ == 0) g_forward.store(libbpf_set_print(print_fn));
}

LibbpfLogCapture::~LibbpfLogCapture() {
  t_capture = outer_;
  std::lock_guard lock(g_mu);
  if (--g_live == 0) libbpf_set_print(g_forward.load());
}

void LibbpfLogCapture::append(std::string_view text) {
  for (char ch : text) {
    if (ch != '\n') {
      partial_.push_back(ch);
      continue;
    }
    lines_.push_back(std::move(partial_));
    partial_.clear();
    if (lines_.size() > kMaxLines) lines_.pop_front();
  }
}

std::vector<std::string> LibbpfLogCapture::lines() const {
  std::vector<std::string> out(lines_.begin(), lines_.end());
  if (!partial_.empty()) out.push_back(partial_);
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
