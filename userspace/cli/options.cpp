#include "cli/options.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <limits>

#include "cli/byte_size.h"
#include "cli/duration.h"

namespace profbufd::cli {
namespace {

struct FlagSpec;
// Applies one flag's value to the options (flags without a value get "").
using Apply = Status (*)(Options& o, const FlagSpec& f, std::string_view value);

struct FlagSpec {
  std::string_view name;
  Apply apply;
  bool takes_value;
  std::string_view example;  // a valid value, used in "try ..." hints
};

constexpr std::array<OutputFormat, 3> kAllFormats = {OutputFormat::kPprof, OutputFormat::kJson,
                                                      OutputFormat::kFolded};

// "--flag value", with an empty value shown as '' so the message still says
// which value was wrong.
std::string flag_text(std::string_view flag, std::string_view value) {
  return std::string(flag) + " " + (value.empty() ? std::string("''") : std::string(value));
}

Error usage(std::string what, std::string why, std::string hint) {
  return make_error(ExitCode::kUsage, std::move(what), std::move(why), std::move(hint));
}

Error bad_value(const FlagSpec& f, std::string_view value, std::string why) {
  return usage(flag_text(f.name, value), std::move(why),
               "try " + std::string(f.name) + " " + std::string(f.example));
}

// Edit distance, for "did you mean" on a mistyped flag. Flag names are short,
// so the quadratic table is tiny.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A whole decimal number: digits only (no sign, no spaces), at most `max`.
struct WholeNumber {
  std::uint64_t value = 0;
  bool is_number = false;
  bool too_large = false;
};

WholeNumber parse_whole(std::string_view text, std::uint64_t max) {
  WholeNumber n;
  if (text.empty()) return n;
  for (char c : text) {
    if (c < '0' || c > '9') return n;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n.too_large || n.value > (max - d) / 10) {
      n.too_large = true;
    } else {
      n.value = n.value * 10 + d;
    }
  }
  n.is_number = true;
  return n;
}

Result<std::chrono::nanoseconds> parse_duration_flag(const FlagSpec& f, std::string_view value) {
  auto d = parse_duration(value);
  if (!d) {
    return usage(flag_text(f.name, value), d.error().why,
                 std::string(kDurationHint) + std::string(f.name) + " " + std::string(f.example));
  }
  return d;
}

Status apply_duration(Options& o, const FlagSpec& f, std::string_view value) {
  auto d = parse_duration_flag(f, value);
  if (!d) return d.error();
  if (d->count() == 0) {
    return usage(flag_text(f.name, value), "must be longer than 0",
                 "leave --duration out to profile until Ctrl-C");
  }
  o.duration = *d;
  return ok_status();
}

Status apply_interval(Options& o, const FlagSpec& f, std::string_view value) {
  auto d = parse_duration_flag(f, value);
  if (!d) return d.error();
  if (*d < kMinInterval) {
    return bad_value(f, value,
                     "shorter than the minimum interval of " + format_duration(kMinInterval));
  }
  o.interval = *d;
  return ok_status();
}

Status apply_frequency(Options& o, const FlagSpec& f, std::string_view value) {
  const WholeNumber n = parse_whole(value, kMaxFrequencyHz);
  if (!n.is_number) return bad_value(f, value, "not a whole number of hertz");
  if (n.too_large) return bad_value(f, value, "above " + std::to_string(kMaxFrequencyHz) + " Hz");
  if (n.value == 0) return bad_value(f, value, "must be at least 1 Hz");
  o.frequency_hz = static_cast<unsigned>(n.value);
  return ok_status();
}

Status apply_output(Options& o, const FlagSpec& f, std::string_view value) {
  if (value.empty()) return bad_value(f, value, "empty directory name");
  o.output_dir = std::string(value);
  return ok_status();
}

Status apply_format(Options& o, const FlagSpec& f, std::string_view value) {
  std::vector<OutputFormat> formats;
  std::string_view rest = value;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (item.empty()) return bad_value(f, value, "empty entry in the format list");
    const auto known = std::find_if(kAllFormats.begin(), kAllFormats.end(),
                                    [&](OutputFormat k) { return format_name(k) == item; });
    if (known == kAllFormats.end()) {
      return usage(flag_text(f.name, value), "unknown format \"" + std::string(item) + "\"",
                   "choose from pprof, json, folded, e.g. --format pprof,folded");
    }
    if (std::find(formats.begin(), formats.end(), *known) != formats.end()) {
      return usage(flag_text(f.name, value), "\"" + std::string(item) + "\" listed twice",
                   "list each format once");
    }
    formats.push_back(*known);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  o.formats = std::move(formats);
  return ok_status();
}

Status apply_keep(Options& o, const FlagSpec& f, std::string_view value) {
  const WholeNumber n = parse_whole(value, std::numeric_limits<unsigned>::max());
  if (!n.is_number) return bad_value(f, value, "not a whole number of windows");
  if (n.too_large) return bad_value(f, value, "too large");
  if (n.value == 0) {
    return usage(flag_text(f.name, value), "must be at least 1",
                 "leave --keep out to keep every window");
  }
  o.keep = static_cast<unsigned>(n.value);
  return ok_status();
}

Status apply_http_max_connections(Options& o, const FlagSpec& f, std::string_view value) {
  const WholeNumber n = parse_whole(value, kMaxHttpConnections);
  if (!n.is_number) return bad_value(f, value, "not a whole number of connections");
  if (n.too_large || n.value == 0) {
    return usage(flag_text(f.name, value),
                 "must be 1 to " + std::to_string(kMaxHttpConnections), "e.g. 1024");
  }
  o.http_max_connections = static_cast<std::size_t>(n.value);
  return ok_status();
}

Status apply_pid(Options& o, const FlagSpec& f, std::string_view value) {
  const WholeNumber n = parse_whole(value, kMaxPid);
  if (!n.is_number) return bad_value(f, value, "not a process id, which is a positive whole number");
  if (n.too_large) {
    return bad_value(f, value,
                     "above the largest process id a kernel can have, " + std::to_string(kMaxPid));
  }
  if (n.value == 0) {
    // The idle task is not a process one can select; the useful request
    // behind "--pid 0" is usually about idle samples, which --no-idle covers.
    return usage(flag_text(f.name, value), "pid 0 is the kernel's idle task, not a process",
                 "use --no-idle to leave idle time out, or name real processes");
  }
  const auto pid = static_cast<std::uint32_t>(n.value);
  if (std::find(o.pids.begin(), o.pids.end(), pid) != o.pids.end()) {
    return usage(flag_text(f.name, value), "given twice", "list each process once");
  }
  if (o.pids.size() == kMaxPids) {
    return usage(flag_text(f.name, value), "more than " + std::to_string(kMaxPids) + " --pid flags",
                 "profile fewer processes, or the whole system without --pid");
  }
  o.pids.push_back(pid);
  return ok_status();
}

Status apply_cgroup(Options& o, const FlagSpec& f, std::string_view value) {
  if (!value.starts_with('/'))
    return bad_value(f, value,
                     "not an absolute path: give the cgroup's directory under the cgroup2 "
                     "mount or its path as /proc/PID/cgroup prints it");
  if (std::find(o.cgroups.begin(), o.cgroups.end(), value) != o.cgroups.end())
    return usage(flag_text(f.name, value), "given twice", "list each cgroup once");
  if (o.cgroups.size() == kMaxCgroups)
    return usage(flag_text(f.name, value),
                 "more than " + std::to_string(kMaxCgroups) + " --cgroup flags",
                 "name a common parent cgroup instead");
  o.cgroups.emplace_back(value);
  return ok_status();
}

Status apply_config(Options& o, const FlagSpec& f, std::string_view value) {
  if (value.empty()) return bad_value(f, value, "empty file name");
  o.config_path = std::string(value);
  return ok_status();
}

Status apply_folded_root(Options& o, const FlagSpec& f, std::string_view value) {
  const bool word = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!word) return bad_value(f, value, "not a label name (lowercase letters, digits, _)");
  o.folded_root = std::string(value);
  return ok_status();
}

