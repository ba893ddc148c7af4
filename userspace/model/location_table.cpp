#include "model/location_table.h"

#include <algorithm>

#include "process/proc_maps.h"
#include "python.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
std::uint32_t LocationTable::kernel(std::uint64_t addr) {
  auto [it, fresh] = kernel_locs_.try_emplace(addr, 0);
  if (!fresh) return it->second;
  const SymbolizedFrame f = sym_.kernel(addr);
  kernel_lo_ = std::min(kernel_lo_, addr);
  kernel_hi_ = std::max(kernel_hi_, addr + 1);
  it->second = add(addr, kernel_mapping(), f, FrameKind::kKernel);
  return it->second;
}

std::uint32_t LocationTable::user(std::uint32_t pid, const ProcessMaps* maps,
                                  std::uint64_t addr, bool may_refresh) {
  // Same binary mapped at the same place in two processes: same location.
  const MapEntry* m = maps ? maps->find(addr) : nullptr;
  if (m == nullptr && maps != nullptr && may_refresh) {
    // Mapped after the snapshot (dlopen, or the snapshot caught the process
    // inside the dynamic loader): look again, if the process is still there.
    // Never without a snapshot: the process was gone when it was read, or its
    // program ended before it was (process/process_table.h), so whatever runs
    // under the pid now is another program.
    if (const ProcessMaps* fresh = refreshed(pid)) {
      if (const MapEntry* fm = fresh->find(addr)) {
        maps = fresh;
        m = fm;
      }
    }
  }
  // Anonymous code (a JIT's) is named per process: same address, other code.
  UserKey key{m ? m->path : std::string(), m ? m->start : 0, m && m->is_file() ? 0u : pid, addr};
  auto [it, fresh] = user_locs_.try_emplace(std::move(key), 0);
  if (!fresh) return it->second;
  static const ProcessMaps kNoMaps;
  const SymbolizedFrame f = sym_.user(pid, maps ? *maps : kNoMaps, addr);
  const std::uint32_t mapping = f.map_limit > f.map_start ? user_mapping(f) : kNoMapping;
  it->second = add(addr, mapping, f, FrameKind::kUser);
  return it->second;
}

std::uint32_t LocationTable::python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1) {
  // The entry bit says where the frame sits in the native stack, not what it is.
  auto [it, fresh] = python_words_.try_emplace(PythonWords{pid, word0 & ~PY_FRAME_ENTRY, word1}, 0);
  if (!fresh) return it->second;
  const SymbolizedFrame f = sym_.python(pid, word0, word1);
  PythonKey key{f.function, f.lines.empty() ? std::string() : f.lines[0].file,
                f.lines.empty() ? 0 : f.lines[0].line};
  auto [loc, new_loc] = python_locs_.try_emplace(std::move(key), 0);
  if (new_loc) loc->second = add(0, kNoMapping, f, FrameKind::kPython);
  it->second = loc->second;
  return it->second;
}

bool LocationTable::is_python_eval(std::uint32_t index) const {
  return index < p_.locations.size() && p_.locations[index].kind == FrameKind::kUser &&
         p_.locations[index].function == "_PyEval_EvalFrameDefault";
}

std::uint32_t LocationTable::synthetic(std::string_view name) {
  if (auto it = synthetic_locs_.find(name); it != synthetic_locs_.end()) return it->second;
  Location l;
  l.function = std::string(name);
  l.module = "[profbufd]";
  l.kind = FrameKind::kSynthetic;
  l.resolved = true;
  p_.locations.push_back(std::move(l));
  const auto index = static_cast<std::uint32_t>(p_.locations.size() - 1);
  synthetic_locs_.emplace(std::string(name), index);
  return index;
}

void LocationTable::finish() {
  if (kernel_mapping_ != kNoMapping) {
    p_.mappings[kernel_mapping_].start = kernel_lo_;
    p_.mappings[kernel_mapping_].limit = kernel_hi_;
  }
}

const ProcessMaps* LocationTable::refreshed(std::uint32_t pid) {
  auto [it, fresh] = refreshed_.try_emplace(pid);
  if (fresh) {
    if (auto r = ProcessMaps::read(static_cast<int>(pid)); r.ok())
      it->second = std::make_unique<ProcessMaps>(std::move(r).value());
  }
  return it->second.get();
}

std::uint32_t LocationTable::add(std::uint64_t addr, std::uint32_t mapping,
                                 const SymbolizedFrame& f, FrameKind kind) {
  Location l;
  l.address = addr;
  l.mapping = mapping;
  l.function = f.function;
  l.module = f.module;
  l.offset = f.offset;
  l.kind = kind;
  l.resolved = f.resolved;
  l.lines = f.lines;
  p_.locations.push_back(std::move(l));
  ProfileMetadata& md = p_.metadata;
  if (f.resolved)
    ++md.named_frames[std::string(symbolize::name_of(f.source))];
  else
    ++md.unnamed_frames[std::string(symbolize::name_of(f.unnamed))];
  return static_cast<std::uint32_t>(p_.locations.size() - 1);
}

std::uint32_t LocationTable::kernel_mapping() {
  if (kernel_mapping_ == kNoMapping) {
    Mapping m;
    m.file = "[kernel.kallsyms]";
    m.kernel = true;
    p_.mappings.push_back(std::move(m));
    kernel_mapping_ = static_cast<std::uint32_t>(p_.mappings.size() - 1);
  }
  return kernel_mapping_;
}

std::uint32_t LocationTable::user_mapping(const SymbolizedFrame& f) {
  auto [it, fresh] = mappings_.try_emplace(MappingKey{f.path, f.map_start, f.map_limit, f.map_offset}, 0);
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

}  // namespace profbufd
