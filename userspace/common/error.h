// Expected failures as values: an Error carries what failed, why, what to do, and
// the process exit code it maps to. Only broken invariants throw.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace profbufd {

// Distinct exit codes, one per class of failure the user can act on.
// Documented in README.md ("Exit codes"); keep the two in step.
enum class ExitCode : int {
  kOk = 0,
  kRuntime = 1,          // failure while running (BPF attach lost, internal error)
  kUsage = 2,            // bad flag or value
  kNoPrivilege = 3,      // missing CAP_BPF / CAP_PERFMON (not root)
  kNoBtf = 4,            // kernel without /sys/kernel/btf/vmlinux
  kOutputUnwritable = 5, // --output missing, not a directory, or not writable
  kFrequencyTooHigh = 6, // --frequency above kernel.perf_event_max_sample_rate
  kBpfLoad = 7,          // the BPF program failed to load or attach
  kWriteFailed = 8,      // a profile could not be written (disk full, ...)
};

struct Error {
  ExitCode code = ExitCode::kRuntime;
  std::string what;  // what failed, e.g. "--frequency 5000"
  std::string why;   // the cause, e.g. "above kernel.perf_event_max_sample_rate (4000)"
  std::string hint;  // what to do, may be empty

  // "profbufd: <what>: <why> (<hint>)"
  std::string line() const {
    std::string s = "profbufd: " + what;
    if (!why.empty()) s += ": " + why;
    if (!hint.empty()) s += " (" + hint + ")";
    return s;
  }
};

inline Error make_error(ExitCode code, std::string what, std::string why,
                        std::string hint = {}) {
  return Error{code, std::move(what), std::move(why), std::move(hint)};
}

// A value or an Error. Minimal on purpose (std::expected is C++23).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Status(Ok{}); }

}  // namespace profbufd