Status apply_ringbuf_size(Options& o, const FlagSpec& f, std::string_view value) {
  auto bytes = parse_byte_size(value);
  if (!bytes) return bad_value(f, value, bytes.error().why);
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  if (*bytes < page) {
    return usage(flag_text(f.name, value), "smaller than the page size, " + format_byte_size(page),
                 "try --ringbuf-size " + format_byte_size(page) + " or more");
  }
  if (*bytes > kMaxRingbufBytes) {
    return usage(flag_text(f.name, value),
                 "above the kernel's limit of " + format_byte_size(kMaxRingbufBytes),
                 "try --ringbuf-size " + format_byte_size(kMaxRingbufBytes) + " or less");
  }
  // Rejected rather than rounded: silently locking twice the memory asked
  // for is a surprise; the hint names the nearest valid sizes instead.
  if (!std::has_single_bit(*bytes)) {
    const std::uint64_t up = std::bit_ceil(*bytes);
    return usage(flag_text(f.name, value), "not a power of two",
                 "try --ringbuf-size " + format_byte_size(up >> 1) + " or " +
                     format_byte_size(up));
  }
  o.ringbuf_bytes = *bytes;
  return ok_status();
}

// Comma-separated kind names (lowercase letters), each once. Whether each is
// a registered kind is the app's check (app/capture_setup.h, kind_needs):
// the registry lives with the BPF code.
Status apply_profiles(Options& o, const FlagSpec& f, std::string_view value) {
  std::vector<std::string> names;
  for (std::size_t at = 0; at <= value.size();) {
    const std::size_t end = std::min(value.find(',', at), value.size());
    const std::string name(value.substr(at, end - at));
    at = end + 1;
    if (name.empty() || !std::all_of(name.begin(), name.end(),
                                     [](char c) { return c >= 'a' && c <= 'z'; }))
      return bad_value(f, value, "a kind name is empty or not lowercase letters");
    if (std::find(names.begin(), names.end(), name) != names.end())
      return bad_value(f, value, "'" + name + "' given twice");
    names.push_back(name);
  }
  o.profiles = std::move(names);
  return ok_status();
}

