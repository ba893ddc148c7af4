#include "python/code_prefetch.h"

#include <chrono>

#include "python.h"

namespace profbufd::python {
namespace {

std::uint64_t key_hash(std::uint32_t pid, std::uint64_t w0, std::uint64_t w1) {
  // The code object's address (without the entry bit) and its tag: what the
  // resolver's cache is keyed by, with the pid.
  std::uint64_t h = (w0 & ~PY_FRAME_ENTRY) ^ (std::uint64_t{pid} << 40) ^ (w1 >> 32);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h | 1;  // 0 marks an empty slot
}

}  // namespace

CodePrefetch::CodePrefetch(Resolve resolve, std::size_t max_pending)
    : resolve_(std::move(resolve)), max_pending_(max_pending), seen_(kFilterSlots, 0) {
  pending_.reserve(max_pending_);
  worker_ = std::thread([this] { run(); });
}

CodePrefetch::~CodePrefetch() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  worker_.join();
}

void CodePrefetch::python_frames(std::uint32_t pid, std::span<const std::uint64_t> words) {
  bool queued = false;
  for (std::size_t i = 0; i + 1 < words.size(); i += 2) {
    const std::uint64_t h = key_hash(pid, words[i], words[i + 1]);
    std::uint64_t& slot = seen_[h & (kFilterSlots - 1)];
    if (slot == h) continue;
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock() || pending_.size() >= max_pending_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;  // not marked seen: offered again by a later sample
    }
    slot = h;
    pending_.push_back(Item{pid, words[i], words[i + 1]});
    queued_.fetch_add(1, std::memory_order_relaxed);
    queued = true;
  }
  if (queued) wake_.notify_one();
}

void CodePrefetch::run() {
  std::vector<Item> batch;
  batch.reserve(max_pending_);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(200),
                     [this] { return stop_ || !pending_.empty(); });
      if (pending_.empty() && stop_) return;
      batch.swap(pending_);  // both keep max_pending_ of capacity
    }
    for (const Item& it : batch) {
      resolve_(it.pid, it.w0, it.w1);
      resolved_.fetch_add(1, std::memory_order_relaxed);
    }
    batch.clear();
  }
}

CodePrefetch::Stats CodePrefetch::stats() const {
  return {queued_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
          resolved_.load(std::memory_order_relaxed)};
}

}  // namespace profbufd::python
