#include "core/reader.h"

#include <time.h>

#include <algorithm>
#include <stdexcept>

#include "capture/sample_record.h"
#include "common/clock.h"

namespace profbufd {

Reader::Reader(std::vector<ProfBuf*> buffers, ProcessTable& processes, DropCounter drops,
               Options options)
    : buffers_(std::move(buffers)), processes_(processes), drops_(std::move(drops)),
      options_(options), eof_(buffers_.size(), false) {
  for (std::size_t i = 0; i < buffers_.size(); ++i) eof_[i] = buffers_[i] == nullptr;
  key_.reserve(StackTable::kFixedWords + 2 * PROFBUFD_MAX_FRAMES);
}

Reader::~Reader() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    thread_.join();
  }
}

void Reader::start() {
  // drops_seen_ starts at 0: the counters are new with the BPF program, and
  // sampling (hence dropping) began at attach, before this thread existed.
  thread_ = std::thread([this] { run(); });
}

void Reader::run() {
  for (;;) {
    const std::uint64_t now = monotonic_ns();
    bool all_eof;
    bool stopping;
    std::vector<Open> due;
    {
      std::unique_lock lock(mu_);
      all_eof = drain_all();
      account_drops(now);
      stopping = stopping_;
      if (!stopping) due = take_due(now, false);
    }
    deliver(std::move(due));
    // Stopping: keep draining until the capture's close() reaches us as EOF on
    // every buffer, so nothing written before the stop is left behind.
    if (stopping && all_eof) return;
    std::unique_lock lock(mu_);
    if (stopping_) {
      // Waiting for the last records and EOF: poll briefly, not a full period.
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } else {
      stop_cv_.wait_for(lock, options_.period, [this] { return stopping_; });
    }
  }
}

void Reader::finish(std::uint64_t end_ns) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Open> all;
  {
    std::lock_guard lock(mu_);
    for (Open& o : open_)
      if (o.window->end_ns == kOpenEnded || o.window->end_ns > end_ns) {
        o.window->end_ns = std::max(end_ns, o.window->start_ns);
      }
    all = take_due(0, true);
  }
  deliver(std::move(all));
}

void Reader::open_window(std::shared_ptr<Window> w, OnClosed on_closed) {
  std::lock_guard lock(mu_);
  open_.push_back(Open{std::move(w), std::move(on_closed), nullptr});
}

void Reader::rotate(const std::shared_ptr<Window>& current, std::shared_ptr<Window> next,
                    std::uint64_t at_ns, OnClosed on_closed) {
  std::lock_guard lock(mu_);
  next->start_ns = at_ns;
  for (Open& o : open_) {
    if (o.window == current) {
      o.window->end_ns = at_ns;
      o.successor = next;
    }
  }
  open_.push_back(Open{std::move(next), std::move(on_closed), nullptr});
}

bool Reader::update_open_window(const std::shared_ptr<Window>& w,
                                const std::function<void(Window&)>& f) {
  std::lock_guard lock(mu_);
  for (Open& o : open_)
    if (o.window == w) {
      f(*w);
      return true;
    }
  return false;
}

void Reader::end_window(const std::shared_ptr<Window>& w, std::uint64_t at_ns) {
  std::lock_guard lock(mu_);
  for (Open& o : open_)
    if (o.window == w) o.window->end_ns = at_ns;
}

bool Reader::drain_all() {
  bool all_eof = true;
  for (std::size_t cpu = 0; cpu < buffers_.size(); ++cpu) {
    if (eof_[cpu]) continue;
    for (;;) {
      ProfBuf::ReadResult r = buffers_[cpu]->read(ReadMode::kNonBlocking);
      if (r.eof) {
        eof_[cpu] = true;
        break;
      }
      if (r.data.empty()) break;
      consume(cpu, r);
    }
    all_eof = all_eof && eof_[cpu];
  }
  return all_eof;
}

