// A profbufd JSON profile as the end-to-end tests read it: the stacks of one
// process, their user and kernel frames leaf first, why a stack stopped.
// Only the documented JSON schema (userspace/encode/json_writer.cpp) is used.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools.h"

namespace profbufd::e2e::unwind {

// A function inlined into a frame, at a source line (JSON "inlined": true).
struct InlinedCall {
  std::string function, file;
  std::int64_t line = 0;
};

struct Frame {
  std::string function;       // "module+0xOFF" when unresolved
  std::string module;         // basename of the binary
  std::uint64_t offset = 0;   // in the module: ELF virtual address looked up
  std::uint64_t address = 0;  // runtime address looked up (return address - 1 for callers)
  bool resolved = false;
  std::string file;           // source line, when DWARF gave one
  std::int64_t line = 0;
  std::vector<InlinedCall> inlined;  // the calls inlined here, innermost first
  bool python = false;        // a CPython frame ("kind": "python"), in `user` in stack order
  std::int64_t start_line = 0;  // a Python frame's function's first line
};

struct Stack {
  std::uint64_t samples = 0;
  std::uint32_t pid = 0, tid = 0;
  std::vector<Frame> user;    // user frames, leaf first
  std::vector<Frame> kernel;  // kernel frames, leaf first ("module": "[kernel.kallsyms]" etc.)
  std::string truncated;      // R of a root frame "[truncated: R]", else ""
};

struct Profile {
  nlohmann::json metadata;
  std::vector<Stack> stacks;  // most samples first, as written

  std::vector<Stack> of(std::uint32_t pid) const {
    std::vector<Stack> v;
    for (const auto& s : stacks)
      if (s.pid == pid) v.push_back(s);
    return v;
  }
  // The stacks of one thread (of(pid, pid): a process's main thread).
  std::vector<Stack> of(std::uint32_t pid, std::uint32_t tid) const {
    std::vector<Stack> v;
    for (const auto& s : stacks)
      if (s.pid == pid && s.tid == tid) v.push_back(s);
    return v;
  }
};

inline std::uint64_t hex(const nlohmann::json& v) {
  return std::stoull(v.get<std::string>(), nullptr, 16);
}

inline Stack parse_stack(const nlohmann::json& js, std::size_t samples_index) {
  Stack s;
  s.samples = js["values"][samples_index].get<std::uint64_t>();
  s.pid = js["labels"]["pid"].get<std::uint32_t>();
  s.tid = js["labels"]["tid"].get<std::uint32_t>();
  static const std::string kTrunc = "[truncated: ";
  std::vector<InlinedCall> inlined;  // of the next frame
  for (const auto& f : js["frames"]) {
    const std::string kind = f["kind"];
    const std::string fn = f["function"];
    const std::string file = f.value("file", "");
    const std::int64_t line = f.value("line", std::int64_t{0});
    if (f.value("inlined", false)) {
      inlined.push_back({fn, file, line});
      continue;
    }
    if (kind == "user" || kind == "kernel")
      (kind == "user" ? s.user : s.kernel)
          .push_back({fn, f["module"], hex(f["offset"]), hex(f["address"]),
                      f["resolved"].get<bool>(), file, line, std::move(inlined)});
    if (kind == "python")
      s.user.push_back({fn, f["module"], 0, 0, f["resolved"].get<bool>(), file, line, {}, true,
                        f.value("start_line", std::int64_t{0})});
    inlined.clear();
    if (kind == "synthetic" && fn.rfind(kTrunc, 0) == 0)
      s.truncated = fn.substr(kTrunc.size(), fn.size() - kTrunc.size() - 1);
  }
  return s;
}

// The one *.json profile in `dir`; an empty Profile (no metadata) if none.
inline Profile read_profile(const std::filesystem::path& dir) {
  Profile p;
  for (const auto& file : files_with(dir, ".json")) {
    const auto doc = nlohmann::json::parse(slurp(file));
    p.metadata = doc["metadata"];
    std::size_t samples_index = 0;
    const auto& types = p.metadata["sample_types"];
    for (std::size_t i = 0; i < types.size(); ++i)
      if (types[i]["type"] == "samples") samples_index = i;
    for (const auto& js : doc["stacks"]) p.stacks.push_back(parse_stack(js, samples_index));
  }
  return p;
}

inline std::uint64_t total_samples(const std::vector<Stack>& stacks) {
  std::uint64_t n = 0;
  for (const auto& s : stacks) n += s.samples;
  return n;
}

// Whether a user stack reached the C runtime's entry: not truncated, and its
// outermost frame is _start, or __libc_start_main is one of its two outermost
// frames (a stripped executable's _start has no name; it calls
// __libc_start_main, which calls main through __libc_start_call_main).
inline bool reaches_entry(const Stack& s) {
  if (!s.truncated.empty() || s.user.empty()) return false;
  const auto& u = s.user;
  if (u.back().function == "_start") return true;
  for (std::size_t i = u.size() >= 2 ? u.size() - 2 : 0; i < u.size(); ++i)
    if (u[i].function == "__libc_start_main") return true;
  return false;
}

// The fraction of `stacks`' samples for which `pred` holds (0 if none).
template <typename Pred>
double fraction(const std::vector<Stack>& stacks, Pred pred) {
  std::uint64_t yes = 0, all = 0;
  for (const auto& s : stacks) {
    all += s.samples;
    if (pred(s)) yes += s.samples;
  }
  return all ? static_cast<double>(yes) / static_cast<double>(all) : 0.0;
}

// The median number of user frames over samples (each sample counts once).
inline std::size_t median_user_depth(const std::vector<Stack>& stacks) {
  std::map<std::size_t, std::uint64_t> by_depth;
  for (const auto& s : stacks) by_depth[s.user.size()] += s.samples;
  const std::uint64_t half = (total_samples(stacks) + 1) / 2;
  std::uint64_t seen = 0;
  for (const auto& [depth, n] : by_depth)
    if ((seen += n) >= half) return depth;
  return 0;
}

// Samples per truncation reason, counted from the stacks' root frames.
inline std::map<std::string, std::uint64_t> truncations(const std::vector<Stack>& stacks) {
  std::map<std::string, std::uint64_t> m;
  for (const auto& s : stacks)
    if (!s.truncated.empty()) m[s.truncated] += s.samples;
  return m;
}

// User frames as "function" names, for failure messages (runs of a name folded).
inline std::string describe(const Stack& s) {
  std::string o;
  for (std::size_t i = 0; i < s.user.size();) {
    std::size_t j = i;
    while (j < s.user.size() && s.user[j].function == s.user[i].function) ++j;
    if (!o.empty()) o += " <- ";
    o += s.user[i].function + (j - i > 1 ? " x" + std::to_string(j - i) : "");
    i = j;
  }
  if (!s.truncated.empty()) o += " <- [truncated: " + s.truncated + "]";
  return o;
}

}  // namespace profbufd::e2e::unwind
