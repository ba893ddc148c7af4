#include "kinds/heap/heap_probes.h"

#include <bpf/bpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/file_text.h"
#include "kinds/heap/libc_path.h"

namespace profbufd::kinds::heap {

// The links of one process's probes; destroyed with the last Hold of them.
class PidProbes {
 public:
  PidProbes(std::vector<bpf_link*> links, std::shared_ptr<const void> object)
      : links_(std::move(links)), object_(std::move(object)) {}
  ~PidProbes() { detach(); }
  void detach() {
    std::lock_guard lock(mu_);
    for (bpf_link* l : links_) bpf_link__destroy(l);
    links_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<bpf_link*> links_;  // guarded by mu_
  const std::shared_ptr<const void> object_;  // outlives the links (member order)
};

HeapProbes::HeapProbes(Programs programs, std::shared_ptr<const void> object, int counters_fd,
                       std::string proc)
    : programs_(programs),
      object_(std::move(object)),
      counters_fd_(counters_fd < 0 ? -1 : fcntl(counters_fd, F_DUPFD_CLOEXEC, 0)),
      proc_(std::move(proc)) {}

Hold HeapProbes::acquire(std::uint32_t pid) {
  std::lock_guard lock(mu_);
  if (detached_)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, "heap profile", "profbufd is stopping"));
  if (auto it = live_.find(pid); it != live_.end())
    if (auto held = it->second.lock()) return Hold::held(std::move(held));
  Hold h = attach(pid);
  if (h.refusal == Hold::Refusal::kNone)
    live_[pid] = std::static_pointer_cast<PidProbes>(std::const_pointer_cast<void>(h.keep));
  return h;
}

// Called with mu_ held.
Hold HeapProbes::attach(std::uint32_t pid) {
  const std::string what = "heap profile of pid " + std::to_string(pid);
  const std::string dir = proc_ + "/" + std::to_string(pid);
  const FileText maps = read_file_text(dir + "/maps");
  if (maps.err == ENOENT || maps.err == ESRCH)
    return Hold::refused(Hold::Refusal::kNoProcess,
                         make_error(ExitCode::kUsage, what, "no such process"));
  if (maps.err != 0)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, what,
                                    "reading its maps: " + std::string(std::strerror(maps.err))));
  const auto libc = find_libc(maps.text);
  if (!libc)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, what, "it maps no glibc (libc.so.6)",
                                    "static binaries and other C libraries are not probed"));
  // Through the process's root, so that a container's libc is the one probed.
  const std::string path = dir + "/root" + *libc;
  std::vector<bpf_link*> links;
  const std::pair<bpf_program*, const char*> probes[] = {{programs_.on_malloc, "malloc"},
                                                         {programs_.on_calloc, "calloc"},
                                                         {programs_.on_realloc, "realloc"}};
  for (const auto& [prog, func] : probes) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func);
    bpf_link* l = bpf_program__attach_uprobe_opts(prog, static_cast<pid_t>(pid), path.c_str(), 0,
                                                  &opts);
    if (l == nullptr) {
      const int err = errno;
      for (bpf_link* done : links) bpf_link__destroy(done);
      return Hold::refused(Hold::Refusal::kUnsupported,
                           make_error(ExitCode::kBpfLoad, what,
                                      std::string("attaching a uprobe to ") + func + " in " +
                                          *libc + ": " + std::strerror(err)));
    }
    links.push_back(l);
  }
  return Hold::held(std::make_shared<PidProbes>(std::move(links), object_));
}

void HeapProbes::detach_all() {
  std::lock_guard lock(mu_);
  detached_ = true;
  for (auto& [pid, weak] : live_)
    if (auto p = weak.lock()) p->detach();
  live_.clear();
}

profbufd_heap_counters HeapProbes::counters() const {
  profbufd_heap_counters sum{};
  const int possible = libbpf_num_possible_cpus();
  if (!counters_fd_ || possible <= 0) return sum;
  std::vector<profbufd_heap_counters> per_cpu(static_cast<std::size_t>(possible));
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(counters_fd_.get(), &zero, per_cpu.data()) != 0) return sum;
  for (const auto& c : per_cpu) {
    sum.calls += c.calls;
    sum.bytes += c.bytes;
    sum.untracked += c.untracked;
  }
  return sum;
}

}  // namespace profbufd::kinds::heap