Status apply_block_min(Options& o, const FlagSpec& f, std::string_view value) {
  auto d = parse_duration_flag(f, value);
  if (!d) return d.error();
  if (*d > kMaxBlockMin) return bad_value(f, value, "longer than 1m");
  o.block_min = *d;
  return ok_status();
}

Status apply_mutex_min(Options& o, const FlagSpec& f, std::string_view value) {
  auto d = parse_duration_flag(f, value);
  if (!d) return d.error();
  if (*d > kMaxMutexMin) return bad_value(f, value, "longer than 1s");
  o.mutex_min = *d;
  return ok_status();
}

Status apply_heap_rate(Options& o, const FlagSpec& f, std::string_view value) {
  auto bytes = parse_byte_size(value);
  if (!bytes) return bad_value(f, value, bytes.error().why);
  if (*bytes == 0) return bad_value(f, value, "must be at least 1 byte");
  if (*bytes > kMaxHeapRate) return bad_value(f, value, "above 1T");
  o.heap_rate = *bytes;
  return ok_status();
}

// A decimal probability in (0, 1].
Status apply_block_sample(Options& o, const FlagSpec& f, std::string_view value) {
  double p = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), p,
                                         std::chars_format::fixed);
  if (ec != std::errc() || end != value.data() + value.size())
    return bad_value(f, value, "not a decimal number");
  if (!(p > 0.0 && p <= 1.0)) return bad_value(f, value, "not in (0, 1]");
  o.block_sample = p;
  return ok_status();
}

Status apply_unwind(Options& o, const FlagSpec& f, std::string_view value) {
  if (value == "auto") {
    o.unwind = UnwindMode::kAuto;
  } else if (value == "dwarf") {
    o.unwind = UnwindMode::kDwarf;
  } else if (value == "fp") {
    o.unwind = UnwindMode::kFp;
  } else {
    return usage(flag_text(f.name, value), "unknown unwinding mode",
                 "choose auto, dwarf or fp, e.g. --unwind auto");
  }
  return ok_status();
}

