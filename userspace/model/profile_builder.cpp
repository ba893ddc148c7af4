#include "model/profile_builder.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/stack_truncation.h"
#include "model/labeler.h"
#include "model/location_table.h"
#include "model/python_splice.h"
#include "process/proc_maps.h"
#include "python/stack_end.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

std::string errno_name(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "errno " + std::to_string(e);
}

// Why a stack has no frames, or stopped before the entry, as a synthetic frame
// name; empty when it is complete or legitimately absent (kernel threads and
// idle have no user stack).
std::string missing_reason(const char* which, std::uint8_t status, std::uint8_t err) {
  if (const auto t = truncation_index(status))
    return "[truncated: " + std::string(kTruncationNames[*t]) + "]";
  switch (status) {
    case PROFBUFD_STACK_ERROR:
      return std::string("[") + which + " stack unavailable: " + errno_name(err) + "]";
    case PROFBUFD_STACK_EMPTY:
      return std::string("[") + which + " stack empty]";
    default:
      return {};
  }
}

// Frames after the first of a stack are return addresses: the call lies just
// before them. Looking up address - 1 names the calling function even when the
// call is the last instruction of a function (noreturn callees). The walker
// writes an exact pc below the leaf (after a signal frame) as pc + 1, so this
// lands on it too (bpf/profbufd.h).
std::uint64_t lookup_address(std::uint64_t addr, std::size_t index_in_stack) {
  return index_in_stack == 0 || addr == 0 ? addr : addr - 1;
}

std::string task_name(const Window& w, std::uint32_t task_id) {
  const auto it = w.tasks.find(task_id);
  if (it == w.tasks.end()) return "[unknown]";
  const auto& comm = it->second;
  return std::string(comm.data(), strnlen(comm.data(), comm.size()));
}

// The records an aggregated stack stands for: its first records accumulator,
// or 1 when the kind counts none.
std::uint64_t records_of(const kinds::Kind& kind, const StackTable::Entry& e) {
  const auto acc = kind.accumulators();
  for (std::size_t i = 0; i < acc.size() && i < e.values.size(); ++i)
    if (acc[i] == Accumulate::kRecords) return e.values[i];
  return 1;
}

// A stack's native frame words, how many of them (first) are kernel frames,
// and its Python frames' words behind them (two per frame).
struct StackFrames {
  std::span<const std::uint64_t> words;
  std::size_t kernel;
  std::span<const std::uint64_t> python;
};
StackFrames frames_of(const StackTable::Entry& e, const StackInfo& info) {
  const auto all = e.key.subspan(StackTable::kFixedWords);
  const std::size_t native =
      std::min<std::size_t>(std::size_t{info.kernel_frames} + info.user_frames, all.size());
  return {all.first(native), std::min<std::size_t>(info.kernel_frames, native),
          all.subspan(native)};
}

// The kernel then the user frames of a stack (with its Python frames spliced
// in: model/python_splice.h), and a root frame for each stack that failed or
// stopped early.
// `newest`: the stack is of the newest program its pid ran in the window.
void add_frames(const Window& w, const StackTable::Entry& e, const StackInfo& info, bool newest,
                Sample& s, LocationTable& locs) {
  const auto [frames, nk, python] = frames_of(e, info);
  s.locations.reserve(frames.size() + python.size() / 2 + 2);
  for (std::size_t i = 0; i < nk; ++i)
    s.locations.push_back(locs.kernel(lookup_address(frames[i], i)));
  const ProcessMaps* maps = nullptr;
  if (auto it = w.maps.find(process_key_of(e.key)); it != w.maps.end()) maps = it->second.get();
  // Only the pid's newest program here may look at /proc again for an address
  // its snapshot lacks: what runs under the pid now is not an earlier one.
  PythonSplice splice(locs, s.pid, python, info.python_status);
  for (std::size_t i = nk; i < frames.size(); ++i)
    splice.native(locs.user(s.pid, maps, lookup_address(frames[i], i - nk), newest),
                  s.locations);
  splice.finish(s.locations);
  // No kernel frames is normal (the record was taken in user mode); only a
  // failed walk is worth a frame.
  if (info.kernel_status == PROFBUFD_STACK_ERROR)
    s.locations.push_back(
        locs.synthetic(missing_reason("kernel", info.kernel_status, info.kernel_errno)));
  if (auto why = missing_reason("user", info.user_status, info.user_errno); !why.empty())
    s.locations.push_back(locs.synthetic(why));
}

