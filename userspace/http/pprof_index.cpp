#include "http/pprof_index.h"

#include <array>

#include "http/profile_query.h"

namespace profbufd::http {
namespace {

constexpr std::array<PprofProfile, 7> kProfiles = {{
    {"allocs", "heap",
     "Sampled allocations of one process (pid= required): malloc, calloc, realloc."},
    {"block", "block",
     "Off-CPU time: where threads blocked (sleeps, I/O, locks), and for how long."},
    {"goroutine", "goroutine",
     "Every thread now: its kernel and user stacks and its state (debug=1: as text)."},
    {"heap", "heap",
     "Sampled allocations of one process (pid= required) still in use at the window's end."},
    {"mutex", "mutex",
     "Lock contention: futex waits of at least --mutex-min, with the waiter's stack."},
    {"profile", "", "CPU profile of every process. The seconds parameter sets the window."},
    {"threadcreate", "threadcreate",
     "Threads and processes created, with the stack of the task that created each."},
}};

std::string escaped(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string row(const PprofProfile& p, const std::optional<std::string>& off) {
  // As Go's index links its snapshot profiles: no window to ask for.
  const std::string href =
      p.name == "goroutine"
          ? std::string(p.name) + "?debug=1"
          : std::string(p.name) + "?seconds=" + std::to_string(kDefaultProfileSeconds.count());
  std::string t = "<tr><td><a href=\"" + href + "\">" + std::string(p.name) + "</a></td><td>";
  t += off ? "off: " + escaped(*off) : std::string("on");
  t += "</td><td>" + std::string(p.description) + "</td></tr>\n";
  return t;
}

}  // namespace

std::span<const PprofProfile> pprof_profiles() { return kProfiles; }

std::string pprof_index(
    const std::function<std::optional<std::string>(std::string_view kind)>& why_off) {
  std::string t;
  t += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>/debug/pprof/</title>"
       "</head>\n<body>\n/debug/pprof/\n<br>\nTypes of profiles available:\n";
  t += "<table>\n<thead><td>Profile</td><td>Here</td><td>What it measures</td></thead>\n";
  for (const PprofProfile& p : kProfiles) t += row(p, why_off(p.kind));
  t += "</table>\n<p>Every profile is of the whole machine, goroutine at this instant, the "
       "others for the next seconds=N (default " +
       std::to_string(kDefaultProfileSeconds.count()) +
       "); pid=, cgroup=, container= and format= as for /debug/pprof/profile. A profile that "
       "is off answers 501 with the reason.</p>\n</body></html>\n";
  return t;
}

}  // namespace profbufd::http