Status apply_unwind_table_memory(Options& o, const FlagSpec& f, std::string_view value) {
  auto bytes = parse_byte_size(value);
  if (!bytes) return bad_value(f, value, bytes.error().why);
  if (*bytes < kMinUnwindTableBytes || *bytes > kMaxUnwindTableBytes)
    return usage(flag_text(f.name, value),
                 "outside " + format_byte_size(kMinUnwindTableBytes) + " to " +
                     format_byte_size(kMaxUnwindTableBytes),
                 "try --unwind-table-memory 32M");
  o.unwind_table_bytes = *bytes;
  return ok_status();
}

Status apply_http_listen(Options& o, const FlagSpec& f, std::string_view value) {
  // Only the form here; whether the host is loopback is checked once all
  // flags are in (--http-allow-remote may come later).
  auto a = http::parse_listen_address(value);
  if (!a) return usage(flag_text(f.name, value), a.error().why, a.error().hint);
  o.http_listen = std::move(a).value();
  return ok_status();
}

// What follows "http://" or "https://" in `url`; nullopt for another scheme.
std::optional<std::string_view> after_http_scheme(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"})
    if (url.starts_with(scheme)) return url.substr(scheme.size());
  return std::nullopt;
}

// http:// or https://, a host, no user:password@ (the command line is visible
// to every user: credentials go in files), no query or fragment.
Status apply_pyroscope_url(Options& o, const FlagSpec& f, std::string_view value) {
  const std::optional<std::string_view> after = after_http_scheme(value);
  if (!after) return bad_value(f, value, "not an http:// or https:// URL");
  const std::string_view rest = *after;
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.starts_with(':')) return bad_value(f, value, "no host");
  if (authority.find('@') != std::string_view::npos)
    return usage(flag_text(f.name, "<redacted>"), "credentials in the URL",
                 "give --pyroscope-user and --pyroscope-password-file instead: the command "
                 "line is visible to every user");
  if (rest.find_first_of("?#") != std::string_view::npos)
    return bad_value(f, value, "a query or fragment in the base URL");
  std::string url(value);
  while (url.ends_with('/')) url.pop_back();
  o.pyroscope_url = std::move(url);
  return ok_status();
}

// A value that is kept as given: non-empty, printable, no spaces (user names,
// tenant ids, file names).
template <std::optional<std::string> Options::*Member>
Status set_text(Options& o, const FlagSpec& f, std::string_view value) {
  if (value.empty()) return bad_value(f, value, "empty");
  if (std::any_of(value.begin(), value.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    return bad_value(f, value, "contains spaces or control characters");
  o.*Member = std::string(value);
  return ok_status();
}

Status apply_queue_size(Options& o, const FlagSpec& f, std::string_view value) {
  auto bytes = parse_byte_size(value);
  if (!bytes) return bad_value(f, value, bytes.error().why);
  if (*bytes < 64 * 1024) return bad_value(f, value, "smaller than 64K, less than one window");
  o.pyroscope_queue_bytes = *bytes;
  return ok_status();
}

// A request deadline: 100ms to 5m.
template <std::chrono::nanoseconds Options::*Member>
Status set_timeout(Options& o, const FlagSpec& f, std::string_view value) {
  auto d = parse_duration_flag(f, value);
  if (!d) return d.error();
  if (*d < std::chrono::milliseconds(100) || *d > std::chrono::minutes(5))
    return bad_value(f, value, "outside 100ms to 5m");
  o.*Member = *d;
  return ok_status();
}

// Space-separated http:// or https:// URLs, each with a host.
Status apply_debuginfod(Options& o, const FlagSpec& f, std::string_view value) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < value.size();) {
    const std::size_t end = std::min(value.find(' ', at), value.size());
    std::string_view url = value.substr(at, end - at);
    at = end + 1;
    if (url.empty()) continue;
    ++n;
    const std::optional<std::string_view> rest = after_http_scheme(url);
    if (!rest) return bad_value(f, value, "not an http:// or https:// URL");
    if (rest->empty() || rest->front() == '/' || rest->front() == ':')
      return bad_value(f, value, "no host");
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; }))
      return bad_value(f, value, "contains control characters");
  }
  if (n == 0) return bad_value(f, value, "no URL");
  o.debuginfod_urls = std::string(value);
  return ok_status();
}

