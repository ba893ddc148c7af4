#include "kinds/heap/heap_probes.h"

#include <bpf/bpf.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "common/file_text.h"
#include "kinds/heap/libc_path.h"

namespace profbufd::kinds::heap {

namespace {

// The pid's keys of heap_live, each once. Entries deleted during the walk
// (frees) may send the kernel back to the first key: the walk is bounded by
// the map's size and its repeats are dropped.
std::vector<profbufd_heap_live_key> live_keys(int fd, std::uint32_t pid) {
  std::vector<profbufd_heap_live_key> keys;
  profbufd_heap_live_key key{}, next{};
  const void* prev = nullptr;
  for (std::size_t n = 0; n < PROFBUFD_HEAP_LIVE_MAX; ++n) {
    if (bpf_map_get_next_key(fd, prev, &next) != 0) break;
    key = next;
    prev = &key;
    if (key.pid == pid) keys.push_back(key);
  }
  const auto less = [](const auto& a, const auto& b) { return a.ptr < b.ptr; };
  const auto same = [](const auto& a, const auto& b) { return a.ptr == b.ptr; };
  std::sort(keys.begin(), keys.end(), less);
  keys.erase(std::unique(keys.begin(), keys.end(), same), keys.end());
  return keys;
}

// Drops the pid's live entries (its probes are going: no free is seen after).
void forget_live(int fd, std::uint32_t pid) {
  for (const auto& k : live_keys(fd, pid)) bpf_map_delete_elem(fd, &k);
}

}  // namespace

HeapProbes::HeapProbes(Programs programs, std::shared_ptr<const void> object, Maps maps,
                       std::string proc)
    : programs_(programs),
      object_(std::move(object)),
      counters_fd_(Fd::duplicate(maps.counters_fd)),
      live_fd_(std::make_shared<const Fd>(Fd::duplicate(maps.live_fd))),
      proc_(std::move(proc)) {}

Hold HeapProbes::acquire(std::uint32_t pid, bool in_use) {
  std::lock_guard lock(mu_);
  if (detached_)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, "heap profile", "profbufd is stopping"));
  Hold entries = shared(pid, false);
  if (!in_use || entries.refusal != Hold::Refusal::kNone) return entries;
  Hold frees = shared(pid, true);
  if (frees.refusal != Hold::Refusal::kNone) return frees;
  using Both = std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>;
  return Hold::held(std::make_shared<const Both>(std::move(entries.keep), std::move(frees.keep)));
}

// Called with mu_ held.
Hold HeapProbes::shared(std::uint32_t pid, bool in_use) {
  const auto key = std::make_pair(pid, in_use);
  if (auto it = attached_.find(key); it != attached_.end())
    if (auto held = it->second.lock()) return Hold::held(std::move(held));
  Hold h = attach(pid, in_use);
  if (h.refusal == Hold::Refusal::kNone)
    attached_[key] =
        std::static_pointer_cast<capture::LinkSet>(std::const_pointer_cast<void>(h.keep));
  return h;
}

std::vector<HeapProbes::Probe> HeapProbes::probes(bool in_use) const {
  const Programs& p = programs_;
  // aligned_alloc is memalign in glibc (one address: one probe for both).
  if (!in_use)
    return {{p.on_malloc, "malloc", false},
            {p.on_calloc, "calloc", false},
            {p.on_realloc, "realloc", false},
            {p.on_aligned_alloc, "aligned_alloc", false},
            {p.on_posix_memalign, "posix_memalign", false},
            {p.on_valloc, "valloc", false},
            {p.on_valloc, "pvalloc", false}};
  return {{p.on_alloc_return, "malloc", true},
          {p.on_alloc_return, "calloc", true},
          {p.on_alloc_return, "realloc", true},
          {p.on_alloc_return, "aligned_alloc", true},
          {p.on_posix_memalign_return, "posix_memalign", true},
          {p.on_alloc_return, "valloc", true},
          {p.on_alloc_return, "pvalloc", true},
          {p.on_free, "free", false}};
}

// The path of the glibc `pid` maps, through its root (so that a container's
// libc is the one probed), or why there is none.
std::variant<std::string, Hold> HeapProbes::libc_of(std::uint32_t pid,
                                                    const std::string& what) const {
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
  return dir + "/root" + *libc;
}

// Called with mu_ held.
Hold HeapProbes::attach(std::uint32_t pid, bool in_use) {
  const std::string what = "heap profile of pid " + std::to_string(pid);
  auto libc = libc_of(pid, what);
  if (Hold* refused = std::get_if<Hold>(&libc)) return std::move(*refused);
  const std::string& path = std::get<std::string>(libc);
  std::vector<bpf_link*> links;
  for (const Probe& p : probes(in_use)) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = p.retprobe, .func_name = p.func);
    bpf_link* l = bpf_program__attach_uprobe_opts(p.prog, static_cast<pid_t>(pid), path.c_str(), 0,
                                                  &opts);
    if (l == nullptr) {
      const int err = errno;
      for (bpf_link* done : links) bpf_link__destroy(done);
      return Hold::refused(Hold::Refusal::kUnsupported,
                           make_error(ExitCode::kBpfLoad, what,
                                      std::string("attaching a ") +
                                          (p.retprobe ? "uretprobe" : "uprobe") + " to " + p.func +
                                          " in " + path + ": " + std::strerror(err)));
    }
    links.push_back(l);
  }
  // Only the in-use set's going makes heap_live's entries of the pid stale.
  std::function<void()> forget;
  if (in_use && *live_fd_) forget = [fd = live_fd_, pid] { forget_live(fd->get(), pid); };
  return Hold::held(std::make_shared<capture::LinkSet>(std::move(links), object_, std::move(forget)));
}

void HeapProbes::detach_all() {
  std::lock_guard lock(mu_);
  detached_ = true;
  for (auto& [key, weak] : attached_)
    if (auto p = weak.lock()) p->unlink();
  attached_.clear();
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
    sum.live_full += c.live_full;
    sum.freed += c.freed;
  }
  return sum;
}

std::vector<profbufd_heap_live> HeapProbes::live(std::uint32_t pid) const {
  std::vector<profbufd_heap_live> out;
  if (!*live_fd_) return out;
  const int fd = live_fd_->get();
  for (const auto& k : live_keys(fd, pid)) {
    profbufd_heap_live v{};
    if (bpf_map_lookup_elem(fd, &k, &v) == 0) out.push_back(v);
  }
  return out;
}

}  // namespace profbufd::kinds::heap
