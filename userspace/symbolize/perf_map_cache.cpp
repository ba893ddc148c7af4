#include "symbolize/perf_map_cache.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/fd.h"
#include "common/file_text.h"
#include "metrics/process_stats.h"
#include "process/process_identity.h"

namespace profbufd::symbolize {

namespace {

// `rel` under `root` as if `root` were "/": absolute symlinks and ".." stay
// inside it (openat2 RESOLVE_IN_ROOT, Linux 5.6). Older kernels get openat,
// which still refuses a symlink as the last component.
Fd open_in_root(const std::string& root, const std::string& rel) {
  Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return Fd();
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  open_how how{};
  how.flags = kFlags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = ::openat(dir.get(), rel.c_str(), kFlags);
  return Fd(static_cast<int>(fd));
}

}  // namespace

PerfMapCache::PerfMapCache(Options options)
    : options_(std::move(options)),
      processes_(std::make_unique<LruCache<std::uint32_t, Process>>(options_.max_processes,
                                                                    options_.max_bytes)) {}

PerfMapCache::~PerfMapCache() = default;

std::optional<std::string> PerfMapCache::find(std::uint32_t pid, std::uint64_t addr) {
  const Clock::time_point now = Clock::now();
  Process* p = current(pid, now);
  if (const auto s = p->map.find(addr)) return std::string(s->name);
  p = reread_if_changed(pid, *p, now);
  if (p == nullptr) return std::nullopt;
  if (const auto s = p->map.find(addr)) return std::string(s->name);
  return std::nullopt;
}

PerfMapCache::Stats PerfMapCache::stats() const {
  Stats s = stats_;
  s.evicted = processes_->evictions();
  s.processes = processes_->size();
  s.bytes = processes_->weight();
  return s;
}

PerfMapCache::Process* PerfMapCache::current(std::uint32_t pid, Clock::time_point now) {
  Process* p = processes_->get(pid);
  if (p != nullptr && now - p->checked_at < options_.recheck) return p;
  if (p != nullptr) {
    // 0: the process is gone; what it wrote is still the best name for its samples.
    const std::uint64_t st = start_time(pid);
    if (st == 0 || st == p->start_time) {
      p->checked_at = now;
      return p;
    }
  }
  return load(pid, now);
}

PerfMapCache::Process* PerfMapCache::load(std::uint32_t pid, Clock::time_point now) {
  Process p;
  p.start_time = start_time(pid);
  std::uint32_t nspid = pid;
  if (options_.procfs_root.empty()) {
    p.root = "/";
  } else {
    const std::string dir = options_.procfs_root + "/" + std::to_string(pid);
    if (const FileText status = read_file_text(dir + "/status"); status.err == 0)
      if (const auto ns = parse_nspid(status.text); !ns.empty()) nspid = ns.back();
    p.root = dir + "/root";
  }
  p.rel = "tmp/perf-" + std::to_string(nspid) + ".map";
  p.checked_at = p.read_at = now;
  refresh(pid, p);
  const std::size_t weight = sizeof(Process) + p.map.memory_bytes();
  return &processes_->put(pid, std::move(p), weight);
}

PerfMapCache::Process* PerfMapCache::reread_if_changed(std::uint32_t pid, Process& p,
                                                       Clock::time_point now) {
  if (now - p.read_at < options_.recheck) return nullptr;
  p.read_at = now;
  if (!refresh(pid, p)) return nullptr;
  ++stats_.rereads;
  const std::size_t weight = sizeof(Process) + p.map.memory_bytes();
  Process moved = std::move(p);
  return &processes_->put(pid, std::move(moved), weight);
}

PerfMapCache::FileStamp PerfMapCache::stamp(std::uint32_t pid, int fd) const {
  FileStamp s;
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return s;
  // The owner of procfs_root/<pid> is the process's effective uid.
  struct stat owner {};
  const bool owned =
      options_.procfs_root.empty() ||
      (::stat((options_.procfs_root + "/" + std::to_string(pid)).c_str(), &owner) == 0 &&
       owner.st_uid == st.st_uid);
  if (!S_ISREG(st.st_mode) || !owned) {
    s.rejected = true;
    return s;
  }
  s.present = true;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.inode = st.st_ino;
  s.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

bool PerfMapCache::refresh(std::uint32_t pid, Process& p) {
  const Fd fd = open_in_root(p.root, p.rel);
  const FileStamp s = stamp(pid, fd.get());
  if (s == p.stamp) return false;
  p.stamp = s;
  p.map = PerfMap();
  if (s.rejected) ++stats_.rejected;
  if (!s.present) return true;
  auto read = PerfMap::read_fd(fd.get(), s.size, options_.limits);
  if (!read) return true;  // a read error: as if absent, until the file changes
  p.map = std::move(read).value();
  ++stats_.reads;
  const PerfMapCounts& c = p.map.counts();
  stats_.lines_malformed += c.malformed;
  stats_.lines_dropped += c.dropped;
  stats_.bytes_skipped += c.skipped_bytes;
  stats_.names_truncated += c.names_truncated;
  return true;
}

std::uint64_t PerfMapCache::start_time(std::uint32_t pid) const {
  if (options_.procfs_root.empty()) return 0;
  const FileText text =
      read_file_text(options_.procfs_root + "/" + std::to_string(pid) + "/stat");
  if (text.err != 0) return 0;
  const auto stat = metrics::parse_proc_pid_stat(text.text);
  return stat ? stat->starttime_ticks : 0;
}

}  // namespace profbufd::symbolize