// One aggregated stack as a Sample: pid, tid, comm and the kind's labels, the
// kind's values, and its frames (who it belongs to is the labeler's). A stack
// that stopped early is counted in the metadata by why.
Sample to_sample(const Window& w, const kinds::Kind& kind, const StackTable::Entry& e,
                 bool newest, LocationTable& locs, ProfileMetadata& md) {
  Sample s;
  const std::uint64_t pid_tid = e.key[StackTable::kPidTidWord];
  s.pid = static_cast<std::uint32_t>(pid_tid);
  s.tid = static_cast<std::uint32_t>(pid_tid >> 32);
  const std::uint64_t task = e.key[StackTable::kTaskWord];
  s.comm = task_name(w, static_cast<std::uint32_t>(task));
  kind.labels(StackTable::task_flags(task), s.labels);
  kind.stack_values(w, e.key, e.values, s.values);
  const StackInfo info = StackInfo::unpack(e.key[StackTable::kInfoWord]);
  add_frames(w, e, info, newest, s, locs);
  if (const auto t = truncation_index(info.user_status))
    md.truncated_stacks[std::string(kTruncationNames[*t])] += records_of(kind, e);
  if (const auto p = python::stack_end_index(info.python_status))
    md.python_stacks[std::string(python::kStackEndNames[*p])] += records_of(kind, e);
  return s;
}

// Lost records become samples on a frame that names the reason, so that every
// consumer's totals include them.
void add_lost(const Window& w, const kinds::Kind& kind, Profile& p, LocationTable& locs) {
  std::uint64_t overflow = 0;
  for (auto v : w.profbuf_overflow_by_cpu) overflow += v;
  p.metadata.lost_samples[kLostRingbufFull] = w.ringbuf_full;
  p.metadata.lost_samples[kLostProfBufOverflow] = overflow;
  for (const auto& [reason, n] : p.metadata.lost_samples) {
    if (n == 0) continue;
    Sample s;
    s.comm = "[lost]";
    kind.lost_values(n, s.values);
    s.locations.push_back(locs.synthetic("[lost: " + reason + "]"));
    p.samples.push_back(std::move(s));
  }
}

// Symbolizes the user frames binary by binary (Symbolizer::prefetch) before
// the stacks ask for them in their own order, so that DWARF readers open one
// after another instead of all at once, each closed when its binary is done
// (Symbolizer::binary_done). Selective windows skip it: they would symbolize
// stacks they leave out.
void prefetch_user_frames(const Window& w, Symbolizer& sym) {
  struct Want {
    const MapEntry* m;
    std::uint32_t pid;
    const ProcessMaps* maps;
    std::uint64_t addr;
  };
  std::vector<Want> wants;
  w.stacks.for_each([&](const StackTable::Entry& e) {
    const ProcessKey process = process_key_of(e.key);
    const std::uint32_t pid = key_pid(process);
    const auto it = w.maps.find(process);
    if (it == w.maps.end() || !it->second) return;
    const auto [frames, nk, python] = frames_of(e, StackInfo::unpack(e.key[StackTable::kInfoWord]));
    for (std::size_t i = nk; i < frames.size(); ++i) {
      const std::uint64_t addr = lookup_address(frames[i], i - nk);
      if (const MapEntry* m = it->second->find(addr); m != nullptr && m->is_file())
        wants.push_back(Want{m, pid, it->second.get(), addr - m->start + m->offset});
    }
  });
  auto file = [](const Want& x) {
    return std::tie(x.m->dev_major, x.m->dev_minor, x.m->inode, x.m->path);
  };
  auto key = [&](const Want& x) { return std::tuple_cat(file(x), std::tie(x.addr)); };
  std::sort(wants.begin(), wants.end(), [&](const Want& a, const Want& b) { return key(a) < key(b); });
  for (std::size_t i = 0; i < wants.size(); ++i) {
    if (i > 0 && key(wants[i - 1]) == key(wants[i])) continue;  // same file offset
    if (i > 0 && file(wants[i - 1]) != file(wants[i])) sym.binary_done();
    const Want& x = wants[i];
    sym.prefetch(x.pid, *x.maps, x.addr - x.m->offset + x.m->start);
  }
  sym.binary_done();
}

