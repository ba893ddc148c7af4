#include "python/frame_resolver.h"

#include "python/line_table.h"

namespace profbufd::python {

std::size_t FrameResolver::KeyHash::operator()(const Key& k) const {
  return std::hash<std::uint64_t>{}(k.code ^ (std::uint64_t{k.pid} << 32 | k.tag) * 0x9e3779b97f4a7c15ULL);
}

FrameResolver::FrameResolver(std::shared_ptr<const Registry> registry, MemoryOf memory_of,
                             ResolverLimits limits)
    : registry_(std::move(registry)), memory_of_(std::move(memory_of)),
      cache_(limits.max_codes, limits.max_bytes) {
  if (!memory_of_)
    memory_of_ = [](std::uint32_t pid) {
      return std::make_unique<ProcessMemory>(static_cast<pid_t>(pid));
    };
}

FrameResolver::Entry FrameResolver::read(std::uint32_t pid, const FrameWords& f) {
  const std::optional<Interpreter> interp = registry_ ? registry_->find(pid) : std::nullopt;
  if (!interp) return {nullptr, FrameFailure::kGone};
  const std::unique_ptr<Memory> mem = memory_of_(pid);
  ++stats_.code_reads;
  CodeRead r = read_code(*mem, interp->layout, f.code, f.tag);
  switch (r.error) {
    case CodeError::kNone:
      return {std::make_shared<const CodeObject>(std::move(r.code)), FrameFailure::kNone};
    case CodeError::kStale:
      ++stats_.stale;
      return {nullptr, FrameFailure::kUnreadable};
    case CodeError::kUnreadable:
    case CodeError::kMalformed:
      break;
  }
  ++stats_.unreadable;
  return {nullptr, FrameFailure::kUnreadable};
}

PythonFrame FrameResolver::resolve(std::uint32_t pid, const FrameWords& f) {
  std::lock_guard lock(mu_);
  const Key key{pid, f.tag, f.code};
  const Entry* e = cache_.get(key);
  if (e == nullptr) {
    Entry fresh = read(pid, f);
    // Not kept: the process may be one the registry learns of a moment after
    // its first samples (a prefetch can come that early).
    if (fresh.failure == FrameFailure::kGone) {
      PythonFrame gone;
      gone.failure = FrameFailure::kGone;
      return gone;
    }
    const std::size_t weight =
        64 + (fresh.code ? fresh.code->qualname.size() + fresh.code->filename.size() +
                               fresh.code->linetable.size()
                         : 0);
    e = &cache_.put(key, std::move(fresh), weight);
  }
  PythonFrame out;
  out.failure = e->failure;
  if (!e->code) return out;
  const CodeObject& c = *e->code;
  out.function = c.qualname;
  out.file = c.filename;
  out.start_line = c.firstlineno;
  const auto line = f.lasti == PY_NO_INSTR ? std::nullopt : line_of(c.linetable, c.firstlineno, f.lasti);
  out.line = line.value_or(c.firstlineno);
  return out;
}

FrameResolver::Stats FrameResolver::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.cached = cache_.size();
  s.cached_bytes = cache_.weight();
  return s;
}

}  // namespace profbufd::python
