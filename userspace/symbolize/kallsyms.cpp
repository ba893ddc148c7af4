#include "symbolize/kallsyms.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <tuple>
#include <unordered_map>

namespace profbufd::symbolize {
namespace {

// Functions padded for call-depth tracking (CONFIG_FUNCTION_PADDING, kernel 6.2+)
// get a "__pfx_<name>" symbol over the NOP padding before each function: about a
// third of all text symbols. The padding never executes, so these are dropped
// to save memory; an address in padding then reads as the previous function.
constexpr std::string_view kPaddingPrefix = "__pfx_";

bool is_text_type(char t) { return t == 't' || t == 'T' || t == 'w' || t == 'W'; }

// The first step of the alias rule (kallsyms.h): a global name is what people
// search for, weak ones are often generic fallbacks.
std::uint8_t rank_of(char t) {
  switch (t) {
    case 'T':
      return 0;
    case 't':
      return 1;
    case 'W':
      return 2;
    default:
      return 3;  // 'w'
  }
}

// x86-64 syscall handlers: a 64-bit process enters __x64_sys_X, which often
// shares its address with the compat entry __ia32_sys_X.
int abi_rank(std::string_view name) {
  if (name.starts_with("__x64_")) return 0;
  return name.starts_with("__ia32_") ? 2 : 1;
}

// Whether alias `a` (type rank ra) names an address better than `b`: the rule of
// kallsyms.h. Each step compares one key, so this is a strict weak order (a sort
// may use it) and a total one on distinct names: file order never decides.
bool better_alias(std::uint8_t ra, std::string_view a, std::uint8_t rb, std::string_view b) {
  const auto key = [](std::uint8_t rank, std::string_view n) {
    const std::size_t underscores = std::min(n.find_first_not_of('_'), n.size());
    return std::tuple(rank, abi_rank(n), underscores, n.size(), n);
  };
  return key(ra, a) < key(rb, b);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

class KernelSymbols::Builder {
 public:
  Builder() { module_ids_.emplace(std::string(kKernelModule), 0); }

  void add_line(std::string_view line) {
    line = trim(line);
    if (line.empty()) return;
    // "<hex address> <type> <name>[\t[<module>]]"
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 2 >= line.size() || line[sp1 + 2] != ' ') {
      ++malformed_;
      return;
    }
    std::uint64_t addr = 0;
    const auto [p, ec] = std::from_chars(line.data(), line.data() + sp1, addr, 16);
    if (ec != std::errc() || p != line.data() + sp1) {
      ++malformed_;
      return;
    }
    const char type = line[sp1 + 1];
    std::string_view rest = trim(line.substr(sp1 + 3));
    std::string_view name = rest;
    std::string_view module;
    if (const auto ws = rest.find_first_of(" \t"); ws != std::string_view::npos) {
      name = rest.substr(0, ws);
      module = trim(rest.substr(ws));
    }
    if (name.empty()) {
      ++malformed_;
      return;
    }

    if (!is_text_type(type)) {
      // Data: only its start matters, as the end of the preceding text.
      if (addr != 0) raw_.push_back(Raw{addr, kBoundary, 0, 0});
      return;
    }
    ++text_seen_;
    if (addr == 0) return;  // hidden (kptr_restrict) or a per-CPU offset
    ++text_nonzero_;
    if (name.starts_with(kPaddingPrefix)) return;
    raw_.push_back(Raw{addr, names_.add(name), module_id(module), rank_of(type)});
  }

  Result<KernelSymbols> finish(std::string_view source) && {
    if (text_seen_ > 0 && text_nonzero_ == 0) {
      return make_error(ExitCode::kNoPrivilege, "kernel symbols",
                        std::string(source) + " shows every address as 0",
                        "run as root, or set sysctl kernel.kptr_restrict=0");
    }
    if (text_nonzero_ == 0) {
      return make_error(ExitCode::kRuntime, "kernel symbols",
                        std::string(source) + " has no text symbols");
    }
    // At one address: text before data, and the best alias first.
    std::stable_sort(raw_.begin(), raw_.end(), [this](const Raw& a, const Raw& b) {
      if (a.addr != b.addr) return a.addr < b.addr;
      const bool a_data = a.name == kBoundary, b_data = b.name == kBoundary;
      if (a_data || b_data) return b_data && !a_data;  // boundaries are all alike
      return better_alias(a.rank, names_.get(a.name), b.rank, names_.get(b.name));
    });

    KernelSymbols out;
    out.malformed_lines_ = malformed_;
    for (std::size_t i = 0; i < raw_.size(); ++i) {
      const Raw& r = raw_[i];
      if (i > 0 && raw_[i - 1].addr == r.addr) continue;  // a worse alias
      if (r.name == kBoundary) {
        // One boundary ends a text region; leading or repeated ones carry nothing.
        if (out.names_.empty() || out.names_.back() == kBoundary) continue;
        out.starts_.push_back(r.addr);
        out.names_.push_back(kBoundary);
        continue;
      }
      const auto index = static_cast<std::uint32_t>(out.starts_.size());
      if (out.module_runs_.empty() || out.module_runs_.back().module != r.module) {
        out.module_runs_.push_back(ModuleRun{index, r.module});
      }
      out.starts_.push_back(r.addr);
      out.names_.push_back(out.arena_.add(names_.get(r.name)));
    }
    // A trailing boundary is harmless but useless.
    if (!out.names_.empty() && out.names_.back() == kBoundary) {
      out.starts_.pop_back();
      out.names_.pop_back();
    }
    out.modules_.resize(module_ids_.size());
    for (auto& [name, id] : module_ids_) out.modules_[id] = name;
    out.starts_.shrink_to_fit();
    out.names_.shrink_to_fit();
    out.module_runs_.shrink_to_fit();
    out.arena_.shrink_to_fit();
    return out;
  }

 private:
  struct Raw {
    std::uint64_t addr;
    std::uint32_t name;  // offset into the builder's arena, or kBoundary
    std::uint16_t module;
    std::uint8_t rank;
  };

  std::uint16_t module_id(std::string_view module) {
    // kallsyms writes the module as "[name]"; anything else counts as core kernel.
    if (module.size() < 3 || module.front() != '[' || module.back() != ']') return 0;
    const auto [it, inserted] = module_ids_.try_emplace(
        std::string(module), static_cast<std::uint16_t>(module_ids_.size()));
    if (inserted && module_ids_.size() > UINT16_MAX) {
      // 65535 distinct modules do not exist; fold the excess into the kernel.
      module_ids_.erase(it);
      return 0;
    }
    return it->second;
  }

  std::vector<Raw> raw_;
  StringArena names_;  // all text names; survivors are copied to the result
  std::unordered_map<std::string, std::uint16_t> module_ids_;
  std::size_t text_seen_ = 0;
  std::size_t text_nonzero_ = 0;
  std::size_t malformed_ = 0;
};

Result<KernelSymbols> KernelSymbols::parse(std::string_view text) {
  Builder b;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    b.add_line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return std::move(b).finish("kallsyms");
}

Result<KernelSymbols> KernelSymbols::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == EACCES || err == EPERM ? ExitCode::kNoPrivilege : ExitCode::kRuntime,
                      "reading " + path, std::strerror(err));
  }
  Builder b;
  std::string pending;  // a line split across two reads
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error(ExitCode::kRuntime, "reading " + path, std::strerror(err));
    }
    if (n == 0) break;
    std::string_view data(chunk, static_cast<std::size_t>(n));
    while (!data.empty()) {
      const auto nl = data.find('\n');
      if (nl == std::string_view::npos) {
        pending.append(data);
        break;
      }
      if (pending.empty()) {
        b.add_line(data.substr(0, nl));
      } else {
        pending.append(data.substr(0, nl));
        b.add_line(pending);
        pending.clear();
      }
      data.remove_prefix(nl + 1);
    }
  }
  ::close(fd);
  if (!pending.empty()) b.add_line(pending);
  return std::move(b).finish(path);
}

