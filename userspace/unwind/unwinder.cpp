#include "unwind/unwinder.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "unwind/build_order.h"
#include "unwind/cfi_rows.h"
#include "unwind/walker_reports.h"
#include "process/binary_path.h"

namespace profbufd::unwind {
namespace {

constexpr std::uint64_t kSweepNs = 5'000'000'000ULL;
// Also how soon a wanted table is noticed when its wake-up event was lost.
constexpr int kIdlePollMs = 200;

Error sys_error(const char* what, int err) {
  return make_error(ExitCode::kRuntime, std::string("unwinder: ") + what, std::strerror(err));
}

}  // namespace

Unwinder::Unwinder(Fds fds, Options options, const Clock& clock)
    : fds_(fds), options_(std::move(options)), clock_(clock), io_(fds.maps),
      store_(io_, options_.limits, clock), binaries_(options_.procfs_root),
      publisher_(io_, store_, binaries_, options_.procfs_root), py_io_(fds.py_procs) {
  if (options_.python && fds.py_procs >= 0)
    python_ = std::make_unique<python::Processes>(py_io_, options_.python, options_.procfs_root);
}

bool Unwinder::publish(std::uint32_t pid, std::uint64_t start_time,
                       std::vector<TableBuild>& builds) {
  ProcessMaps maps;
  if (!publisher_.publish(pid, start_time, builds, python_ ? &maps : nullptr)) return false;
  if (python_) python_->found(pid, start_time, maps);
  return true;
}

void Unwinder::forget(std::uint32_t pid, bool remove) {
  publisher_.forget(pid, remove);
  if (python_) python_->forget(pid, remove);
}

Result<std::unique_ptr<Unwinder>> Unwinder::create(Fds fds, Options options, const Clock& clock) {
  std::unique_ptr<Unwinder> u(new Unwinder(fds, std::move(options), clock));
  u->rb_ = ring_buffer__new(fds.events, &Unwinder::on_event, u.get(), nullptr);
  if (u->rb_ == nullptr) return sys_error("ring_buffer__new", errno);
  u->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (u->stop_fd_ < 0) return sys_error("eventfd", errno);
  u->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (u->epoll_fd_ < 0) return sys_error("epoll_create1", errno);
  auto builder = TableBuilder::create();
  if (!builder) return builder.error();
  u->builder_ = std::move(builder).value();
  for (int fd : {ring_buffer__epoll_fd(u->rb_), u->stop_fd_, u->builder_->ready_fd()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(u->epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl", errno);
  }
  return u;
}

Unwinder::~Unwinder() {
  stop();
  builder_.reset();  // before the index whose vDSO image it may be reading
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void Unwinder::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Unwinder::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
}

int Unwinder::on_event(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<Unwinder*>(ctx);
  if (size >= sizeof(uw_event)) {
    uw_event e;
    std::memcpy(&e, data, sizeof e);
    self->events_.push_back(e);
  }
  return 0;
}

int Unwinder::poll_timeout_ms() const {
  std::uint64_t wait_ns = std::uint64_t{kIdlePollMs} * 1'000'000;
  const std::uint64_t now = clock_.monotonic_ns();
  for (const Deferred& d : deferred_)
    wait_ns = std::min(wait_ns, d.at_ns > now ? d.at_ns - now : 0);
  return static_cast<int>((wait_ns + 999'999) / 1'000'000);
}

void Unwinder::run() {
  for (;;) {
    epoll_event ev[3];
    const int n = epoll_wait(epoll_fd_, ev, 3, poll_timeout_ms());
    for (int i = 0; i < n; ++i) {
      if (ev[i].data.fd == stop_fd_) return;
      if (ev[i].data.fd == builder_->ready_fd()) finish_build();
    }
    ring_buffer__consume(rb_);
    for (const uw_event& e : events_) handle(e);
    local_.events += events_.size();
    events_.clear();
    retry_deferred();
    if (!queue_.empty() && !builder_->busy()) start_build();
    if (clock_.monotonic_ns() >= next_sweep_ns_) sweep();
    publish_stats();
  }
}

// Demand is read from a shared mapping: a load per queued bin.
std::optional<TableBuild> Unwinder::take_next_build() {
  const auto best = next_build(queue_, [this](std::uint32_t bin) { return io_.demand(bin); });
  if (best == queue_.end()) return std::nullopt;
  TableBuild b = std::move(*best);
  queue_.erase(best);
  return b;
}

// A binary queued already takes the newer process's mapping: tables are
// built only once a walk needs them, and by then the process that first
// mapped it may be gone (its files with it), while the newer one is likelier
// to live.
void Unwinder::enqueue(std::vector<TableBuild>& builds) {
  for (TableBuild& b : builds) {
    if (queued_.insert(b.key).second) {
      queue_.push_back(std::move(b));
      continue;
    }
    for (TableBuild& q : queue_)
      if (q.key == b.key) {
        q.pid = b.pid;
        q.entry = b.entry;
        break;
      }
  }
}

void Unwinder::handle(const uw_event& e) {
  if (e.kind == UW_EVENT_TABLE_WANTED) return;  // the loop starts the build
  if (const auto end = end_of(e)) {
    if (options_.ends) options_.ends->add(*end);
    forget(e.pid, false);
    return;
  }
  std::vector<TableBuild> builds;
  if (!publish(e.pid, e.start_time, builds)) return;  // gone: counted
  enqueue(builds);
}

void Unwinder::prime(std::uint32_t pid) {
  std::vector<TableBuild> builds;
  // Its start time is not known here (procfs gives it in clock ticks): 0 lets
  // the first walk fill it in (bpf/unwind.h).
  if (!publish(pid, 0, builds)) return;
  enqueue(builds);
  while (!queue_.empty()) {
    const TableBuild b = std::move(queue_.front());
    queue_.pop_front();
    build_now(b);
  }
  publish_stats();
}

// The build's work, for another thread: it holds copies of what it needs
// (the vDSO image lives as long as the index, which outlives the builder).
TableBuilder::Work Unwinder::work_of(const TableBuild& b) const {
  if (b.vdso)
    return [image = binaries_.vdso_image()] { return build_cfi_table_image(image, "[vdso]"); };
  return [root = options_.procfs_root, b]() -> Result<CfiTable> {
    auto fd = symbolize::open_mapped_file(root, b.pid, b.entry);
    if (!fd) return fd.error();
    return build_cfi_table_fd(fd->get(), b.entry.path);
  };
}

void Unwinder::build_now(const TableBuild& b) {
  const std::uint64_t t0 = clock_.monotonic_ns();
  Result<CfiTable> table = work_of(b)();
  built(b, std::move(table), clock_.monotonic_ns() - t0);
}

void Unwinder::start_build() {
  std::optional<TableBuild> b = take_next_build();
  if (!b) return;
  TableBuilder::Work work = work_of(*b);
  builder_->submit(std::move(*b), std::move(work));
}

void Unwinder::finish_build() {
  std::optional<TableBuilder::Done> d = builder_->take();
  if (d) built(d->build, std::move(d->table), d->build_ns);
}

void Unwinder::built(const TableBuild& b, Result<CfiTable> table, std::uint64_t build_ns) {
  if (!table) {
    queued_.erase(b.key);
    if (store_.owns(b.bin, b.key)) store_.abandon(b.bin);
    local_.build_ns += build_ns;
    ++local_.build_unreadable;
    return;
  }
  local_.eh_frame_bytes += table->stats.eh_frame_bytes + table->stats.debug_frame_bytes;
  local_.cfi_refused += table->stats.hostile_sections;
  load(b, std::move(table).value(), build_ns);
}

void Unwinder::load(const TableBuild& b, CfiTable table, std::uint64_t spent_ns) {
  const std::uint64_t t0 = clock_.monotonic_ns();
  if (!store_.owns(b.bin, b.key)) {  // its bin went to another binary while it was built
    queued_.erase(b.key);
    return;
  }
  Result<TableStore::Published> loaded = store_.publish(b.bin, table);
  local_.build_ns += spent_ns + (clock_.monotonic_ns() - t0);
  if (loaded && loaded->retry_at_ns != 0) {
    deferred_.push_back(Deferred{b, std::move(table), loaded->retry_at_ns});
    return;
  }
  queued_.erase(b.key);
  if (!loaded) {
    // No room is counted by the store; a table the walker's format cannot
    // hold (a page with more than UW_PAGE_MAX_ROWS rows) is NO_TABLE; a failed
    // write leaves it PENDING, and it is queued again by the next process.
    if (store_.state(b.bin) == UW_BIN_NO_TABLE) ++local_.build_invalid;
    store_.abandon(b.bin);
    return;
  }
  ++local_.builds;
}

void Unwinder::retry_deferred() {
  const std::uint64_t now = clock_.monotonic_ns();
  std::vector<Deferred> due;
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    if (it->at_ns <= now) {
      due.push_back(std::move(*it));
      it = deferred_.erase(it);
    } else {
      ++it;
    }
  }
  for (Deferred& d : due) load(d.build, std::move(d.table), 0);
}

void Unwinder::sweep() {
  next_sweep_ns_ = clock_.monotonic_ns() + kSweepNs;
  for (std::uint32_t pid : publisher_.pids())
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) forget(pid, true);
  store_.maintain();
}

void Unwinder::publish_stats() {
  local_.tables = store_.stats();
  local_.processes = publisher_.stats();
  if (python_) local_.python = python_->stats();
  local_.live_processes = publisher_.processes();
  std::uint64_t wanted = 0;
  for (const TableBuild& b : queue_) wanted += io_.demand(b.bin) > 0 ? 1 : 0;
  local_.pending_builds = wanted + deferred_.size() + (builder_->busy() ? 1 : 0);
  local_.unneeded_tables = queue_.size() - wanted;
  std::lock_guard lock(mu_);
  shared_ = local_;
}

UnwinderStats Unwinder::stats() const {
  UnwinderStats s;
  {
    std::lock_guard lock(mu_);
    s = shared_;
  }
  s.walker = sum_walker_counters(fds_.counters);
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus > 0 && fds_.py_counters >= 0) {
    std::vector<py_counters> per_cpu(static_cast<std::size_t>(ncpus));
    const std::uint32_t zero = 0;
    if (bpf_map_lookup_elem(fds_.py_counters, &zero, per_cpu.data()) == 0)
      for (const py_counters& c : per_cpu)
        for (int i = 0; i < PY_C__COUNT; ++i) s.python_walker.c[i] += c.c[i];
  }
  return s;
}

}  // namespace profbufd::unwind
