#include "python/processes.h"

#include "common/log.h"
#include "process/binary_path.h"
#include "python/layout.h"
#include "python/runtime_check.h"

namespace profbufd::python {
namespace {

constexpr std::size_t kMaxFiles = 256;

}  // namespace

Processes::Processes(PyMapIo& io, std::shared_ptr<Registry> registry, std::string procfs_root,
                     MemoryOf memory_of)
    : io_(io), memory_of_(std::move(memory_of)), registry_(std::move(registry)),
      procfs_root_(std::move(procfs_root)) {
  if (!memory_of_)
    memory_of_ = [](std::uint32_t pid) {
      return std::make_unique<ProcessMemory>(static_cast<pid_t>(pid));
    };
}

std::string Processes::check_runtime(std::uint32_t pid, std::uint64_t runtime,
                                     const Layout& layout) {
  const std::unique_ptr<Memory> mem = memory_of_(pid);
  // Twice before turning it away: a thread state freed and reused under the
  // read (the walk takes no lock) disagrees once, a wrong layout always.
  std::string why = runtime_disagrees(*mem, runtime, layout);
  if (!why.empty()) why = runtime_disagrees(*mem, runtime, layout);
  return why;
}

const std::optional<InterpreterFile>* Processes::file(std::uint32_t pid, const MapEntry& m) {
  const FileKey key{(std::uint64_t{m.dev_major} << 32) | m.dev_minor, m.inode, m.path};
  if (auto it = files_.find(key); it != files_.end()) return &it->second;
  auto fd = symbolize::open_mapped_file(procfs_root_, pid, m);
  if (!fd) {
    ++stats_.unreadable;
    return nullptr;  // not remembered: the next process may open it
  }
  auto facts = read_interpreter_file(fd->get(), m.path);
  if (!facts) {
    ++stats_.unreadable;
    return nullptr;
  }
  if (files_.size() >= kMaxFiles) files_.erase(files_.begin());
  return &files_.emplace(key, std::move(facts).value()).first->second;
}

void Processes::warn_unknown(std::uint32_t pid, std::uint32_t version, const std::string& path,
                             const std::string& why) {
  if (!unknown_.insert(pid).second) return;  // published again (a new mapping): counted once
  ++stats_.unknown_versions;
  if (!warned_versions_.insert(version).second) return;
  const std::string v = version ? "CPython " + version_name(version) : "a CPython of unknown version";
  const std::string reason =
      why.empty() ? "whose frames profbufd cannot read (it knows " + supported_versions() + ")"
                  : "whose frames profbufd does not read: " + why;
  log::warning("python: pid " + std::to_string(pid) + " runs " + v + " (" + path + "), " + reason +
               "; its samples keep native frames only");
}

void Processes::found(std::uint32_t pid, std::uint64_t start_time, const ProcessMaps& maps) {
  for (const MapEntry& m : maps.entries()) {
    if (!m.is_file() || !looks_like_python(m.path)) continue;
    const std::optional<InterpreterFile>* f = file(pid, m);
    if (f == nullptr || !f->has_value()) continue;
    const InterpreterFile& interp = **f;
    const std::optional<Layout> layout = layout_for(interp.version);
    const std::optional<std::uint64_t> bias = interp.layout.load_bias(m.start, m.offset);
    const std::string disagree =
        layout ? debug_offsets_disagree(interp.debug_offsets, interp.version, *layout) : "";
    if (!layout || !disagree.empty()) {
      warn_unknown(pid, interp.version, m.path, disagree);
      break;
    }
    if (!bias) continue;
    py_proc p{};
    p.start_time = start_time;
    p.runtime = *bias + interp.runtime_vaddr;
    if (const std::string why = check_runtime(pid, p.runtime, *layout); !why.empty()) {
      warn_unknown(pid, interp.version, m.path, why);
      break;
    }
    p.l = layout->walker;
    p.version = interp.version;
    if (!io_.put(pid, p)) return;
    registry_->put(pid, Interpreter{interp.version, *layout});
    if (live_.insert(pid).second) ++stats_.found;
    stats_.live = live_.size();
    return;
  }
  if (live_.count(pid) != 0) forget(pid, true);  // none any more: an exec replaced it
}

void Processes::forget(std::uint32_t pid, bool remove) {
  unknown_.erase(pid);
  if (live_.erase(pid) == 0) return;
  registry_->erase(pid);
  if (remove) io_.erase(pid);
  stats_.live = live_.size();
}

}  // namespace profbufd::python
