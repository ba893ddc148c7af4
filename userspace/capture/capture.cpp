#include "capture/capture.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "capture/cpu_list.h"
#include "core/record.h"
#include "unwind.h"

namespace profbufd::capture {
namespace {

Status validate(const CaptureOptions& o) {
  if (o.records_per_cpu_second == 0)
    return make_error(ExitCode::kUsage, "expected record rate 0", "must be at least 1 per second");
  if (o.pids.size() > PROFBUFD_MAX_PIDS)
    return make_error(ExitCode::kUsage, "--pid", std::to_string(o.pids.size()) + " pids given",
                      "at most " + std::to_string(PROFBUFD_MAX_PIDS));
  if (o.cgroup_fds.size() > PROFBUFD_MAX_CGROUPS)
    return make_error(ExitCode::kUsage, "--cgroup",
                      std::to_string(o.cgroup_fds.size()) + " cgroups given",
                      "at most " + std::to_string(PROFBUFD_MAX_CGROUPS));
  if (o.profbuf_size && o.profbuf_size->bufwords < 2 + kRecordHeaderWords + kMaxStackWords)
    return make_error(ExitCode::kUsage, "ProfBuf size",
                      std::to_string(o.profbuf_size->bufwords) +
                          " words cannot hold one full-depth sample");
  if (o.max_task_identities == 0)
    return make_error(ExitCode::kUsage, "task identity bound", "must be at least 1");
  return ok_status();
}

}  // namespace

SharedMapSizes shared_map_sizes(std::uint64_t ringbuf_bytes, std::uint64_t unwind_table_bytes) {
  SharedMapSizes s;
  s.ringbuf_bytes = ringbuf_bytes;
  // A sixteenth for page entries (8 bytes per 4 KiB of code; node's are 7% of
  // its rows' bytes), a thirty-second for rules (8 bytes each, a few hundred
  // per binary: 2.4% of the rows' bytes over 1,600 Debian binaries), the rest
  // for rows.
  const std::uint64_t page_bytes = unwind_table_bytes / 16;
  const std::uint64_t rule_bytes = unwind_table_bytes / 32;
  s.uw_page_entries = static_cast<std::uint32_t>(page_bytes / sizeof(uw_page));
  s.uw_rule_entries = static_cast<std::uint32_t>(rule_bytes / sizeof(uw_rule));
  s.uw_row_blocks = static_cast<std::uint32_t>((unwind_table_bytes - page_bytes - rule_bytes) /
                                               sizeof(uw_block));
  return s;
}

std::uint64_t CaptureStats::total_samples() const {
  std::uint64_t n = 0;
  for (const auto& c : cpus) n += c.samples;
  return n;
}

std::uint64_t CaptureStats::total_drops() const {
  std::uint64_t n = 0;
  for (const auto& k : kinds) n += k.dropped;
  return n;
}

Result<std::unique_ptr<Capture>> Capture::open(const CaptureOptions& options) {
  if (Status v = validate(options); !v) return v.error();
  std::unique_ptr<Capture> c(new Capture());
  if (Status s = c->load(options); !s) return s.error();
  return c;
}

Status Capture::load(const CaptureOptions& o) {
  auto online = read_cpu_list(o.cpu_online_path);
  if (!online) return online.error();
  cpus_ = std::move(online).value();

  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t page_bytes = page > 0 ? static_cast<std::size_t>(page) : 4096;
  const std::uint64_t ring_bytes =
      o.ringbuf_bytes ? round_ringbuf_bytes(*o.ringbuf_bytes, page_bytes)
                      : ringbuf_bytes_for(o.records_per_cpu_second, cpus_.size(),
                                          sizeof(profbufd_sample), page_bytes);
  if (ring_bytes > (std::uint64_t{1} << 31))
    return make_error(ExitCode::kUsage, "ringbuf size " + std::to_string(ring_bytes),
                      "above the 2 GiB the kernel accepts");
  auto maps = SharedMaps::create(shared_map_sizes(ring_bytes, o.unwind_table_bytes));
  if (!maps) return maps.error();
  maps_.emplace(std::move(maps).value());
  if (Status s = maps_->set_filters(o.pids, o.cgroup_fds); !s) return s.error();

  // One ProfBuf per online CPU, indexed by id.
  profbuf_size_ = o.profbuf_size ? *o.profbuf_size
                                 : profbuf_size_for(o.records_per_cpu_second, kRecordHeaderWords,
                                                    kMaxStackWords, o.profbuf_sizing);
  buffers_.resize(static_cast<std::size_t>(cpus_.back()) + 1);
  for (int cpu : cpus_)
    buffers_[cpu] = std::make_unique<ProfBuf>(kRecordHeaderWords, profbuf_size_.bufwords,
                                              profbuf_size_.tags);
  const std::vector<ProfBuf*> raw = buffers();

  interner_ = std::make_unique<TaskInterner>(o.max_task_identities);
  router_ = std::make_unique<SampleRouter>(raw, *interner_);
  auto loader = RingbufLoader::create(maps_->ring_fd(), *router_, o.drain_period);
  if (!loader) return loader.error();
  loader_ = std::move(loader.value());
  return ok_status();
}

Capture::~Capture() { stop(); }

ProfBuf& Capture::buffer(int cpu) {
  if (!std::binary_search(cpus_.begin(), cpus_.end(), cpu))
    throw std::out_of_range("Capture::buffer: CPU " + std::to_string(cpu) + " has no buffer");
  return *buffers_[cpu];
}

std::vector<ProfBuf*> Capture::buffers() const {
  std::vector<ProfBuf*> raw(buffers_.size(), nullptr);
  for (std::size_t i = 0; i < buffers_.size(); ++i) raw[i] = buffers_[i].get();
  return raw;
}

AttachContext Capture::attach_context(const char* btf_custom_path, std::uint8_t unwind_mode,
                                      std::uint8_t python_walk) const {
  return AttachContext{*maps_, cpus_, btf_custom_path, maps_->ringbuf_bytes() / 4,
                       unwind_mode, python_walk};
}

Status Capture::set_filters(std::span<const std::uint32_t> pids,
                            std::span<const int> cgroup_fds) {
  return maps_->set_filters(pids, cgroup_fds);
}

Status Capture::set_frequency(unsigned hz) {
  std::lock_guard lock(attachments_mu_);
  for (auto& a : attachments_)
    if (Status s = a->set_frequency(hz); !s) return s;
  return ok_status();
}

void Capture::add(std::unique_ptr<Attachment> attachment) {
  std::lock_guard lock(attachments_mu_);
  // Too late to sample: detached at once, kept until destruction like the rest.
  if (stopped_) attachment->detach();
  attachments_.push_back(std::move(attachment));
}

void Capture::set_python_observer(PythonFrameObserver* observer) {
  router_->set_python_observer(observer);
}

void Capture::start() {
  std::lock_guard lock(attachments_mu_);
  if (!stopped_ && loader_) loader_->start();
}

void Capture::stop() {
  {
    std::lock_guard lock(attachments_mu_);
    if (stopped_) return;
    stopped_ = true;
    // Order matters: no new records once every kind is detached, then the
    // loader's final drain moves everything still in the ring, and only then
    // may the reader see EOF.
    for (auto& a : attachments_) a->detach();
  }
  if (loader_) loader_->stop();
  for (auto& b : buffers_)
    if (b) b->close();
}

CaptureStats Capture::stats() const {
  CaptureStats st;
  st.ringbuf_capacity_bytes = maps_ ? maps_->ringbuf_bytes() : 0;
  st.kinds.resize(PROFBUFD_MAX_KINDS);
  for (std::uint32_t kind = 0; maps_ && kind < PROFBUFD_MAX_KINDS; ++kind) {
    const std::vector<profbufd_counters> per_cpu = maps_->counters(kind);
    if (per_cpu.empty()) st.bpf_counters_ok = false;
    for (const profbufd_counters& c : per_cpu) {
      st.kinds[kind].seen += c.seen;
      st.kinds[kind].dropped += c.dropped;
      st.ringbuf_peak_used_bytes = std::max<std::uint64_t>(st.ringbuf_peak_used_bytes, c.peak_used);
    }
  }
  if (!maps_) st.bpf_counters_ok = false;
  for (int cpu : cpus_)
    st.cpus.push_back({cpu, router_ ? router_->routed(static_cast<std::size_t>(cpu)) : 0});
  if (router_) {
    st.malformed_records = router_->malformed();
    st.misrouted_records = router_->misrouted();
  }
  if (interner_) {
    st.task_identities = interner_->size();
    st.task_identity_overflow = interner_->overflowed();
  }
  if (loader_) {
    st.loader_drains = loader_->drains();
    st.loader_errno = loader_->failed_errno();
  }
  return st;
}

}  // namespace profbufd::capture
