#include "core/reader.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/record.h"

namespace profbufd {
namespace {

// The reader thread is the only writer of its counters: a relaxed load and store
// avoid a locked read-modify-write per record. Readers elsewhere only need some
// recent value.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

Reader::Reader(std::vector<ProfBuf*> buffers, ProcessTable& processes,
               std::vector<const Aggregation*> kinds, DropCounter drops, const Clock& clock,
               Options options)
    : buffers_(std::move(buffers)), processes_(processes), drops_(std::move(drops)),
      clock_(clock), options_(options), eof_(buffers_.size(), false),
      drops_seen_(kinds.size(), 0) {
  for (std::size_t i = 0; i < buffers_.size(); ++i) eof_[i] = buffers_[i] == nullptr;
  for (const Aggregation* k : kinds) {
    KindRecipe r;
    if (k) {
      const auto recipe = k->accumulators();
      if (recipe.empty() || recipe.size() > StackTable::kMaxAccumulators)
        throw std::invalid_argument("Reader: a kind needs 1 to 4 accumulators");
      r.accumulators = static_cast<std::uint8_t>(recipe.size());
      for (std::size_t i = 0; i < recipe.size(); ++i)
        if (recipe[i] != Accumulate::kRecords) r.value_bits |= static_cast<std::uint8_t>(1u << i);
      for (std::size_t i = 0; i < recipe.size(); ++i)
        if (recipe[i] == Accumulate::kSpan) r.span_bits |= static_cast<std::uint8_t>(1u << i);
    }
    kinds_.push_back(r);
  }
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
  // drops_seen_ starts at 0: the counters are new with the BPF maps, and
  // sampling (hence dropping) began at attach, before this thread existed.
  thread_ = std::thread([this] { run(); });
}

void Reader::run() {
  while (!pass()) {
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

void Reader::run_pass() { pass(); }

bool Reader::pass() {
  const std::uint64_t now = clock_.monotonic_ns();
  bool all_eof, stopping;
  {
    processes_.sync();  // the ends so far, for the epochs of this drain's records
    std::lock_guard lock(mu_);
    all_eof = drain_all();
    account_drops(now);
    stopping = stopping_;
  }
  resolve_new_pids();
  std::vector<Open> due;
  {
    std::lock_guard lock(mu_);
    attach_maps();
    // Stopping: windows are handed over by finish(), with their final ends.
    if (!stopping) due = take_due(now, false);
  }
  deliver(std::move(due));
  return stopping && all_eof;
}

void Reader::finish(std::uint64_t end_ns) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    while (!pass()) {
    }
  }
  std::vector<Open> all;
  {
    std::lock_guard lock(mu_);
    for (Open& o : open_)
      if (o.window->end_ns == kOpenEnded || o.window->end_ns > end_ns)
        o.window->end_ns = std::max(end_ns, o.window->start_ns);
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

void Reader::end_window(const std::shared_ptr<Window>& w, std::uint64_t at_ns) {
  std::lock_guard lock(mu_);
  for (Open& o : open_)
    if (o.window == w) o.window->end_ns = at_ns;
}

void Reader::note_change(const std::string& what, bool filters) {
  const std::uint64_t now = clock_.monotonic_ns();
  std::lock_guard lock(mu_);
  for (Open& o : open_) {
    // Only the windows the change falls in: not one that ended already (in
    // its grace period), nor one booked to start later (wholly after it).
    if (now < o.window->start_ns || now >= o.window->end_ns) continue;
    o.window->changes.push_back(what);
    o.window->filters_changed = o.window->filters_changed || filters;
  }
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
    if (len < 2 + kRecordHeaderWords || di + len > r.data.size() || ti >= r.tags.size())
      throw std::logic_error("Reader: malformed ProfBuf record");
    const std::uint64_t time = r.data[di + 1];
    const auto hdr = r.data.subspan(di + 2, kRecordHeaderWords);
    const auto stack = r.data.subspan(di + 2 + kRecordHeaderWords,
                                      len - 2 - kRecordHeaderWords);
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

void Reader::add_sample(std::size_t cpu, std::uint64_t time,
                        std::span<const std::uint64_t> hdr,
                        std::span<const std::uint64_t> stack, const void* tag) {
  bump(samples_);
  const HeaderWords words(hdr.data(), kRecordHeaderWords);
  // Only the fields used here: the per-record hooks below unpack their own.
  const RecordHeader h = RecordHeader::unpack(words);
  if (h.stack.unavailable(h.pid)) bump(stack_unavailable_);
  if (const auto t = truncation_index(h.stack.user_status)) bump(truncated_[*t]);
  const KindRecipe kind = h.kind < kinds_.size() ? kinds_[h.kind] : KindRecipe{};
  if (kind.accumulators == 0) {
    bump(unknown_kind_);
    return;
  }
  const auto& task = *static_cast<const TaskIdentity*>(tag);
  // Key: pid/tid, task id, flags and the program's epoch, cgroup, stack info,
  // frames. The CPU is left out so the same stack on two CPUs aggregates. The
  // decoder bounded the stack to kMaxStackWords.
  const std::uint16_t epoch = h.pid != 0 ? processes_.epoch(h.pid, time) : 0;
  key_[StackTable::kPidTidWord] = hdr[0];
  key_[StackTable::kTaskWord] = StackTable::task_word(task.id, h.flags, epoch);
  key_[StackTable::kCgroupWord] = h.cgroup_id;
  key_[StackTable::kInfoWord] = hdr[4];
  const std::size_t nframes = std::min(stack.size(), kMaxStackWords);
  std::copy_n(stack.begin(), nframes, key_.begin() + StackTable::kFixedWords);
  const std::span<const std::uint64_t> key(key_.data(), StackTable::kFixedWords + nframes);
  std::array<std::uint64_t, StackTable::kMaxAccumulators> acc;
  acc[0] = kind.value_bits & 1 ? h.value : 1;
  for (std::size_t i = 1; i < kind.accumulators; ++i)
    acc[i] = kind.value_bits >> i & 1 ? h.value : 1;
  for (Open& o : open_) {
    Window& w = *o.window;
    if (w.kind != h.kind || !w.contains(time)) continue;
    if (!w.pids.empty() && std::find(w.pids.begin(), w.pids.end(), h.pid) == w.pids.end())
      continue;
    ++w.records_by_cpu[cpu];
    if (w.books) w.books->note(words, time, key);
    std::array<std::uint64_t, StackTable::kMaxAccumulators> clipped;
    const std::uint64_t* v = acc.data();
    if (kind.span_bits != 0 && time >= w.start_ns && time - w.start_ns < h.value) {
      clipped = acc;
      for (std::size_t i = 0; i < kind.accumulators; ++i)
        if (kind.span_bits >> i & 1) clipped[i] = time - w.start_ns;
      v = clipped.data();
    }
    const std::span<const std::uint64_t> values(v, w.stacks.accumulators());
    if (w.stacks.add(key, values)) note_new_stack(w, h.pid, epoch, time, task);
  }
}

void Reader::note_new_stack(Window& w, std::uint32_t pid, std::uint16_t epoch,
                            std::uint64_t time, const TaskIdentity& task) {
  w.tasks.try_emplace(task.id, task.comm);
  // The maps are read after this drain, outside the lock (resolve_new_pids);
  // until then the window holds a null placeholder.
  const ProcessKey key = process_key(pid, epoch);
  if (pid != 0 && w.maps.try_emplace(key, nullptr).second) new_pids_.push_back({key, time});
}

void Reader::add_overflow(std::size_t cpu, std::uint64_t time, std::uint64_t count) {
  bump(lost_, count);
  bump(profbuf_overflow_, count);
  // An overflow record has no header: what kind the discarded records were is
  // unknown, so every window open at its time is charged (an upper bound).
  for (Open& o : open_)
    if (o.window->contains(time)) o.window->profbuf_overflow_by_cpu[cpu] += count;
}

void Reader::account_drops(std::uint64_t now) {
  if (!drops_) return;
  const std::vector<std::uint64_t> totals = drops_();
  for (std::size_t kind = 0; kind < totals.size() && kind < drops_seen_.size(); ++kind) {
    if (totals[kind] <= drops_seen_[kind]) continue;
    const std::uint64_t delta = totals[kind] - drops_seen_[kind];
    drops_seen_[kind] = totals[kind];
    bump(lost_, delta);
    bump(ringbuf_full_, delta);
    // A failed reservation has no timestamp: it is charged to the windows of its
    // kind open now. Between two file windows (the grace period) "now" may lie
    // past every end: then the newest window of the kind takes it rather than
    // lose the count.
    Window* newest = nullptr;
    bool charged = false;
    for (Open& o : open_) {
      if (o.window->kind != kind) continue;
      newest = o.window.get();
      if (o.window->contains(now)) {
        o.window->ringbuf_full += delta;
        charged = true;
      }
    }
    if (!charged && newest) newest->ringbuf_full += delta;
  }
}

void Reader::resolve_new_pids() {
  // One snapshot per program (pid and epoch) and drain, of the program the
  // pid ran at its earliest record here: a window names all of one program's
  // stacks from one snapshot.
  std::sort(new_pids_.begin(), new_pids_.end());
  new_pids_.erase(std::unique(new_pids_.begin(), new_pids_.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  new_pids_.end());
  for (const auto& [key, time] : new_pids_)
    resolved_.emplace_back(key, processes_.get(key_pid(key), time));
  new_pids_.clear();
}

void Reader::attach_maps() {
  if (resolved_.empty()) return;
  for (Open& o : open_) {
    auto& maps = o.window->maps;
    for (const auto& [key, snapshot] : resolved_) {
      auto it = maps.find(key);
      if (it != maps.end() && !it->second) {
        it->second = snapshot.maps;
        o.window->identities[key] = snapshot.identity;
      }
    }
  }
  resolved_.clear();
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
