#include "symbolize/symbolizer.h"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <functional>
#include <utility>

#include "common/log.h"
#include "process/binary_path.h"
#include "symbolize/demangle.h"

namespace profbufd {

using symbolize::ElfSymbols;
using symbolize::KernelSymbols;
using symbolize::LruCache;
using symbolize::NameSource;
using symbolize::UnnamedReason;

namespace {

constexpr std::string_view kUnknownModule = "[unknown]";
constexpr std::string_view kAnonModule = "[anon]";
// AddressKey::dev of kernel addresses; no device has major and minor all ones.
constexpr std::uint64_t kKernelDev = UINT64_MAX;

std::string with_offset(std::string_view module, std::uint64_t offset) {
  char hex[24];
  std::snprintf(hex, sizeof hex, "+0x%llx", static_cast<unsigned long long>(offset));
  return std::string(module) + hex;
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::size_t mix(std::size_t seed, std::size_t v) {
  // boost::hash_combine's constant: spreads v's bits before folding it in.
  return seed ^ (v + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

struct Symbolizer::ModuleInfo {
  std::string name;
  std::string build_id;
};

struct Symbolizer::CachedFrame {
  std::string function;
  std::shared_ptr<const ModuleInfo> module;  // never null
  std::uint64_t offset = 0;
  bool resolved = false;
  NameSource source = NameSource::kElf;                // when resolved
  UnnamedReason unnamed = UnnamedReason::kNoMapping;  // when not
  std::vector<SourceLine> lines;
};

struct Symbolizer::BinaryKey {
  std::uint32_t dev_major = 0, dev_minor = 0;
  std::uint64_t inode = 0;
  std::string path;
  bool operator==(const BinaryKey&) const = default;
};

struct Symbolizer::BinaryKeyHash {
  std::size_t operator()(const BinaryKey& k) const {
    std::size_t h = std::hash<std::string>()(k.path);
    h = mix(h, (std::size_t{k.dev_major} << 32) | k.dev_minor);
    return mix(h, k.inode);
  }
};

struct Symbolizer::BinaryEntry {
  std::optional<ElfSymbols> symbols;  // nullopt: loading failed
  std::shared_ptr<const ModuleInfo> module;
  std::uint32_t failed_pid = 0;  // the process through which loading failed
  std::string error;             // why, for debugging
  std::uint64_t retry_profile = 0;  // != 0: its debug file could not be fetched during
                                    // this profile (Symbolizer::profile_); retried later
  Fd dwarf;  // the binary or its debug file, when it has DWARF lines
};

// (file identity, file offset) for user code: processes mapping one file share
// entries. Kernel: dev = inode = kKernelDev, offset = the address.
struct Symbolizer::AddressKey {
  std::uint64_t dev = 0;
  std::uint64_t inode = 0;
  std::size_t path_hash = 0;
  std::uint64_t offset = 0;
  bool operator==(const AddressKey&) const = default;
  static AddressKey of(const MapEntry& m, std::uint64_t file_offset) {
    return {(std::uint64_t{m.dev_major} << 32) | m.dev_minor, m.inode,
            std::hash<std::string>()(m.path), file_offset};
  }
};

struct Symbolizer::DwarfReaders {
  struct Reader {
    std::unique_ptr<symbolize::DwarfLines> lines;  // null: failed, not retried this profile
    symbolize::LineResult why = symbolize::LineResult::kNoDebugInfo;  // when null
    std::uint64_t last_use = 0;
  };
  std::unordered_map<BinaryKey, Reader, BinaryKeyHash> open;
  std::size_t bytes = 0;  // DWARF bytes of the open readers
  std::uint64_t uses = 0;

  // Closes every reader and forgets what "not retried this profile" says: a
  // binary asked for again opens anew (Symbolizer::binary_done, end_profile).
  void close_all() {
    open.clear();
    bytes = 0;
  }

  // Closes the least recently used readers until `more` bytes fit in `max`.
  // A closed one is not opened again during this profile (its frames get no
  // lines, counted over_budget): reopening would inflate its DWARF once per
  // alternation between binaries. The prefetch closes each binary's reader
  // itself (binary_done); this bounds the lookups outside it (selective
  // windows, addresses the address cache evicted) and overlapping profiles.
  void make_room(std::size_t more, std::size_t max) {
    while (bytes + more > max) {
      auto lru = open.end();
      for (auto it = open.begin(); it != open.end(); ++it)
        if (it->second.lines && (lru == open.end() || it->second.last_use < lru->second.last_use))
          lru = it;
      if (lru == open.end()) return;
      bytes -= lru->second.lines->bytes();
      lru->second.lines.reset();
      lru->second.why = symbolize::LineResult::kOverBudget;
    }
  }
};

struct Symbolizer::AddressKeyHash {
  std::size_t operator()(const AddressKey& k) const {
    return mix(mix(mix(std::hash<std::uint64_t>()(k.offset), k.inode), k.dev), k.path_hash);
  }
};

Symbolizer::Symbolizer(Options options)
    : options_(std::move(options)),
      binaries_(std::make_unique<LruCache<BinaryKey, BinaryEntry, BinaryKeyHash>>(
          options_.max_binaries, options_.max_binary_bytes)),
      addresses_(std::make_unique<LruCache<AddressKey, CachedFrame, AddressKeyHash>>(
          options_.max_addresses, options_.max_address_bytes)),
      perf_maps_(symbolize::PerfMapCache::Options{options_.procfs_root, options_.max_perf_maps,
                                                  options_.max_perf_map_bytes,
                                                  options_.perf_map_limits,
                                                  options_.perf_map_recheck}),
      dwarf_(std::make_unique<DwarfReaders>()), python_(options_.python) {}

Symbolizer::~Symbolizer() = default;

SymbolizedFrame Symbolizer::kernel(std::uint64_t addr) {
  std::lock_guard lock(mu_);
  const AddressKey key{kKernelDev, kKernelDev, 0, addr};
  if (const CachedFrame* c = addresses_->get(key)) {
    ++stats_.cache_hits;
    SymbolizedFrame f = finish_locked(*c);
    f.path = symbolize::kKernelModule;
    return f;
  }
  ++stats_.cache_misses;
  SymbolizedFrame f = finish_locked(remember_locked(key, symbolize_kernel_locked(addr)));
  f.path = symbolize::kKernelModule;
  return f;
}

SymbolizedFrame Symbolizer::user(std::uint32_t pid, const ProcessMaps& maps, std::uint64_t addr) {
  std::unique_lock lock(mu_);
  const MapEntry* m = maps.find(addr);
  if (m == nullptr)
    return unnamed_locked(std::string(kUnknownModule), addr, UnnamedReason::kNoMapping);

  SymbolizedFrame f;
  if (!m->is_file()) {
    f = symbolize_anon_locked(pid, *m, addr);
  } else {
    const std::uint64_t file_offset = addr - m->start + m->offset;
    const AddressKey key = AddressKey::of(*m, file_offset);
    if (const CachedFrame* cached = addresses_->get(key)) {
      ++stats_.cache_hits;
      f = finish_locked(*cached);
    } else {
      ++stats_.cache_misses;
      auto [computed, binary_loaded] = symbolize_file_locked(lock, pid, *m, file_offset);
      f = finish_locked(computed);
      // A failed load is not cached per address: another process mapping the
      // same file may still be able to open it (its /proc/<pid>/root exists).
      if (binary_loaded) remember_locked(key, std::move(computed));
    }
  }
  f.path = m->path;
  f.map_start = m->start;
  f.map_limit = m->end;
  f.map_offset = m->offset;
  return f;
}

Symbolizer::Stats Symbolizer::stats() const {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::lock_guard last(last_mu_);
    return last_stats_;
  }
  return keep_reading_locked();
}

Symbolizer::Stats Symbolizer::keep_reading_locked() const {
  Stats s = read_stats_locked();
  std::lock_guard last(last_mu_);
  last_stats_ = s;
  last_kernel_error_ = kernel_error_;
  return s;
}

Symbolizer::Stats Symbolizer::read_stats_locked() const {
  Stats s = stats_;
  s.dwarf_open_bytes = dwarf_->bytes;
  s.addresses_evicted = addresses_->evictions();
  s.addresses_cached = addresses_->size();
  s.address_bytes = addresses_->weight();
  s.binaries_evicted = binaries_->evictions();
  s.binaries_cached = binaries_->size();
  s.binary_bytes = binaries_->weight();
  s.kernel_symbols = kernel_ ? kernel_->size() : 0;
  s.kernel_bytes = kernel_ ? kernel_->memory_bytes() : 0;
  if (options_.debuginfod) s.debuginfod = options_.debuginfod->stats();
  s.perf_maps = perf_maps_.stats();
  s.python = python_.stats();
  return s;
}

std::optional<Error> Symbolizer::kernel_error() const {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (lock.owns_lock()) return kernel_error_;
  std::lock_guard last(last_mu_);
  return last_kernel_error_;
}

void Symbolizer::load_kernel_locked() {
  if (kernel_tried_) return;
  kernel_tried_ = true;
  auto loaded = KernelSymbols::load(options_.procfs_root + "/kallsyms");
  if (loaded) {
    kernel_.emplace(std::move(loaded).value());
  } else {
    kernel_error_ = loaded.error();
    // Once per run: every kernel frame from now on stays an address.
    const std::string line = loaded.error().line();
    log::warning(line.substr(line.find(' ') + 1) + " — kernel frames stay unnamed");
  }
}

std::shared_ptr<const Symbolizer::ModuleInfo> Symbolizer::kernel_module_locked(
    std::string_view name) {
  auto& slot = kernel_modules_[std::string(name)];
  if (!slot) slot = std::make_shared<const ModuleInfo>(ModuleInfo{std::string(name), {}});
  return slot;
}

Symbolizer::CachedFrame Symbolizer::symbolize_kernel_locked(std::uint64_t addr) {
  load_kernel_locked();
  CachedFrame c;
  c.offset = addr;
  if (kernel_) {
    if (const auto sym = kernel_->find(addr)) {
      c.function = std::string(sym->name);
      c.module = kernel_module_locked(sym->module);
      c.resolved = true;
      c.source = NameSource::kKernel;
      return c;
    }
  }
  c.unnamed = kernel_ ? UnnamedReason::kNoSymbol : UnnamedReason::kKernelUnavailable;
  c.module = kernel_module_locked(symbolize::kKernelModule);
  c.function = with_offset(symbolize::kKernelModule, addr);
  return c;
}

std::vector<std::string> Symbolizer::debug_roots(std::uint32_t pid) const {
  if (options_.debug_dir.empty()) return {};
  if (options_.procfs_root.empty()) return {""};
  // A process in the host's mount namespace would only repeat the host's paths.
  const std::string root = options_.procfs_root + "/" + std::to_string(pid) + "/root";
  char target[2];
  const ssize_t n = ::readlink(root.c_str(), target, sizeof target);
  if (n == 1 && target[0] == '/') return {""};
  return {root, ""};
}

void Symbolizer::begin_profile() {
  std::lock_guard lock(mu_);
  ++profile_;
  ++profiles_open_;
}

void Symbolizer::end_profile() {
  std::lock_guard lock(mu_);
  if (profiles_open_ > 0) --profiles_open_;
  if (profiles_open_ == 0) dwarf_->close_all();  // no other profile is reading them
  keep_reading_locked();
}

void Symbolizer::binary_done() {
  std::lock_guard lock(mu_);
  if (profiles_open_ <= 1) dwarf_->close_all();
}

void Symbolizer::prefetch(std::uint32_t pid, const ProcessMaps& maps, std::uint64_t addr) {
  std::unique_lock lock(mu_);
  const MapEntry* m = maps.find(addr);
  if (m == nullptr || !m->is_file()) return;
  const std::uint64_t file_offset = addr - m->start + m->offset;
  const AddressKey key = AddressKey::of(*m, file_offset);
  if (addresses_->get(key) != nullptr) return;
  ++stats_.cache_misses;
  auto [computed, binary_loaded] = symbolize_file_locked(lock, pid, *m, file_offset);
  if (binary_loaded) remember_locked(key, std::move(computed));
}

symbolize::DebugFile Symbolizer::debug_file_locked(std::unique_lock<std::mutex>& lock,
                                                   std::uint32_t pid, const MapEntry& m,
                                                   std::string_view build_id,
                                                   const std::optional<symbolize::DebugLink>& link,
                                                   bool& retry) {
  symbolize::DebugFile f;
  f.fd = symbolize::open_debug_file(
      symbolize::debug_file_candidates(debug_roots(pid), options_.debug_dir, build_id, m.path,
                                       link),
      link ? link->crc : 0);
  if (f.fd || !options_.debuginfod || build_id.empty()) return f;
  // One request that failed per profile: a server that is down or slow delays
  // a profile by one deadline, not one per binary.
  if (debuginfod_failed_profile_ == profile_) {
    retry = true;
    return f;
  }
  lock.unlock();  // a request may take its whole deadline: /metrics must not wait
  const auto outcome = options_.debuginfod->fetch(build_id, f.fd);
  lock.lock();
  f.remote = outcome == symbolize::Debuginfod::Outcome::kFound;
  if (outcome == symbolize::Debuginfod::Outcome::kFailed) {
    debuginfod_failed_profile_ = profile_;
    retry = true;
  }
  return f;
}

const Symbolizer::BinaryEntry& Symbolizer::binary_locked(std::unique_lock<std::mutex>& lock,
                                                         std::uint32_t pid, const MapEntry& m) {
  BinaryKey key{m.dev_major, m.dev_minor, m.inode, m.path};
  if (const BinaryEntry* e = binaries_->get(key)) {
    // A failure through one process is retried through another; a debug file
    // that could not be fetched, by the next profile.
    const bool retry = e->retry_profile != 0 && e->retry_profile != profile_;
    if ((e->symbols && !retry) || (!e->symbols && e->failed_pid == pid)) return *e;
  }
  BinaryEntry entry;
  std::string build_id;
  std::size_t weight = sizeof(BinaryEntry) + m.path.size();
  auto fd = symbolize::open_mapped_file(options_.procfs_root, pid, m);
  bool retry = false;
  const symbolize::DebugOpener debug = [&](std::string_view id,
                                           const std::optional<symbolize::DebugLink>& link) {
    return debug_file_locked(lock, pid, m, id, link, retry);
  };
  Result<ElfSymbols> loaded =
      fd ? ElfSymbols::load_fd(fd->get(), m.path, debug) : Result<ElfSymbols>(fd.error());
  if (loaded) {
    ++stats_.binaries_loaded;
    build_id = loaded->build_id();
    weight += loaded->memory_bytes();
    if (loaded->dwarf() == ElfSymbols::DwarfIn::kBinary) entry.dwarf = std::move(fd).value();
    if (loaded->dwarf() == ElfSymbols::DwarfIn::kDebugFile) entry.dwarf = loaded->take_debug_fd();
    entry.symbols.emplace(std::move(loaded).value());
    entry.retry_profile = retry ? profile_ : 0;
  } else {
    ++stats_.binary_load_failures;
    entry.failed_pid = pid;
    entry.error = loaded.error().line();
  }
  entry.module = std::make_shared<const ModuleInfo>(
      ModuleInfo{std::string(basename(m.path)), std::move(build_id)});
  return binaries_->put(std::move(key), std::move(entry), weight);
}

// [vdso], JIT code and other anonymous text: no file to read symbols from, but
// a JIT may name its code in a perf map. Not cached per address: another
// process may have other code at the same address.
SymbolizedFrame Symbolizer::symbolize_anon_locked(std::uint32_t pid, const MapEntry& m,
                                                  std::uint64_t addr) {
  std::string module = m.path.empty() ? std::string(kAnonModule) : m.path;
  if (!m.is_special()) {
    if (auto name = perf_maps_.find(pid, addr)) {
      SymbolizedFrame f;
      f.function = std::move(*name);
      f.module = std::move(module);
      f.offset = addr - m.start;
      f.resolved = true;
      f.source = NameSource::kJitMap;
      count_locked(f);
      return f;
    }
  }
  return unnamed_locked(std::move(module), addr - m.start, UnnamedReason::kAnonymous);
}

std::pair<Symbolizer::CachedFrame, bool> Symbolizer::symbolize_file_locked(
    std::unique_lock<std::mutex>& lock, std::uint32_t pid, const MapEntry& m,
    std::uint64_t file_offset) {
  const BinaryEntry& b = binary_locked(lock, pid, m);
  // Not cached per address while its debug file is still to be fetched.
  const bool loaded = b.symbols.has_value() && b.retry_profile == 0;
  CachedFrame c;
  c.module = b.module;
  c.offset = file_offset;  // what we can say without the ELF headers
  if (b.symbols) {
    if (const auto vaddr = b.symbols->file_offset_to_vaddr(file_offset)) {
      c.offset = *vaddr;
      if (const auto sym = b.symbols->find(*vaddr)) {
        c.function = symbolize::demangle(sym->name);
        c.resolved = true;
        c.source = !sym->from_debug_file               ? NameSource::kElf
                   : b.symbols->debug_file_remote() ? NameSource::kDebuginfod
                                                    : NameSource::kDebugFile;
        c.lines = lines_locked(m, b, *vaddr, c.function);
        return {std::move(c), loaded};
      }
    }
  }
  c.unnamed = b.symbols ? UnnamedReason::kNoSymbol : UnnamedReason::kUnreadable;
  c.function = with_offset(c.module->name, c.offset);
  return {std::move(c), loaded};
}

const Symbolizer::CachedFrame& Symbolizer::remember_locked(const AddressKey& key, CachedFrame c) {
  // What one entry costs on the heap (libstdc++): a list node holding key, value
  // and weight; a hash node holding the key again and an iterator; a bucket
  // pointer; and the name when it does not fit the string's inline buffer.
  constexpr std::size_t kEntryBytes = 16 + sizeof(AddressKey) + sizeof(CachedFrame) +
                                      sizeof(std::size_t) + 16 + sizeof(AddressKey) + 8 + 8 + 8;
  constexpr std::size_t kInlineChars = 15;
  auto heap = [](const std::string& s) { return s.size() > kInlineChars ? s.capacity() + 1 : 0; };
  std::size_t bytes = kEntryBytes + heap(c.function) + c.lines.capacity() * sizeof(SourceLine);
  for (const SourceLine& l : c.lines) bytes += heap(l.function) + heap(l.file);
  return addresses_->put(key, std::move(c), bytes);
}

SymbolizedFrame Symbolizer::finish_locked(const CachedFrame& c) {
  SymbolizedFrame f;
  f.function = c.function;
  f.module = c.module->name;
  f.offset = c.offset;
  f.build_id = c.module->build_id;
  f.resolved = c.resolved;
  f.source = c.source;
  f.unnamed = c.unnamed;
  f.lines = c.lines;
  count_locked(f);
  return f;
}

SymbolizedFrame Symbolizer::unnamed_locked(std::string module, std::uint64_t offset,
                                           UnnamedReason why) {
  SymbolizedFrame f;
  f.function = with_offset(module, offset);
  f.module = std::move(module);
  f.offset = offset;
  f.unnamed = why;
  count_locked(f);
  return f;
}

// The open DWARF reader of binary `b` (mapped as `m`), opened if need be
// within the budget, closing the least recently used ones; null, and why,
// when there is none.
symbolize::LineResult Symbolizer::reader_locked(const MapEntry& m, const BinaryEntry& b,
                                                symbolize::DwarfLines*& reader) {
  using symbolize::LineResult;
  auto [it, fresh] =
      dwarf_->open.try_emplace(BinaryKey{m.dev_major, m.dev_minor, m.inode, m.path});
  DwarfReaders::Reader& r = it->second;
  r.last_use = ++dwarf_->uses;
  if (fresh) {
    const std::size_t need = symbolize::DwarfLines::bytes_of(b.dwarf.get());
    if (need > options_.max_dwarf_bytes) {
      ++stats_.dwarf_over_budget;
      r.why = LineResult::kOverBudget;
      return r.why;
    }
    dwarf_->make_room(need, options_.max_dwarf_bytes);
    bool over = false;
    auto opened = symbolize::DwarfLines::open(b.dwarf.get(), m.path, options_.max_dwarf_bytes,
                                              over);
    if (!opened) {
      ++stats_.dwarf_failures;
      return r.why;
    }
    r.lines = std::move(opened).value();
    dwarf_->bytes += r.lines->bytes();
    ++stats_.dwarf_opened;
  }
  reader = r.lines.get();
  return reader ? LineResult::kFound : r.why;
}

// The source lines of a named frame at `vaddr` of the binary `b`, `function`
// naming the out-of-line function (the ELF symbol, so that the lines agree
// with the frame's name).
std::vector<SourceLine> Symbolizer::lines_locked(const MapEntry& m, const BinaryEntry& b,
                                                 std::uint64_t vaddr, const std::string& function) {
  using symbolize::LineResult;
  auto count = [&](LineResult r) { ++stats_.lines[static_cast<std::size_t>(r)]; };
  if (!options_.lines) return count(LineResult::kOff), std::vector<SourceLine>{};
  if (!b.dwarf) return count(LineResult::kNoDebugInfo), std::vector<SourceLine>{};
  symbolize::DwarfLines* reader = nullptr;
  if (const LineResult why = reader_locked(m, b, reader); reader == nullptr)
    return count(why), std::vector<SourceLine>{};
  std::vector<SourceLine> lines = reader->lookup(vaddr);
  if (lines.empty()) return count(LineResult::kNotCovered), lines;
  lines.back().function = function;
  count(LineResult::kFound);
  return lines;
}

void Symbolizer::count_locked(const SymbolizedFrame& f) {
  if (f.resolved) {
    ++stats_.hits;
    ++stats_.named[static_cast<std::size_t>(f.source)];
  } else {
    ++stats_.misses;
    ++stats_.unnamed[static_cast<std::size_t>(f.unnamed)];
  }
}

}  // namespace profbufd
