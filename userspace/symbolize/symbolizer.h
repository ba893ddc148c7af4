// The symbolization stage: turns the kernel and user addresses of captured stacks
// into function names, modules, offsets and build IDs, at window close.
//
//   kernel(addr) --> address cache --miss--> KernelSymbols (kallsyms, loaded on
//                                             first use, kept for the run)
//   user(pid, maps, addr) --> ProcessMaps::find --> address cache --miss-->
//       binary cache (LRU of ElfSymbols, keyed by device, inode and path;
//       opened via procfs_root/<pid>/root or map_files; a stripped binary's
//       separate debug file joins it) --> ELF vaddr --> symbol
//     anonymous code (a JIT's) --> the process's perf map, if it writes one
//       (symbolize/perf_map_cache.h: LRU by pid, re-read when an address misses)
//     a named frame of a binary with DWARF (its own, or its debug file's) -->
//       source lines and inlined calls (symbolize/dwarf_lines.h), read with
//       libdw while one profile is symbolized and closed at its end: the
//       address cache keeps the lines, not the DWARF
//
// Cost is per unique address, not per sample: results are kept in a bounded LRU
// keyed by (file identity, file offset) for user code, so all processes mapping
// one library share entries, and by address for the kernel. Loaded binaries are
// kept in a second LRU bounded by count and by heap bytes, since processes churn.
// A binary that failed to load is remembered too, so a missing file costs one
// open per process rather than one per address.
//
// Never fails: an address without a symbol comes back unresolved, named
// "<module>+0x<offset>" (offset: the ELF virtual address if the binary could be
// read, else the file offset; for the kernel, the raw address), and counted in
// Stats::misses.
//
// Addresses are looked up as given. Stack frames other than the leaf hold return
// addresses, which can point just past a call at the end of a function (into
// the next one); a caller that wants the calling function passes addr - 1 for
// those frames.
//
// Thread-safety: every public method takes one mutex. Frames are symbolized on
// the two publisher threads (sinks/publisher.h, app/pipeline.h) at window
// close, interleaved frame by frame; stats() is read by /metrics scrapes on
// HTTP threads meanwhile.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"
#include "symbolize/debuginfod.h"
#include "symbolize/dwarf_lines.h"
#include "symbolize/elf_symbols.h"
#include "symbolize/kallsyms.h"
#include "symbolize/lines.h"
#include "symbolize/lru_cache.h"
#include "symbolize/name_source.h"
#include "symbolize/perf_map_cache.h"
#include "process/proc_maps.h"
#include "python/frame_resolver.h"

namespace profbufd {

// The result for one address.
struct SymbolizedFrame {
  std::string function;      // demangled symbol name, or "module+0xOFF" when unresolved
  std::string module;        // basename of the binary; "[kernel.kallsyms]"; a kernel module
                             // in brackets ("[nf_tables]"); "[vdso]", "[anon]", "[unknown]"
  std::uint64_t offset = 0;  // user: the ELF virtual address of the frame (file offset
                             // if the binary was unreadable); kernel: the raw address
  std::string path;          // user: the mapping's path as in maps; kernel: "[kernel.kallsyms]"
  std::string build_id;      // lowercase hex or empty
  std::uint64_t map_start = 0, map_limit = 0, map_offset = 0;  // the executable mapping
                                                               // holding the address; 0 for kernel
  bool resolved = false;
  symbolize::NameSource source = symbolize::NameSource::kElf;  // when resolved
  symbolize::UnnamedReason unnamed = symbolize::UnnamedReason::kNoMapping;  // when not
  // Source lines, innermost first (Location::lines); the last names `function`.
  // Empty when the frame is unnamed or its binary has no DWARF covering it.
  std::vector<SourceLine> lines;
};

class Symbolizer {
 public:
  struct Options {
    std::string procfs_root = "/proc";  // "" : open mapped paths directly (tests)
    std::size_t max_binaries = 64;      // loaded (or failed) binaries kept
    // Where separate debug files are looked for (symbolize/debug_file.h), inside
    // each process's root, then the host's; "" : not at all.
    std::string debug_dir = std::string(symbolize::kDefaultDebugDir);
    // Then fetched from debuginfod servers; null: off (symbolize/debuginfod.h).
    std::shared_ptr<symbolize::Debuginfod> debuginfod = nullptr;
    // Memory bounds, sized for the 20 MB RSS budget of a whole run (kallsyms adds
    // 2-5 MB on top): the binary cache by symbol-table bytes, the address cache
    // by entries and by estimated bytes (~200 per entry plus a long name).
    std::size_t max_binary_bytes = 8u << 20;
    std::size_t max_addresses = 1u << 16;
    std::size_t max_address_bytes = 4u << 20;
    // JIT perf maps (/tmp/perf-PID.map): processes kept, their heap bytes, and
    // how often one process's map may be re-read or its identity checked.
    std::size_t max_perf_maps = 64;
    std::size_t max_perf_map_bytes = 4u << 20;
    std::chrono::milliseconds perf_map_recheck{1000};
    symbolize::PerfMapLimits perf_map_limits{};
    // Source lines and inlined calls from DWARF, where a binary or its debug
    // file has it; at most this many bytes of DWARF open at once (of the
    // sections lines read: libc6-dbg's libc has 8.6 MB, python3.11-dbg's
    // python3.11 16.5 MB; the least recently used reader closes to make room, and
    // stays closed for the profile). A binary with more DWARF than that gets
    // no lines (counted: over_budget).
    bool lines = true;
    std::size_t max_dwarf_bytes = 20u << 20;
    // The Python processes the unwinder found (python/registry.h), whose
    // frames python() names; null: every Python frame is unnamed (gone).
    std::shared_ptr<const python::Registry> python = nullptr;
  };