// The stacks of the window, each labelled with who it belongs to and kept
// only when inside the window's selection.
// The epoch of the newest program each pid ran in the window.
std::unordered_map<std::uint32_t, std::uint16_t> newest_epochs(const Window& w) {
  std::unordered_map<std::uint32_t, std::uint16_t> newest;
  for (const auto& [key, maps] : w.maps) {
    std::uint16_t& e = newest[key_pid(key)];
    e = std::max(e, key_epoch(key));
  }
  return newest;
}

void add_stacks(const Window& w, const kinds::Kind& kind, Labeler* labeler, Profile& p,
                LocationTable& locs) {
  const bool selective = !w.cgroups.empty() || !w.containers.empty();
  if (labeler) labeler->prepare(w);
  p.samples.reserve(w.stacks.size());
  const auto newest = newest_epochs(w);
  w.stacks.for_each([&](const StackTable::Entry& e) {
    const ProcessKey process = process_key_of(e.key);
    const cgroup::CgroupInfo* who =
        labeler ? labeler->identify(e.key[StackTable::kCgroupWord], process) : nullptr;
    if (selective && !Labeler::selected(w, who)) return;
    const auto n = newest.find(key_pid(process));
    const bool is_newest = n == newest.end() || n->second == key_epoch(process);
    Sample s = to_sample(w, kind, e, is_newest, locs, p.metadata);
    if (labeler) labeler->labels(who, process, s.comm, s.labels);
    p.samples.push_back(std::move(s));
  });
}

// What changed while the window was open, for people (comments) and tools
// (details).
void add_changes(const Window& w, ProfileMetadata& md) {
  if (w.changes.empty()) return;
  md.details.emplace_back("settings_changes", static_cast<std::int64_t>(w.changes.size()));
  for (const std::string& c : w.changes) md.comments.push_back("settings changed: " + c);
}

void set_shape(const kinds::Kind& kind, Profile& p) {
  kinds::ProfileShape shape = kind.shape();
  p.sample_types = std::move(shape.sample_types);
  p.default_sample_type = std::move(shape.default_sample_type);
  p.period_type = std::move(shape.period_type);
  p.period = shape.period;
}

}  // namespace

ProfileContext this_machine(std::uint32_t cpus) {
  ProfileContext c;
  c.version = PROFBUFD_VERSION;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) c.host = host;
  utsname u{};
  if (uname(&u) == 0) c.kernel = u.release;
  c.cpus = cpus;
  return c;
}

Profile build_profile(const Window& window, const kinds::Kind& kind, Symbolizer& symbolizer,
                      const ProfileContext& context, Labeler* labeler) {
  Profile p;
  ProfileMetadata& md = p.metadata;
  md.kind = std::string(kind.name());
  md.version = context.version;
  md.host = context.host;
  md.kernel = context.kernel;
  md.start_unix_ns = window.start_unix_ns;
  md.duration_ns = window.end_unix_ns - window.start_unix_ns;
  md.cpus = context.cpus;
  md.folded_root = context.folded_root;
  md.user_unwind = context.user_unwind;
  set_shape(kind, p);
  if (!window.default_sample_type.empty() &&
      p.sample_index(window.default_sample_type) < p.sample_types.size())
    p.default_sample_type = window.default_sample_type;

  struct Symbolizing {  // the symbolizer's profile, ended however this returns
    Symbolizer& s;
    explicit Symbolizing(Symbolizer& sym) : s(sym) { s.begin_profile(); }
    ~Symbolizing() { s.end_profile(); }
  } symbolizing(symbolizer);
  LocationTable locs(p, symbolizer);
  for (std::string_view reason : kTruncationNames) md.truncated_stacks[std::string(reason)] = 0;
  for (std::string_view end : python::kStackEndNames) md.python_stacks[std::string(end)] = 0;
  for (std::string_view source : symbolize::kNameSourceNames) md.named_frames[std::string(source)] = 0;
  for (std::string_view reason : symbolize::kUnnamedReasonNames)
    md.unnamed_frames[std::string(reason)] = 0;
  if (window.cgroups.empty() && window.containers.empty()) prefetch_user_frames(window, symbolizer);
  add_stacks(window, kind, labeler, p, locs);
  kind.finish(window, locs);
  add_lost(window, kind, p, locs);
  add_changes(window, md);
  locs.finish();
  return p;
}

}  // namespace profbufd
