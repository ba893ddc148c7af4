#include "kinds/goroutine/goroutine_kind.h"

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "common/log.h"
#include "kinds/goroutine/goroutine_books.h"
#include "profbufd.h"

namespace profbufd::kinds::goroutine {
namespace {

// How long a snapshot lets the loader drain a ring it filled to its wakeup
// mark: the BPF side has woken the loader, which drains it in well under
// this.
constexpr std::chrono::milliseconds kDrainWait{20};

SnapshotPacing pacing(std::uint64_t wakeup_bytes) {
  SnapshotPacing p;
  // A batch fills at most the ring's wakeup quarter: a ring at its mark
  // before a batch is at most half full after it.
  p.batch = std::max<std::uint64_t>(1, wakeup_bytes / (sizeof(profbufd_sample) + 8));
  p.drain_at_bytes = wakeup_bytes;
  p.wait_drain = [] { std::this_thread::sleep_for(kDrainWait); };
  return p;
}

}  // namespace

std::string_view state_letter(std::uint16_t state) {
  static constexpr std::string_view kLetters[PROFBUFD_TASK_STATES] = {"R", "S", "D", "T", "t",
                                                                      "X", "Z", "P", "I"};
  return state < PROFBUFD_TASK_STATES ? kLetters[state] : "?";
}

std::uint16_t GoroutineKind::id() const { return PROFBUFD_KIND_GOROUTINE; }

ProfileShape GoroutineKind::shape() const {
  return ProfileShape{{{"goroutine", "count"}}, "goroutine", {"goroutine", "count"}, 1};
}

void GoroutineKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(acc[0]);
}

void GoroutineKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(n);
}

void GoroutineKind::labels(std::uint16_t flags, std::vector<Label>& out) const {
  Label l;
  l.key = "state";
  l.str = std::string(state_letter(flags));
  out.push_back(std::move(l));
}

std::unique_ptr<WindowBooks> GoroutineKind::open_books(const Window&) const {
  return std::make_unique<GoroutineBooks>();
}

bool GoroutineKind::snapshot(Window& w) const {
  auto* books = dynamic_cast<GoroutineBooks*>(w.books.get());
  const auto iterators = iterators_.load();
  if (books == nullptr || !iterators) return true;
  auto fd = iterators->open(w.pids.size() == 1 ? w.pids[0] : 0);
  if (!fd) {
    log::warning(fd.error().line());
    books->count.error = EIO;
  } else {
    books->count = read_snapshot(fd->get(), pacing(iterators->wakeup_bytes()));
  }
  books->taken = true;
  snapshots_.fetch_add(1, std::memory_order_relaxed);
  threads_.fetch_add(books->count.recorded, std::memory_order_relaxed);
  dropped_.fetch_add(books->count.dropped, std::memory_order_relaxed);
  if (books->count.error != 0) errors_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void GoroutineKind::finish(const Window& w, ProfileAssembly& a) const {
  const auto* books = dynamic_cast<const GoroutineBooks*>(w.books.get());
  if (books == nullptr) return;
  Profile& p = a.profile();
  p.metadata.details.emplace_back("goroutine_threads",
                                  static_cast<std::int64_t>(books->count.recorded));
  p.metadata.details.emplace_back("goroutine_snapshot_error", books->count.error);
  if (!books->taken)
    p.metadata.comments.push_back("no snapshot was taken: the goroutine kind is not loaded");
  else if (books->count.error != 0)
    p.metadata.comments.push_back("the snapshot is partial: reading the task iterator failed: " +
                                  std::string(std::strerror(books->count.error)));
  p.metadata.comments.push_back(
      "one sample per thread; user stacks walked from the registers of the thread's last "
      "entry into the kernel");
}

Hold GoroutineKind::hold(std::span<const std::uint32_t>, std::string_view) const {
  turn_->acquire();
  std::shared_ptr<std::binary_semaphore> turn = turn_;
  return Hold::held(
      std::shared_ptr<const void>(turn.get(), [turn](const void*) { turn->release(); }));
}

void GoroutineKind::attached(std::shared_ptr<TaskIterators> iterators) const {
  iterators_.store(std::move(iterators));
}

void GoroutineKind::write_metrics(metrics::MetricWriter& w) const {
  if (!iterators_.load()) return;
  w.counter("profbufd_goroutine_snapshots_total", "Snapshots of every thread taken on request",
            snapshots_.load(std::memory_order_relaxed));
  w.counter("profbufd_goroutine_threads_total", "Threads those snapshots recorded",
            threads_.load(std::memory_order_relaxed));
  w.counter("profbufd_goroutine_lost_total",
            "Threads those snapshots could not record, by reason: ringbuf_full (the shared "
            "ring had no room for the thread's record)",
            {{"reason", "ringbuf_full"}}, dropped_.load(std::memory_order_relaxed));
  w.counter("profbufd_goroutine_snapshot_errors_total",
            "Snapshots cut short because reading the task iterator failed",
            errors_.load(std::memory_order_relaxed));
}

}  // namespace profbufd::kinds::goroutine