// A flag without a value that sets one boolean member.
template <bool Options::*Member>
Status set(Options& o, const FlagSpec&, std::string_view) {
  o.*Member = true;
  return ok_status();
}

constexpr std::array<FlagSpec, 35> kFlags = {{
    {"--duration", &apply_duration, true, "30s"},
    {"--frequency", &apply_frequency, true, "99"},
    {"--output", &apply_output, true, "/var/lib/profbufd"},
    {"--format", &apply_format, true, "pprof,json"},
    {"--interval", &apply_interval, true, "1m"},
    {"--keep", &apply_keep, true, "10"},
    {"--pid", &apply_pid, true, "1234"},
    {"--cgroup", &apply_cgroup, true, "/system.slice/nginx.service"},
    {"--config", &apply_config, true, "/etc/profbufd/profbufd.conf"},
    {"--folded-root", &apply_folded_root, true, "service_name"},
    {"--no-idle", &set<&Options::no_idle>, false, ""},
    {"--profiles", &apply_profiles, true, "cpu,block"},
    {"--block-min", &apply_block_min, true, "1ms"},
    {"--block-sample", &apply_block_sample, true, "0.1"},
    {"--mutex-min", &apply_mutex_min, true, "10us"},
    {"--heap-rate", &apply_heap_rate, true, "512K"},
    {"--ringbuf-size", &apply_ringbuf_size, true, "8M"},
    {"--unwind", &apply_unwind, true, "auto"},
    {"--unwind-table-memory", &apply_unwind_table_memory, true, "32M"},
    {"--debuginfod", &apply_debuginfod, true, "https://debuginfod.debian.net"},
    {"--debuginfod-timeout", &set_timeout<&Options::debuginfod_timeout>, true, "5s"},
    {"--no-lines", &set<&Options::no_lines>, false, ""},
    {"--no-python", &set<&Options::no_python>, false, ""},
    {"--http-listen", &apply_http_listen, true, "127.0.0.1:6060"},
    {"--http-allow-remote", &set<&Options::http_allow_remote>, false, ""},
    {"--http-max-connections", &apply_http_max_connections, true, "1024"},
    {"--pyroscope-url", &apply_pyroscope_url, true, "http://127.0.0.1:4040"},
    {"--pyroscope-user", &set_text<&Options::pyroscope_user>, true, "123456"},
    {"--pyroscope-password-file", &set_text<&Options::pyroscope_password_file>, true,
     "/etc/profbufd/pyroscope-token"},
    {"--pyroscope-token-file", &set_text<&Options::pyroscope_token_file>, true,
     "/etc/profbufd/pyroscope-token"},
    {"--pyroscope-tenant", &set_text<&Options::pyroscope_tenant>, true, "team-a"},
    {"--pyroscope-queue-size", &apply_queue_size, true, "16M"},
    {"--pyroscope-timeout", &set_timeout<&Options::pyroscope_timeout>, true, "10s"},
    {"--help", &set<&Options::help>, false, ""},
    {"--version", &set<&Options::version>, false, ""},
}};

const FlagSpec* find_flag(std::string_view name) {
  for (const FlagSpec& f : kFlags) {
    if (f.name == name) return &f;
  }
  if (name == "-h") return find_flag("--help");
  return nullptr;
}

Error unknown_flag(std::string_view name) {
  const FlagSpec* best = nullptr;
  std::size_t best_distance = 3;  // suggest only close matches (<= 2 edits)
  for (const FlagSpec& f : kFlags) {
    const std::size_t d = edit_distance(name, f.name);
    if (d < best_distance) {
      best = &f;
      best_distance = d;
    }
  }
  std::string hint = best ? "did you mean " + std::string(best->name) + "? " : "";
  hint += "see profbufd --help";
  return usage(std::string(name), "unknown flag", std::move(hint));
}

