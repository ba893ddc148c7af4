#include "kinds/cpu/perf_events.h"

#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace profbufd::kinds::cpu {
namespace {

int perf_event_open(perf_event_attr* attr, int cpu) {
  // pid -1 + cpu N: every task that runs on CPU N (system-wide, per CPU).
  return static_cast<int>(
      syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

Error perf_error(int err, int cpu, unsigned frequency_hz, const char* step) {
  const std::string what = std::string(step) + " on CPU " + std::to_string(cpu);
  const std::string why = std::strerror(err);
  if (err == EPERM || err == EACCES)
    return make_error(ExitCode::kNoPrivilege, what, why,
                      "run as root or grant CAP_PERFMON and CAP_BPF");
  if (err == EINVAL)
    return make_error(ExitCode::kBpfLoad, what, why,
                      "is " + std::to_string(frequency_hz) +
                          " Hz above kernel.perf_event_max_sample_rate?");
  return make_error(ExitCode::kBpfLoad, what, why);
}

}  // namespace

PerfEventSet::PerfEventSet(PerfEventSet&& o) noexcept
    : cpus_(std::move(o.cpus_)), fds_(std::move(o.fds_)), links_(std::move(o.links_)) {
  o.cpus_.clear();
  o.fds_.clear();
  o.links_.clear();
}

PerfEventSet& PerfEventSet::operator=(PerfEventSet&& o) noexcept {
  if (this != &o) {
    detach();
    cpus_ = std::exchange(o.cpus_, {});
    fds_ = std::exchange(o.fds_, {});
    links_ = std::exchange(o.links_, {});
  }
  return *this;
}

Result<PerfEventSet> PerfEventSet::open(bpf_program* prog, const std::vector<int>& cpus,
                                        unsigned frequency_hz) {
  PerfEventSet set;  // on any error below, its destructor undoes the CPUs done
  for (int cpu : cpus) {
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.freq = 1;
    attr.sample_freq = frequency_hz;
    const int fd = perf_event_open(&attr, cpu);
    if (fd < 0) {
      const int err = errno;
      if (err == ENODEV) continue;  // CPU went offline since the list was read
      return perf_error(err, cpu, frequency_hz, "perf_event_open(cpu-clock)");
    }
    bpf_link* link = bpf_program__attach_perf_event(prog, fd);
    if (link == nullptr) {
      const int err = errno;
      ::close(fd);
      return perf_error(err, cpu, frequency_hz, "attaching the BPF program to perf event");
    }
    set.cpus_.push_back(cpu);
    set.fds_.push_back(fd);
    set.links_.push_back(link);
  }
  if (set.cpus_.empty())
    return make_error(ExitCode::kBpfLoad, "perf_event_open(cpu-clock)",
                      "no online CPU accepted a perf event");
  return set;
}

void PerfEventSet::detach() {
  // Once attached, the perf event fd belongs to its link: bpf_link__destroy
  // disables the event and closes that fd itself (libbpf's perf link detach).
  // Closing it again here would close whatever file another thread (reader,
  // sink) has meanwhile been given under the same number.
  for (bpf_link* l : links_) bpf_link__destroy(l);
  links_.clear();
  fds_.clear();
  cpus_.clear();
}

}  // namespace profbufd::kinds::cpu