  // Counters since construction. hits + misses == frames returned; named sums
  // to hits and unnamed to misses.
  struct Stats {
    std::uint64_t hits = 0;        // frames returned resolved
    std::uint64_t misses = 0;      // frames returned unresolved
    std::array<std::uint64_t, symbolize::kNameSources> named{};      // hits by source
    std::array<std::uint64_t, symbolize::kUnnamedReasons> unnamed{};  // misses by reason
    std::uint64_t cache_hits = 0;  // answered from the address cache
    std::uint64_t cache_misses = 0;
    std::uint64_t addresses_evicted = 0;
    std::uint64_t binaries_loaded = 0;       // ELF files read successfully
    std::uint64_t binary_load_failures = 0;  // ELF files that could not be opened or read
    std::uint64_t binaries_evicted = 0;
    std::size_t addresses_cached = 0;
    std::size_t address_bytes = 0;  // estimated heap bytes of the address cache
    std::size_t binaries_cached = 0;
    std::size_t binary_bytes = 0;    // heap bytes of cached symbol tables
    std::size_t kernel_symbols = 0;  // 0 until loaded, or if unavailable
    std::size_t kernel_bytes = 0;
    // Named user frames by whether they got source lines (symbolize/lines.h).
    std::array<std::uint64_t, symbolize::kLineResults> lines{};
    std::uint64_t dwarf_opened = 0;    // DWARF readers opened (one per binary per profile)
    std::uint64_t dwarf_failures = 0;  // ... that failed to open
    std::uint64_t dwarf_over_budget = 0;  // binaries with more DWARF than max_dwarf_bytes
    std::size_t dwarf_open_bytes = 0;     // DWARF of the readers open now (DwarfLines::bytes)
    symbolize::Debuginfod::Stats debuginfod;  // all 0 when off
    symbolize::PerfMapCache::Stats perf_maps;
    python::FrameResolver::Stats python;
  };

  Symbolizer() : Symbolizer(Options{}) {}
  explicit Symbolizer(Options options);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Kernel: loads procfs_root + "/kallsyms" on first use.
  SymbolizedFrame kernel(std::uint64_t addr);

  // User: `maps` is the snapshot taken when pid was first seen; pid is used to
  // open the binary through procfs_root/<pid>/root or map_files when possible.
  SymbolizedFrame user(std::uint32_t pid, const ProcessMaps& maps, std::uint64_t addr);

