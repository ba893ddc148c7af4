#include "kinds/goroutine/goroutine_kind.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "kinds/goroutine/goroutine_books.h"
#include "profbufd.h"

namespace profbufd::kinds::goroutine {
namespace {

// Threads per batch at most: with one batch in flight while the next is
// made, the ProfBuf of the reading CPU (sized for half a second of the other
// kinds' records, a few hundred of these) holds both.
constexpr std::size_t kMaxBatch = 64;

// Until the reader has routed `want` of the window's records, or `limit`
// passed (then the losses, if any, are counted as the pipeline's).
void wait_noted(const GoroutineBooks& books, std::uint64_t want,
                std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (books.noted.load(std::memory_order_relaxed) < want &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// One iterator's reading: a batch fills at most the ring's wakeup quarter
// and kMaxBatch, and the next waits until at most one batch is in flight.
SnapshotCount read_paced(int fd, GoroutineBooks& books, std::uint64_t wakeup_bytes,
                         std::chrono::milliseconds settle) {
  SnapshotPacing p;
  p.batch = std::clamp<std::uint64_t>(wakeup_bytes / (sizeof(profbufd_sample) + 8), 1, kMaxBatch);
  const std::uint64_t before = books.count.recorded;
  p.after_batch = [&books, before, batch = p.batch, settle](std::uint64_t recorded) {
    if (before + recorded > batch) wait_noted(books, before + recorded - batch, settle);
  };
  return read_snapshot(fd, p);
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
  // One iterator per process asked for (only its threads are visited), or
  // one over every thread.
  const std::vector<std::uint32_t> targets = w.pids.empty() ? std::vector<std::uint32_t>{0} : w.pids;
  for (std::uint32_t pid : targets) {
    auto fd = iterators->open(pid);
    if (!fd) {
      log::warning(fd.error().line());
      books->count += SnapshotCount{.error = EIO};
      continue;
    }
    books->count += read_paced(fd->get(), *books, iterators->wakeup_bytes(), settle_);
  }
  // The window ends once the reader has every record (or after `settle_`).
  wait_noted(*books, books->count.recorded, settle_);
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
