#include "model/profile_builder.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "capture/sample_record.h"
#include "process/proc_maps.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

std::string errno_name(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "errno " + std::to_string(e);
}

// Why a stack has no frames, as a synthetic frame name; empty when it is either
// present or legitimately absent (kernel threads and idle have no user stack).
std::string missing_reason(const char* which, std::uint8_t status, std::uint8_t err) {
  switch (status) {
    case PROFBUFD_STACK_ERROR:
      return std::string("[") + which + " stack unavailable: " + errno_name(err) + "]";
    case PROFBUFD_STACK_EMPTY:
      return std::string("[") + which + " stack empty]";
    default:
      return {};
  }
}

class Builder {
 public:
  Builder(Profile& p, Symbolizer& s) : p_(p), sym_(s) {}

  std::uint32_t kernel_location(std::uint64_t addr) {
    auto [it, fresh] = kernel_locs_.try_emplace(addr, 0);
    if (!fresh) return it->second;
    const SymbolizedFrame f = sym_.kernel(addr);
    kernel_lo_ = std::min(kernel_lo_, addr);
    kernel_hi_ = std::max(kernel_hi_, addr + 1);
    it->second = add_location(addr, kernel_mapping(), f, FrameKind::kKernel);
    return it->second;
  }

  std::uint32_t user_location(std::uint32_t pid, const ProcessMaps* maps,
                              std::uint64_t addr) {
    // Same binary mapped at the same place in two processes: same location.
    const MapEntry* m = maps ? maps->find(addr) : nullptr;
    if (m == nullptr) {
      // Mapped after the snapshot (dlopen, or the snapshot caught the process
      // inside the dynamic loader): look again, once per process per window,
      // if the process is still there.
      if (const ProcessMaps* fresh = refreshed(pid)) {
        if (const MapEntry* fm = fresh->find(addr)) {
          maps = fresh;
          m = fm;
        }
      }
    }
    UserKey key{m ? m->path : std::string(), m ? m->start : 0, m ? 0u : pid, addr};
    auto [it, fresh] = user_locs_.try_emplace(std::move(key), 0);
    if (!fresh) return it->second;
    SymbolizedFrame f;
    if (maps) {
      f = sym_.user(pid, *maps, addr);
    } else {
      f.module = "[unknown]";
      f.function = "[unknown]+0x" + hex(addr);
      f.offset = addr;
    }
    std::uint32_t mapping = kNoMapping;
    if (f.map_limit > f.map_start) {
      mapping = user_mapping(f);
    }
    it->second = add_location(addr, mapping, f, FrameKind::kUser);
    return it->second;
  }

  std::uint32_t synthetic(const std::string& name) {
    auto [it, fresh] = synthetic_locs_.try_emplace(name, 0);
    if (!fresh) return it->second;
    Location l;
    l.function = name;
    l.module = "[profbufd]";
    l.kind = FrameKind::kSynthetic;
    l.resolved = true;
    p_.locations.push_back(std::move(l));
    it->second = static_cast<std::uint32_t>(p_.locations.size() - 1);
    return it->second;
  }

  void finish() {
    if (kernel_mapping_ != kNoMapping) {
      p_.mappings[kernel_mapping_].start = kernel_lo_;
      p_.mappings[kernel_mapping_].limit = kernel_hi_;
    }
  }

 private:
  const ProcessMaps* refreshed(std::uint32_t pid) {
    auto [it, fresh] = refreshed_.try_emplace(pid);
    if (fresh) {
      if (auto r = ProcessMaps::read(static_cast<int>(pid)); r.ok())
        it->second = std::make_unique<ProcessMaps>(std::move(r).value());
    }
    return it->second.get();
  }

  using UserKey = std::tuple<std::string, std::uint64_t, std::uint32_t, std::uint64_t>;

  static std::string hex(std::uint64_t v) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
  }

  std::uint32_t add_location(std::uint64_t addr, std::uint32_t mapping,
                             const SymbolizedFrame& f, FrameKind kind) {
    Location l;
    l.address = addr;
    l.mapping = mapping;
    l.function = f.function;
    l.module = f.module;
    l.offset = f.offset;
    l.kind = kind;
    l.resolved = f.resolved;
    p_.locations.push_back(std::move(l));
    return static_cast<std::uint32_t>(p_.locations.size() - 1);
  }

  std::uint32_t kernel_mapping() {
    if (kernel_mapping_ == kNoMapping) {
      Mapping m;
      m.file = "[kernel.kallsyms]";
      m.kernel = true;
      p_.mappings.push_back(std::move(m));
      kernel_mapping_ = static_cast<std::uint32_t>(p_.mappings.size() - 1);
    }
    return kernel_mapping_;
  }

  std::uint32_t user_mapping(const SymbolizedFrame& f) {
    auto key = std::make_tuple(f.path, f.map_start, f.map_limit, f.map_offset);
    auto [it, fresh] = mappings_.try_emplace(key, 0);
    if (fresh) {
      Mapping m;
      m.start = f.map_start;
      m.limit = f.map_limit;
      m.offset = f.map_offset;
      m.file = f.path;
      m.build_id = f.build_id;
      p_.mappings.push_back(std::move(m));
      it->second = static_cast<std::uint32_t>(p_.mappings.size() - 1);
    }
    return it->second;
  }

  Profile& p_;
  Symbolizer& sym_;
  std::unordered_map<std::uint64_t, std::uint32_t> kernel_locs_;
  std::map<UserKey, std::uint32_t> user_locs_;
  std::map<std::string, std::uint32_t> synthetic_locs_;
  std::map<std::tuple<std::string, std::uint64_t, std::uint64_t, std::uint64_t>,
           std::uint32_t>
      mappings_;
  std::unordered_map<std::uint32_t, std::unique_ptr<ProcessMaps>> refreshed_;
  std::uint32_t kernel_mapping_ = kNoMapping;
  std::uint64_t kernel_lo_ = UINT64_MAX, kernel_hi_ = 0;
};

