#include "capture/bpf_capture.h"
#include "capture/core_btf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "capture/cpu_list.h"
#include "capture/libbpf_log.h"
#include "cpu.skel.h"

namespace profbufd::capture {
namespace {

// Mirror of `struct cpu_counters` in bpf/profbufd.bpf.c (value of the
// PERCPU_ARRAY `counters`); open() checks the map's value size against it.
struct BpfCpuCounters {
  std::uint64_t seen;
  std::uint64_t dropped;
  std::uint64_t peak_used;
};

Error bpf_error(const std::string& what, int err, const LibbpfLogCapture& log) {
  err = err < 0 ? -err : err;
  std::string why = std::strerror(err);
  const std::string line = log.relevant_line();
  if (!line.empty()) why += " [" + line + "]";
  if (err == EPERM || err == EACCES)
    return make_error(ExitCode::kNoPrivilege, what, why,
                      "run as root or grant CAP_BPF and CAP_PERFMON");
  return make_error(ExitCode::kBpfLoad, what, why);
}

Status validate(const CaptureOptions& o) {
  if (o.frequency_hz == 0)
    return make_error(ExitCode::kUsage, "--frequency 0", "must be at least 1 Hz");
  if (o.pids.size() > kMaxPids)
    return make_error(ExitCode::kUsage, "--pid", std::to_string(o.pids.size()) + " pids given",
                      "at most " + std::to_string(kMaxPids));
  if (o.profbuf_size && o.profbuf_size->bufwords <
                            2 + kSampleHeaderWords + 2 * PROFBUFD_MAX_FRAMES)
    return make_error(ExitCode::kUsage, "ProfBuf size",
                      std::to_string(o.profbuf_size->bufwords) +
                          " words cannot hold one full-depth sample");
  if (o.max_task_identities == 0)
    return make_error(ExitCode::kUsage, "task identity bound", "must be at least 1");
  return ok_status();
}

}  // namespace

std::uint64_t CaptureStats::total_samples() const {
  std::uint64_t n = 0;
  for (const auto& c : cpus) n += c.samples;
  return n;
}

std::uint64_t CaptureStats::total_drops() const {
  std::uint64_t n = 0;
  for (const auto& c : cpus) n += c.ringbuf_drops;
  return n;
}

void Capture::SkelDeleter::operator()(profbufd_cpu_bpf* s) const { profbufd_cpu_bpf__destroy(s); }

Result<std::unique_ptr<Capture>> Capture::open(const CaptureOptions& options) {
  if (Status v = validate(options); !v) return v.error();
  std::unique_ptr<Capture> c(new Capture());
  if (Status s = c->load(options); !s) return s.error();
  return c;
}

Status Capture::load(const CaptureOptions& o) {
  LibbpfLogCapture log;

  auto online = read_cpu_list(o.cpu_online_path);
  if (!online) return online.error();
  const std::vector<int>& online_cpus = *online;

  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t page_bytes = page > 0 ? static_cast<std::size_t>(page) : 4096;
  ringbuf_bytes_ = o.ringbuf_bytes
                       ? round_ringbuf_bytes(*o.ringbuf_bytes, page_bytes)
                       : ringbuf_bytes_for(o.frequency_hz, online_cpus.size(),
                                           sizeof(profbufd_sample), page_bytes);
  if (ringbuf_bytes_ > (std::uint64_t{1} << 31))
    return make_error(ExitCode::kUsage, "ringbuf size " + std::to_string(ringbuf_bytes_),
                      "above the 2 GiB the kernel accepts");

  // open -> configure .rodata and map sizes -> load (verifier) -> fill maps.
  // Relocate against the build's minimized BTF when this is the build's kernel
  // (core_btf.h); it must stay open until the load below.
  const std::optional<CoreBtf> core_btf = CoreBtf::for_running_kernel();
  used_minimized_btf_ = core_btf.has_value();
  LIBBPF_OPTS(bpf_object_open_opts, open_opts,
              .btf_custom_path = core_btf ? core_btf->path().c_str() : nullptr);
  skel_.reset(profbufd_cpu_bpf__open_opts(&open_opts));
  if (!skel_) return bpf_error("opening the BPF object", errno, log);
  skel_->rodata->filter_pids = !o.pids.empty();
  skel_->rodata->no_idle = o.no_idle;
  skel_->rodata->wakeup_bytes = ringbuf_bytes_ / 4;
  if (int err = bpf_map__set_max_entries(skel_->maps.samples,
                                         static_cast<__u32>(ringbuf_bytes_));
      err != 0)
    return bpf_error("sizing the BPF ringbuf", err, log);
  if (int err = profbufd_cpu_bpf__load(skel_.get()); err != 0)
    return bpf_error("loading the BPF program", err, log);
  if (bpf_map__value_size(skel_->maps.counters) != sizeof(BpfCpuCounters))
    throw std::logic_error("bpf/profbufd.bpf.c cpu_counters layout != BpfCpuCounters");

  for (std::uint32_t pid : o.pids) {
    const std::uint8_t one = 1;
    if (int err = bpf_map__update_elem(skel_->maps.pids, &pid, sizeof(pid), &one,
                                       sizeof(one), BPF_ANY);
        err != 0)
      return bpf_error("adding pid " + std::to_string(pid) + " to the BPF filter", err, log);
  }

  // One ProfBuf per online CPU, indexed by id.
  profbuf_size_ = o.profbuf_size ? *o.profbuf_size
                                 : profbuf_size_for(o.frequency_hz, kSampleHeaderWords,
                                                    2 * PROFBUFD_MAX_FRAMES,
                                                    o.profbuf_sizing);
  buffers_.resize(static_cast<std::size_t>(online_cpus.back()) + 1);
  for (int cpu : online_cpus)
    buffers_[cpu] = std::make_unique<ProfBuf>(kSampleHeaderWords, profbuf_size_.bufwords,
                                              profbuf_size_.tags);
  std::vector<ProfBuf*> raw(buffers_.size(), nullptr);
  for (std::size_t i = 0; i < buffers_.size(); ++i) raw[i] = buffers_[i].get();

  interner_ = std::make_unique<TaskInterner>(o.max_task_identities);
  router_ = std::make_unique<SampleRouter>(raw, *interner_);
  auto loader = RingbufLoader::create(bpf_map__fd(skel_->maps.samples), *router_,
                                      o.drain_period);
  if (!loader) return loader.error();
  loader_ = std::move(loader.value());

  auto events = PerfEventSet::open(skel_->progs.on_cpu_clock, online_cpus, o.frequency_hz);
  if (!events) return events.error();
  events_ = std::move(events.value());
  cpus_ = events_.cpus();
  return ok_status();
}

Capture::~Capture() { stop(); }

ProfBuf& Capture::buffer(int cpu) {
  if (!std::binary_search(cpus_.begin(), cpus_.end(), cpu))
    throw std::out_of_range("Capture::buffer: CPU " + std::to_string(cpu) + " not sampled");
  return *buffers_[cpu];
}

void Capture::start() {
  if (!stopped_ && loader_) loader_->start();
}

void Capture::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Order matters: no new samples once the events are gone, then the loader's
  // final drain moves everything still in the ring, and only then may the
  // reader see EOF.
  events_.detach();
  if (loader_) loader_->stop();
  for (auto& b : buffers_)
    if (b) b->close();
}

CaptureStats Capture::stats() const {
  CaptureStats st;
  st.ringbuf_capacity_bytes = ringbuf_bytes_;

  std::vector<BpfCpuCounters> per_cpu;
  const int possible = libbpf_num_possible_cpus();
  if (skel_ && possible > 0) {
    per_cpu.resize(static_cast<std::size_t>(possible));
    const std::uint32_t zero = 0;
    // One lookup returns every CPU's copy of the PERCPU_ARRAY slot.
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &zero, per_cpu.data()) != 0) {
      per_cpu.clear();
      st.bpf_counters_ok = false;
    }
  } else {
    st.bpf_counters_ok = false;
  }

  for (int cpu : cpus_) {
    CpuCaptureStats c;
    c.cpu = cpu;
    c.samples = router_ ? router_->routed(static_cast<std::size_t>(cpu)) : 0;
    if (static_cast<std::size_t>(cpu) < per_cpu.size()) {
      c.bpf_seen = per_cpu[cpu].seen;
      c.ringbuf_drops = per_cpu[cpu].dropped;
    }
    st.cpus.push_back(c);
  }
  for (const auto& pc : per_cpu)
    st.ringbuf_peak_used_bytes = std::max(st.ringbuf_peak_used_bytes, pc.peak_used);
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