std::optional<KernelSymbol> KernelSymbols::find(std::uint64_t addr) const {
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), addr);
  if (it == starts_.begin()) return std::nullopt;
  const auto index = static_cast<std::size_t>(it - starts_.begin()) - 1;
  if (names_[index] == kBoundary) return std::nullopt;
  const auto run = std::upper_bound(module_runs_.begin(), module_runs_.end(), index,
                                    [](std::size_t i, const ModuleRun& r) { return i < r.first; });
  // module_runs_[0].first == 0, so run is never begin() here.
  const std::string& module = modules_[std::prev(run)->module];
  return KernelSymbol{arena_.get(names_[index]), module, starts_[index], addr - starts_[index]};
}

std::size_t KernelSymbols::size() const {
  return static_cast<std::size_t>(
      std::count_if(names_.begin(), names_.end(), [](std::uint32_t n) { return n != kBoundary; }));
}

std::size_t KernelSymbols::memory_bytes() const {
  std::size_t bytes = starts_.capacity() * sizeof(std::uint64_t) +
                      names_.capacity() * sizeof(std::uint32_t) +
                      module_runs_.capacity() * sizeof(ModuleRun) + arena_.bytes();
  for (const auto& m : modules_) bytes += sizeof(std::string) + m.capacity();
  return bytes;
}

}  // namespace profbufd::symbolize
