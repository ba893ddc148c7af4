#include "cli/capabilities.h"

#include <string>

namespace profbufd::cli {
namespace {

constexpr bool has(std::uint64_t mask, unsigned cap) { return (mask >> cap) & 1U; }

Error malformed(std::string why) {
  return make_error(ExitCode::kRuntime, "reading the capabilities in /proc/self/status",
                    std::move(why), "please report this with your kernel version");
}

}  // namespace

Result<std::uint64_t> parse_cap_eff(std::string_view proc_status) {
  constexpr std::string_view kKey = "CapEff:";
  std::string_view rest = proc_status;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.starts_with(kKey)) continue;

    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    // The kernel prints exactly 16 digits; fewer are accepted, more cannot fit.
    if (line.empty() || line.size() > 16) {
      return malformed("CapEff is not a 64-bit hexadecimal mask: \"" + std::string(line) + "\"");
    }
    std::uint64_t mask = 0;
    for (char c : line) {
      unsigned digit;
      if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
      else {
        return malformed("CapEff is not a 64-bit hexadecimal mask: \"" + std::string(line) +
                         "\"");
      }
      mask = (mask << 4) | digit;
    }
    return mask;
  }
  return malformed("no CapEff line");
}

Status check_capabilities(std::uint64_t cap_eff) {
  if (has(cap_eff, kCapSysAdmin)) return ok_status();
  const bool bpf = has(cap_eff, kCapBpf);
  const bool perfmon = has(cap_eff, kCapPerfmon);
  if (bpf && perfmon) return ok_status();
  std::string missing;
  if (!bpf) missing = "CAP_BPF";
  if (!perfmon) missing += missing.empty() ? "CAP_PERFMON" : " and CAP_PERFMON";
  return make_error(ExitCode::kNoPrivilege, "not enough privilege",
                    "missing " + missing +
                        "; profiling needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN",
                    "run with sudo");
}

}  // namespace profbufd::cli