// Frames after the first of a stack are return addresses: the call lies just
// before them. Looking up address - 1 names the calling function even when the
// call is the last instruction of a function (noreturn callees).
std::uint64_t lookup_address(std::uint64_t addr, std::size_t index_in_stack) {
  return index_in_stack == 0 || addr == 0 ? addr : addr - 1;
}

}  // namespace

Profile build_profile(const Window& window, Symbolizer& symbolizer,
                      const ProfileContext& context) {
  Profile p;
  ProfileMetadata& md = p.metadata;
  md.version = context.version;
  md.host = context.host;
  md.kernel = context.kernel;
  md.start_unix_ns = window.start_unix_ns;
  md.duration_ns = window.end_unix_ns - window.start_unix_ns;
  md.frequency_hz = context.frequency_hz;
  md.cpus = context.cpus;
  md.total_samples = window.stacks.total();

  std::uint64_t overflow = 0;
  for (auto v : window.profbuf_overflow_by_cpu) overflow += v;
  md.lost_samples[kLostRingbufFull] = window.ringbuf_full;
  md.lost_samples[kLostProfBufOverflow] = overflow;

  Builder b(p, symbolizer);
  window.stacks.for_each([&](const StackTable::Entry& e) {
    const auto pid = static_cast<std::uint32_t>(e.key[StackTable::kPidWord]);
    const auto* task =
        reinterpret_cast<const TaskIdentity*>(e.key[StackTable::kTaskWord]);
    const StackInfo info = StackInfo::unpack(e.key[StackTable::kInfoWord]);
    const auto frames = e.key.subspan(StackTable::kFixedWords);
    const std::size_t nk = std::min<std::size_t>(info.kernel_frames, frames.size());

    Sample s;
    s.pid = pid;
    s.tid = static_cast<std::uint32_t>(e.key[StackTable::kTidWord]);
    s.comm = std::string(task->name());
    s.count = e.count;
    s.locations.reserve(frames.size() + 1);
    for (std::size_t i = 0; i < nk; ++i)
      s.locations.push_back(b.kernel_location(lookup_address(frames[i], i)));
    const ProcessMaps* maps = nullptr;
    if (auto it = window.maps.find(pid); it != window.maps.end()) maps = it->second.get();
    for (std::size_t i = nk; i < frames.size(); ++i)
      s.locations.push_back(b.user_location(pid, maps, lookup_address(frames[i], i - nk)));
    // No kernel frames is normal (the sample hit user mode); only a failed walk
    // is worth a frame.
    if (info.kernel_status == PROFBUFD_STACK_ERROR)
      s.locations.push_back(
          b.synthetic(missing_reason("kernel", info.kernel_status, info.kernel_errno)));
    if (auto why = missing_reason("user", info.user_status, info.user_errno); !why.empty())
      s.locations.push_back(b.synthetic(why));
    p.samples.push_back(std::move(s));
  });

  // Idle CPU time the sampler did not see (see capture/cpu_idle.h): the part of
  // each CPU's idle time not already covered by sampled idle-task ticks.
  const std::int64_t period = p.period_ns();
  if (context.account_idle && period > 0) {
    for (std::size_t cpu = 0; cpu < window.idle_ns_by_cpu.size(); ++cpu) {
      const std::uint64_t expected =
          (window.idle_ns_by_cpu[cpu] + static_cast<std::uint64_t>(period) / 2) /
          static_cast<std::uint64_t>(period);
      const std::uint64_t sampled =
          cpu < window.idle_sampled_by_cpu.size() ? window.idle_sampled_by_cpu[cpu] : 0;
      if (expected <= sampled) continue;
      Sample s;
      s.comm = "swapper/" + std::to_string(cpu);
      s.count = expected - sampled;
      s.locations.push_back(b.synthetic("[idle]"));
      md.idle_accounted_samples += s.count;
      md.total_samples += s.count;
      p.samples.push_back(std::move(s));
    }
  }

  // Lost samples become samples on a frame that names the reason, so that every
  // consumer's totals include them.
  for (const auto& [reason, n] : md.lost_samples) {
    if (n == 0) continue;
    Sample s;
    s.comm = "[lost]";
    s.count = n;
    s.locations.push_back(b.synthetic("[lost: " + reason + "]"));
    p.samples.push_back(std::move(s));
  }
  b.finish();
  return p;
}

}  // namespace profbufd