void Reader::consume(std::size_t cpu, const ProfBuf::ReadResult& r) {
  std::size_t di = 0, ti = 0;
  while (di < r.data.size()) {
    const std::uint64_t len = r.data[di];
    if (len < 2 + kSampleHeaderWords || di + len > r.data.size() || ti >= r.tags.size())
      throw std::logic_error("Reader: malformed ProfBuf record");
    const std::uint64_t time = r.data[di + 1];
    const auto hdr = r.data.subspan(di + 2, kSampleHeaderWords);
    const auto stack = r.data.subspan(di + 2 + kSampleHeaderWords,
                                      len - 2 - kSampleHeaderWords);
    const void* tag = r.tags[ti];
    if (tag == nullptr) {
      add_overflow(cpu, time, stack.empty() ? 0 : stack[0]);
    } else {
      add_sample(cpu, time, hdr, stack, tag);
    }
    di += len;
    ++ti;
  }
}

namespace {

// The reader thread is the only writer of its counters: a relaxed load and store
// avoid a locked read-modify-write per sample. Readers elsewhere only need some
// recent value.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

void Reader::add_sample(std::size_t cpu, std::uint64_t time,
                        std::span<const std::uint64_t> hdr,
                        std::span<const std::uint64_t> stack, const void* tag) {
  bump(samples_);
  const StackInfo info = StackInfo::unpack(hdr[3]);
  if (info.kernel_status == PROFBUFD_STACK_ERROR || info.user_status == PROFBUFD_STACK_ERROR ||
      (info.user_status == PROFBUFD_STACK_EMPTY && hdr[0] != 0))
    bump(stack_unavailable_);
  // Key: pid, tid, task identity, stack info, frames. The CPU is left out so the
  // same stack on two CPUs aggregates.
  key_.clear();
  key_.push_back(hdr[0]);
  key_.push_back(hdr[1]);
  key_.push_back(reinterpret_cast<std::uintptr_t>(tag));
  key_.push_back(hdr[3]);
  key_.insert(key_.end(), stack.begin(), stack.end());
  const auto pid = static_cast<std::uint32_t>(hdr[0]);
  for (Open& o : open_) {
    Window& w = *o.window;
    if (!w.contains(time)) continue;
    if (!w.pids.empty() && std::find(w.pids.begin(), w.pids.end(), pid) == w.pids.end())
      continue;
    ++w.samples_by_cpu[cpu];
    if (pid == 0) ++w.idle_sampled_by_cpu[cpu];
    if (w.stacks.add(key_) && pid != 0 && !w.maps.contains(pid))
      w.maps.emplace(pid, processes_.get(pid));
  }
}

void Reader::add_overflow(std::size_t cpu, std::uint64_t time, std::uint64_t count) {
  bump(lost_, count);
  bump(profbuf_overflow_, count);
  for (Open& o : open_)
    if (o.window->contains(time)) o.window->profbuf_overflow_by_cpu[cpu] += count;
}

void Reader::account_drops(std::uint64_t now) {
  if (!drops_) return;
  const std::uint64_t total = drops_();
  if (total <= drops_seen_) return;
  const std::uint64_t delta = total - drops_seen_;
  drops_seen_ = total;
  bump(lost_, delta);
  bump(ringbuf_full_, delta);
  // A failed reservation has no timestamp: it is charged to the windows open now.
  bool charged = false;
  for (Open& o : open_)
    if (o.window->contains(now)) {
      o.window->ringbuf_full += delta;
      charged = true;
    }
  // Between two file windows (the grace period) "now" may lie past every end:
  // charge the newest window rather than lose the count.
  if (!charged && !open_.empty()) open_.back().window->ringbuf_full += delta;
}

std::vector<Reader::Open> Reader::take_due(std::uint64_t now, bool all) {
  std::vector<Open> due;
  const auto grace = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.grace).count());
  for (auto it = open_.begin(); it != open_.end();) {
    const Window& w = *it->window;
    if (all || (w.end_ns != kOpenEnded && now >= w.end_ns + grace)) {
      if (it->successor) it->successor->absorb_earlier = true;
      due.push_back(std::move(*it));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  // Hand over in order of end time, so files are written oldest first.
  std::stable_sort(due.begin(), due.end(), [](const Open& a, const Open& b) {
    return a.window->end_ns < b.window->end_ns;
  });
  return due;
}

void Reader::deliver(std::vector<Open> due) {
  for (Open& o : due) {
    Window& w = *o.window;
    w.end_unix_ns = w.start_unix_ns + static_cast<std::int64_t>(w.end_ns - w.start_ns);
    if (o.on_closed) o.on_closed(std::move(o.window));
  }
}

}  // namespace profbufd
