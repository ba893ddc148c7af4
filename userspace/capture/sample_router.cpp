#include "capture/sample_router.h"

#include "capture/sample_decoder.h"

namespace profbufd::capture {

SampleRouter::SampleRouter(std::span<ProfBuf* const> buffers, TaskInterner& interner)
    : buffers_(buffers.begin(), buffers.end()),
      interner_(interner),
      routed_(std::make_unique<std::atomic<std::uint64_t>[]>(buffers_.size())) {}

bool SampleRouter::route(std::span<const std::byte> record) {
  const DecodeResult d = decode_sample(record);
  if (!d.sample) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const DecodedSample& s = *d.sample;
  if (s.cpu >= buffers_.size() || buffers_[s.cpu] == nullptr) {
    misrouted_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  write_sample(s, interner_.intern(s.comm), *buffers_[s.cpu]);
  if (python_observer_ != nullptr && s.python_frames != 0)
    python_observer_->python_frames(s.pid, s.stack.last(2 * std::size_t{s.python_frames}));
  // Single writer: a plain load+store avoids a locked read-modify-write.
  auto& n = routed_[s.cpu];
  n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return true;
}

std::uint64_t SampleRouter::routed(std::size_t cpu) const {
  return cpu < buffers_.size() ? routed_[cpu].load(std::memory_order_relaxed) : 0;
}

}  // namespace profbufd::capture