  // Python: one Python frame of a record (its two words, bpf/python.h), named
  // from its code object: function = co_qualname, module "[python]", and one
  // SourceLine with the file, the line and the function's first line.
  SymbolizedFrame python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1);
  // Reads that frame's code object into the cache now, while the process
  // lives (python/code_prefetch.h); counts nothing.
  void prefetch_python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1);

  // Never waits for a symbolization in progress: while one holds the lock (a
  // large binary's symbols load for seconds), this returns the last reading
  // taken, so a /metrics scrape does not stall; counters never go back.
  Stats stats() const;

  // Symbolizes a user address into the address cache without returning or
  // counting it: the profile builder calls it binary by binary (then
  // binary_done) before asking for the frames in sample order, so that one
  // DWARF reader at a time is open. A later user() of the address is a cache
  // hit.
  void prefetch(std::uint32_t pid, const ProcessMaps& maps, std::uint64_t addr);

  // Mark the start and the end of a profile's symbolization. A debug file that
  // could not be fetched during one profile is asked for again in the next;
  // the DWARF readers opened are closed when the last profile open ends
  // (profiles of the two publisher threads may overlap).
  void begin_profile();
  void end_profile();
  // The profile builder's prefetch is done with one binary (it goes binary by
  // binary): the DWARF readers close now, with the line tables libdw built
  // for the CUs looked up, so that only one binary's DWARF is in memory at a
  // time. Not while another profile is open, which may still read them. A
  // later lookup that needs a closed reader opens it again.
  void binary_done();

  // Why kernel symbols are unavailable, once kernel() tried to load them; nullopt
  // if they loaded or were not needed yet. KernelSymbols::is_hidden(error) tells
  // a kptr_restrict failure apart.
  std::optional<Error> kernel_error() const;

 private:
  struct ModuleInfo;   // module name and build ID, shared by cached frames
  struct CachedFrame;  // one address-cache value
  struct BinaryKey;    // device, inode, path
  struct BinaryKeyHash;
  struct BinaryEntry;  // loaded symbols or a remembered failure
  struct AddressKey;
  struct AddressKeyHash;

  void load_kernel_locked();
  CachedFrame symbolize_kernel_locked(std::uint64_t addr);
  // The frame, and whether the binary's symbols were available (else the frame
  // is not cached: another process may be able to open the file).
  SymbolizedFrame symbolize_anon_locked(std::uint32_t pid, const MapEntry& m, std::uint64_t addr);
  std::pair<CachedFrame, bool> symbolize_file_locked(std::unique_lock<std::mutex>& lock,
                                                     std::uint32_t pid, const MapEntry& m,
                                                     std::uint64_t file_offset);
  // May release `lock` while a debuginfod request runs.
  const BinaryEntry& binary_locked(std::unique_lock<std::mutex>& lock, std::uint32_t pid,
                                   const MapEntry& m);
  symbolize::DebugFile debug_file_locked(std::unique_lock<std::mutex>& lock, std::uint32_t pid,
                                         const MapEntry& m, std::string_view build_id,
                                         const std::optional<symbolize::DebugLink>& link,
                                         bool& retry);
  std::vector<std::string> debug_roots(std::uint32_t pid) const;
  std::shared_ptr<const ModuleInfo> kernel_module_locked(std::string_view name);
  SymbolizedFrame finish_locked(const CachedFrame& c);
  SymbolizedFrame unnamed_locked(std::string module, std::uint64_t offset,
                                 symbolize::UnnamedReason why);
  void count_locked(const SymbolizedFrame& f);
  std::vector<SourceLine> lines_locked(const MapEntry& m, const BinaryEntry& b,
                                       std::uint64_t vaddr, const std::string& function);
  symbolize::LineResult reader_locked(const MapEntry& m, const BinaryEntry& b,
                                      symbolize::DwarfLines*& reader);
  const CachedFrame& remember_locked(const AddressKey& key, CachedFrame c);

  const Options options_;
  mutable std::mutex mu_;  // guards everything below
  bool kernel_tried_ = false;
  std::optional<symbolize::KernelSymbols> kernel_;
  std::optional<Error> kernel_error_;
  std::unordered_map<std::string, std::shared_ptr<const ModuleInfo>> kernel_modules_;
  std::unique_ptr<symbolize::LruCache<BinaryKey, BinaryEntry, BinaryKeyHash>> binaries_;
  std::unique_ptr<symbolize::LruCache<AddressKey, CachedFrame, AddressKeyHash>> addresses_;
  symbolize::PerfMapCache perf_maps_;
  struct DwarfReaders;  // the DWARF readers of this profile, by binary
  std::unique_ptr<DwarfReaders> dwarf_;
  python::FrameResolver python_;  // has its own mutex
  Stats stats_;  // counters only; sizes are filled in by stats()
  Stats read_stats_locked() const;
  // The last reading of stats() and kernel_error(), for a caller that finds
  // mu_ held; refreshed by every reading that gets mu_, and at end_profile().
  mutable std::mutex last_mu_;
  mutable Stats last_stats_;
  mutable std::optional<Error> last_kernel_error_;
  Stats keep_reading_locked() const;  // a fresh reading, kept as the last one
  std::uint64_t profile_ = 1;  // begin_profile() calls + 1
  std::uint64_t profiles_open_ = 0;  // begun and not yet ended (two publishers overlap)
  std::uint64_t debuginfod_failed_profile_ = 0;  // the last profile a request failed in
};

}  // namespace profbufd
