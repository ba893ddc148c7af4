#include "kinds/block/seed_blocked.h"

#include <bpf/bpf.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/file_text.h"
#include "profbufd.h"

namespace profbufd::kinds::block {
namespace {

constexpr std::uint64_t kPfKthread = 0x00200000;

bool number(std::string_view s, std::uint32_t& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Adds one thread; false when the map refused (full, or already there).
bool add(int fd, std::uint32_t pid, std::uint32_t tid, const TaskStat& st, std::uint64_t now_ns,
         bool sampled) {
  profbufd_blocked v{};
  v.since_ns = now_ns;
  v.pid = pid;
  v.sampled = sampled ? 1 : 0;
  std::strncpy(v.comm, st.comm.c_str(), sizeof(v.comm) - 1);
  return bpf_map_update_elem(fd, &tid, &v, BPF_NOEXIST) == 0;
}

}  // namespace

std::optional<TaskStat> parse_task_stat(std::string_view text) {
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
      close + 2 >= text.size())
    return std::nullopt;
  TaskStat st;
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  std::string_view rest = text.substr(close + 2);
  st.state = rest.front();
  // Fields after the state: ppid pgrp session tty_nr tpgid flags.
  for (int field = 0; field < 6; ++field) {
    const std::size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(sp + 1);
  }
  const std::size_t end = std::min(rest.find(' '), rest.size());
  const auto [p, ec] = std::from_chars(rest.data(), rest.data() + end, st.flags);
  if (ec != std::errc()) return std::nullopt;
  return st;
}

bool blocked_user_thread(const TaskStat& s) {
  return (s.state == 'S' || s.state == 'D') && !(s.flags & kPfKthread);
}

std::function<bool(std::uint32_t pid)> kernel_filter(int settings_fd, int pids_fd) {
  profbufd_settings st{};
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(settings_fd, &zero, &st) != 0 || st.filters == 0)
    return [](std::uint32_t) { return true; };
  const bool by_pid = st.filters & PROFBUFD_FILTER_PIDS;
  return [by_pid, pids_fd](std::uint32_t pid) {
    std::uint8_t v = 0;
    return by_pid && bpf_map_lookup_elem(pids_fd, &pid, &v) == 0;
  };
}

std::size_t seed_blocked(int blocked_fd, const std::string& procfs, std::uint64_t now_ns,
                         double sample_probability,
                         const std::function<bool(std::uint32_t pid)>& wanted) {
  namespace fs = std::filesystem;
  std::mt19937_64 rng(now_ns);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::size_t added = 0;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator(procfs, ec)) {
    std::uint32_t pid = 0;
    if (!number(proc.path().filename().string(), pid) || !wanted(pid)) continue;
    std::error_code tec;
    for (const auto& task : fs::directory_iterator(proc.path() / "task", tec)) {
      std::uint32_t tid = 0;
      if (!number(task.path().filename().string(), tid)) continue;
      const FileText f = read_file_text((task.path() / "stat").string());
      if (f.err != 0) continue;
      const auto st = parse_task_stat(f.text);
      if (!st || !blocked_user_thread(*st)) continue;
      if (add(blocked_fd, pid, tid, *st, now_ns, coin(rng) < sample_probability)) ++added;
    }
  }
  return added;
}

}  // namespace profbufd::kinds::block