// The --pyroscope-* flags: each needs --pyroscope-url; basic auth needs both
// halves; a token excludes basic auth.
Status validate_push(const Options& o) {
  const std::pair<const char*, bool> needs_url[] = {
      {"--pyroscope-user", o.pyroscope_user.has_value()},
      {"--pyroscope-password-file", o.pyroscope_password_file.has_value()},
      {"--pyroscope-token-file", o.pyroscope_token_file.has_value()},
      {"--pyroscope-tenant", o.pyroscope_tenant.has_value()},
      {"--pyroscope-queue-size", o.pyroscope_queue_bytes != kDefaultPushQueueBytes},
      {"--pyroscope-timeout", o.pyroscope_timeout != kDefaultPushTimeout}};
  for (const auto& [flag, given] : needs_url)
    if (given && !o.pyroscope_url)
      return usage(flag, "needs --pyroscope-url: without it nothing is pushed",
                   "add --pyroscope-url, e.g. --pyroscope-url http://127.0.0.1:4040");
  if (o.pyroscope_user.has_value() != o.pyroscope_password_file.has_value())
    return usage(o.pyroscope_user ? "--pyroscope-user" : "--pyroscope-password-file",
                 "basic authentication needs both --pyroscope-user and --pyroscope-password-file",
                 "give both, or --pyroscope-token-file for a bearer token");
  if (o.pyroscope_token_file && o.pyroscope_user)
    return usage("--pyroscope-token-file", "given with --pyroscope-user",
                 "use either basic authentication or a bearer token");
  return ok_status();
}

// Checks that involve more than one flag.
Status validate(const Options& o) {
  if (o.interval && o.duration && *o.interval > *o.duration) {
    return usage(flag_text("--interval", format_duration(*o.interval)),
                 "longer than --duration " + format_duration(*o.duration) +
                     ", so no window would ever be complete",
                 "use an --interval no longer than --duration, or leave --interval out");
  }
  if (o.keep != 0 && !o.interval) {
    return usage(flag_text("--keep", std::to_string(o.keep)),
                 "needs --interval: without it profbufd writes a single profile",
                 "add --interval, e.g. --interval 1m --keep " + std::to_string(o.keep));
  }
  if (o.http_allow_remote && !o.http_listen) {
    return usage("--http-allow-remote", "needs --http-listen: without it there is no HTTP server",
                 "add --http-listen, e.g. --http-listen 0.0.0.0:6060 --http-allow-remote");
  }
  if (o.http_max_connections && !o.http_listen) {
    return usage("--http-max-connections",
                 "needs --http-listen: without it there is no HTTP server",
                 "add --http-listen, e.g. --http-listen 127.0.0.1:6060");
  }
  if (auto s = validate_push(o); !s) return s;
  // Profiles and metrics name every process on the host: serving them beyond
  // this machine must be asked for, never the result of a typo or a name that
  // resolves somewhere unexpected.
  if (o.http_listen && !o.http_allow_remote) {
    if (auto s = http::require_loopback(*o.http_listen); !s) {
      Error e = s.error();
      e.what = flag_text("--http-listen", e.what);
      return e;
    }
  }
  return ok_status();
}

}  // namespace

Result<Options> parse_options(std::span<const std::string_view> args) {
  Options o;
  bool flags_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (flags_ended || !arg.starts_with('-') || arg == "-") {
      return usage(std::string(arg), "unexpected argument",
                   "profbufd takes only flags; see profbufd --help");
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const FlagSpec* f = find_flag(name);
    if (f == nullptr) return unknown_flag(name);

    std::string_view value;
    if (eq != std::string_view::npos) {
      if (!f->takes_value) {
        return usage(std::string(arg), "takes no value",
                     "write " + std::string(f->name) + " alone");
      }
      value = arg.substr(eq + 1);
    } else if (f->takes_value) {
      // A following flag is not taken as the value: "--output --format json"
      // is a forgotten value, not a directory named "--format".
      if (i + 1 == args.size() || args[i + 1].starts_with("--")) {
        return usage(std::string(f->name), "needs a value",
                     "e.g. " + std::string(f->name) + " " + std::string(f->example));
      }
      value = args[++i];
    }
    if (auto s = f->apply(o, *f, value); !s) return s.error();
    if (o.help || o.version) return o;
  }
  if (auto s = validate(o); !s) return s.error();
  return o;
}

Result<Options> parse_options(int argc, const char* const* argv) {
  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_options(std::span<const std::string_view>(args));
}

}  // namespace profbufd::cli
