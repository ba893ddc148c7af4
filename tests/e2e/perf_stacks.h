// `perf record --call-graph dwarf` on the same processes profbufd samples, and
// both tools' user stacks normalized to one comparable form (StackKey).
//
// Normalization. perf script (--no-inline: no synthesized inline frames,
// since profbufd has none) prints each frame as its address inside the
// mapped file (address - mapping start + file offset of the mapping) and the
// file; for every frame but the first that address is the return address - 1
// (perf's unwinders, libunwind and libdw alike, step back into the call for
// all but signal frames). profbufd's JSON gives each
// frame's runtime address, also return address - 1 for callers; with the
// process's /proc/PID/maps it becomes the same (file, file offset). So:
//   - the leaf frame is its file's basename only (the sampled instruction
//     differs from sample to sample and between the two tools' samples);
//   - every caller is "basename+0xFILEOFFSET": the exact call site.
// Names are not compared: the two tools take them from different symbol
// sources (perf reads libc6-dbg's debug files, profbufd the binary's
// .symtab/.dynsym), so one function has different names (__libc_start_main vs
// __libc_start_main@@GLIBC_2.34, write vs __GI___libc_write, static functions
// only perf can name); equal call sites in the same file are the same frames
// in the same functions, which is stricter than equal names.
// Kernel frames (perf prints them as kernel addresses) are dropped.
#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.h"
#include "unwind_profile.h"
#include "unwind_workloads.h"

namespace profbufd::e2e::unwind {

using StackKey = std::vector<std::string>;  // leaf first
using StackCounts = std::map<StackKey, std::uint64_t>;

inline std::string basename_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

inline std::string hex_string(std::uint64_t v) {
  std::ostringstream o;
  o << std::hex << v;
  return o.str();
}

inline std::string frame_key(bool leaf, const std::string& file, std::uint64_t file_offset) {
  return leaf ? basename_of(file) : basename_of(file) + "+0x" + hex_string(file_offset);
}

// A profbufd stack's key, through the process's maps (taken while it ran).
inline StackKey key_of(const Stack& s, const std::vector<Mapping>& maps) {
  StackKey k;
  for (std::size_t i = 0; i < s.user.size(); ++i) {
    const std::uint64_t a = s.user[i].address;
    const Mapping* m = nullptr;
    for (const auto& mm : maps)
      if (a >= mm.start && a < mm.end) m = &mm;
    k.push_back(m ? frame_key(i == 0, m->path, a - m->start + m->offset)
                  : frame_key(i == 0, "[unmapped]", a));
  }
  if (!s.truncated.empty()) k.push_back("[truncated: " + s.truncated + "]");
  return k;
}

inline StackCounts profbufd_counts(const std::vector<Stack>& stacks,
                                   const std::vector<Mapping>& maps) {
  StackCounts c;
  for (const auto& s : stacks) c[key_of(s, maps)] += s.samples;
  return c;
}

constexpr std::uint64_t kKernelStart = 0xffff800000000000ULL;

// `perf script --no-inline -F pid,tid,ip,dso` output: per pid, its stacks.
// A sample is a line "PID/TID" then one line "\tADDR (DSO)" per frame, then a
// blank line.
inline std::map<pid_t, StackCounts> parse_perf_script(const std::string& text) {
  std::map<pid_t, StackCounts> out;
  std::istringstream in(text);
  std::string line;
  pid_t pid = -1;
  StackKey key;
  auto flush = [&] {
    if (pid > 0) ++out[pid][key];
    pid = -1;
    key.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
    } else if (line[0] != '\t') {
      flush();
      pid = std::atoi(line.c_str());
    } else {
      std::istringstream f(line);
      std::string addr, dso;
      f >> addr >> dso;
      const std::uint64_t a = std::stoull(addr, nullptr, 16);
      if (a >= kKernelStart) continue;  // kernel frames; also perf's "ffff... ([unknown])"
      if (dso.size() >= 2) dso = dso.substr(1, dso.size() - 2);  // "(path)"
      key.push_back(frame_key(key.empty(), dso, a));
    }
  }
  flush();
  return out;
}

// perf record RECORD_ARGS on `pids` for `seconds` into DIR/perf.data, then
// perf script --no-inline -F FIELDS: its output; "" with `error` saying what
// failed, if anything did.
inline std::string perf_record_script(const std::vector<std::string>& record_args,
                                      const std::vector<pid_t>& pids, int seconds,
                                      const std::string& fields, const std::string& dir,
                                      std::string& error) {
  std::string list;
  for (pid_t p : pids) list += (list.empty() ? "" : ",") + std::to_string(p);
  const std::string data = dir + "/perf.data";
  std::vector<std::string> rec{"/usr/bin/perf", "record", "-q", "-o", data};
  rec.insert(rec.end(), record_args.begin(), record_args.end());
  rec.insert(rec.end(), {"-p", list, "--", "/bin/sleep", std::to_string(seconds)});
  if (const auto r = run(rec); r.status != 0) {
    error = "perf record: " + r.err;
    return {};
  }
  const auto script = run({"/usr/bin/perf", "script", "-i", data, "--no-inline", "-F", fields});
  if (script.status != 0) {
    error = "perf script: " + script.err;
    return {};
  }
  return script.out;
}

// perf record --call-graph dwarf on `pids` for `seconds`, then perf script: per
// pid, its stacks. `error` says what failed, if anything did.
inline std::map<pid_t, StackCounts> perf_dwarf_stacks(const std::vector<pid_t>& pids, unsigned hz,
                                                      int seconds, const std::string& dir,
                                                      std::string& error) {
  // 16 KiB of stack per sample: the default 8 KiB cuts bzip2's stacks short.
  return parse_perf_script(perf_record_script(
      {"--call-graph", "dwarf,16384", "-F", std::to_string(hz)}, pids, seconds,
      "pid,tid,ip,dso", dir, error));
}

}  // namespace profbufd::e2e::unwind
