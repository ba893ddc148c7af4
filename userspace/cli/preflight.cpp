#include "cli/preflight.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "cli/capabilities.h"
#include "common/fd.h"
#include "common/file_text.h"

namespace profbufd::cli {
namespace {

std::string errno_text(int err) { return std::strerror(err); }


// Writes all of `data`, retrying partial writes and EINTR; 0 or an errno.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

constexpr std::string_view kBtfHint =
    "profbufd needs a kernel built with CONFIG_DEBUG_INFO_BTF=y";

}  // namespace

Status check_privilege(const std::string& proc_status_path) {
  const FileText f = read_file_text(proc_status_path);
  if (f.err != 0) {
    return make_error(ExitCode::kRuntime, "reading " + proc_status_path, errno_text(f.err));
  }
  auto mask = parse_cap_eff(f.text);
  if (!mask) return mask.error();
  return check_capabilities(*mask);
}

Status check_btf(const std::string& vmlinux_path) {
  Fd fd(::open(vmlinux_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(ExitCode::kNoBtf, vmlinux_path,
                        "missing: this kernel has no BTF type information",
                        std::string(kBtfHint));
    }
    return make_error(ExitCode::kNoBtf, vmlinux_path, "not readable: " + errno_text(err),
                      std::string(kBtfHint) + ", readable by profbufd");
  }
  // struct btf_header starts with a u16 magic in the kernel's byte order, which
  // is ours: we run on that kernel.
  constexpr std::uint16_t kBtfMagic = 0xeB9F;
  std::uint16_t magic = 0;
  ssize_t n;
  do {
    n = ::pread(fd.get(), &magic, sizeof magic, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return make_error(ExitCode::kNoBtf, vmlinux_path, "not readable: " + errno_text(errno),
                      std::string(kBtfHint));
  }
  if (n != static_cast<ssize_t>(sizeof magic) || magic != kBtfMagic) {
    return make_error(ExitCode::kNoBtf, vmlinux_path, "not BTF data: no BTF magic at the start",
                      std::string(kBtfHint));
  }
  return ok_status();
}

Status check_output_dir(const std::string& dir) {
  const std::string what = "--output " + dir;
  const std::string hint = "choose a writable directory with --output";
  if (dir.empty()) return make_error(ExitCode::kOutputUnwritable, what, "empty directory name", hint);
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(ExitCode::kOutputUnwritable, what, "does not exist",
                        "create it with mkdir -p " + dir + ", or choose another --output");
    }
    if (err == ENOTDIR) {
      return make_error(ExitCode::kOutputUnwritable, what,
                        "not a directory: a part of the path is a file", hint);
    }
    return make_error(ExitCode::kOutputUnwritable, what, errno_text(err), hint);
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error(ExitCode::kOutputUnwritable, what, "not a directory", hint);
  }

  // The probe name is unique (mkostemp: O_EXCL and a random suffix), so it never
  // clobbers a user's file, and hidden, so a crash between create and unlink
  // leaves nothing that looks like a profile.
  std::string probe = dir;
  if (probe.back() != '/') probe += '/';
  probe += ".profbufd-probe-XXXXXX";
  Fd fd(::mkostemp(probe.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    return make_error(ExitCode::kOutputUnwritable, what, "not writable: " + errno_text(errno),
                      hint);
  }
  int err = write_all(fd.get(), "p", 1);
  if (int close_err = fd.close(); err == 0) err = close_err;
  const std::string write_failure = err != 0 ? "not writable: " + errno_text(err) : "";
  if (::unlink(probe.c_str()) != 0) {
    return make_error(ExitCode::kOutputUnwritable, what,
                      "files cannot be removed from it: " + errno_text(errno) + "; left " +
                          probe + " behind",
                      hint);
  }
  if (!write_failure.empty()) {
    return make_error(ExitCode::kOutputUnwritable, what, write_failure, hint);
  }
  return ok_status();
}

Result<unsigned> parse_max_sample_rate(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  const auto malformed = [&] {
    return make_error(ExitCode::kRuntime, "reading kernel.perf_event_max_sample_rate",
                      "not a positive whole number: \"" + std::string(s) + "\"");
  };
  if (s.empty() || s.size() > 10) return malformed();
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return malformed();
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  // The sysctl is an int with a minimum of 1.
  if (v == 0 || v > 2'147'483'647) return malformed();
  return static_cast<unsigned>(v);
}

Status check_frequency(unsigned frequency_hz, const std::string& max_sample_rate_path) {
  const FileText f = read_file_text(max_sample_rate_path);
  if (f.err != 0) {
    return make_error(ExitCode::kRuntime, "reading " + max_sample_rate_path, errno_text(f.err),
                      "the kernel may lack perf events, CONFIG_PERF_EVENTS");
  }
  auto limit = parse_max_sample_rate(f.text);
  if (!limit) return limit.error();
  // The kernel also lowers this limit on its own when sampling interrupts take
  // too long ("perf: interrupt took too long"), so a rate that worked before can
  // fail now; the hint names both ways out.
  if (frequency_hz > *limit) {
    const std::string lim = std::to_string(*limit);
    return make_error(ExitCode::kFrequencyTooHigh, "--frequency " + std::to_string(frequency_hz),
                      "above kernel.perf_event_max_sample_rate, " + lim,
                      "use --frequency " + lim + " or less, or raise the limit: sudo sysctl " +
                          "kernel.perf_event_max_sample_rate=" + std::to_string(frequency_hz));
  }
  return ok_status();
}

Status preflight(const Options& options, const PreflightPaths& paths) {
  if (auto s = check_btf(paths.btf_vmlinux); !s) return s;
  if (auto s = check_privilege(paths.proc_self_status); !s) return s;
  if (auto s = check_frequency(options.frequency_hz, paths.max_sample_rate); !s) return s;
  return check_output_dir(options.output_dir);
}

}  // namespace profbufd::cli
