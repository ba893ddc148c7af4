// Finds the CPython interpreter of each process the unwinder publishes and
// tells the BPF walker where its runtime state is and how its structures are
// laid out (py_procs), and the symbolizer which layout to read its code
// objects with (python/registry.h). Runs on the unwinder's thread, when a
// process is first sampled (or re-read after an exec), never on the sampling
// path.
//
// A process runs CPython when one of its file mappings is named like an
// interpreter (python/interpreter_file.h: python3.X or libpython3.X) and has
// _PyRuntime. A version without a layout (python/layout.h) is logged once per
// version and left to native frames.
//
// Not thread-safe: the unwinder's thread owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "process/proc_maps.h"
#include "python/interpreter_file.h"
#include "python/map_io.h"
#include "python/memory.h"
#include "python/registry.h"

namespace profbufd::python {

struct ProcessStats {
  std::uint64_t found = 0;             // processes found running a CPython with a layout
  std::uint64_t unknown_versions = 0;  // ... running a CPython without one
  std::uint64_t unreadable = 0;        // interpreter files that could not be read
  std::uint64_t live = 0;              // published now
};

class Processes {
 public:
  using MemoryOf = std::function<std::unique_ptr<Memory>(std::uint32_t pid)>;

  // `memory_of` opens a process's memory for the check of its runtime state
  // at discovery (python/runtime_check.h; default: ProcessMemory).
  Processes(PyMapIo& io, std::shared_ptr<Registry> registry, std::string procfs_root,
            MemoryOf memory_of = {});

  // pid's mappings were (re)read: publishes its interpreter, or forgets it
  // when it has none (it exec'd something else).
  void found(std::uint32_t pid, std::uint64_t start_time, const ProcessMaps& maps);
  // The process exec'd or exited (the BPF side deleted its entry already);
  // `remove` also deletes it from the map (a sweep found it gone).
  void forget(std::uint32_t pid, bool remove);

  const ProcessStats& stats() const { return stats_; }

 private:
  using FileKey = std::tuple<std::uint64_t, std::uint64_t, std::string>;  // dev, inode, path
  // The interpreter facts of one mapped file, read once per file.
  const std::optional<InterpreterFile>* file(std::uint32_t pid, const MapEntry& m);
  // Counts and logs (once per version) a process whose frames are not read:
  // no layout for its version, or `why` its binary disagrees with the layout.
  void warn_unknown(std::uint32_t pid, std::uint32_t version, const std::string& path,
                    const std::string& why);
  // Why pid's runtime state at `runtime` is not `layout`'s (empty: it is, or
  // cannot tell yet).
  std::string check_runtime(std::uint32_t pid, std::uint64_t runtime, const Layout& layout);

  PyMapIo& io_;
  MemoryOf memory_of_;
  std::shared_ptr<Registry> registry_;
  const std::string procfs_root_;
  std::map<FileKey, std::optional<InterpreterFile>> files_;  // bounded: kMaxFiles
  std::set<std::uint32_t> warned_versions_;
  std::set<std::uint32_t> live_;
  std::set<std::uint32_t> unknown_;  // running a CPython without a layout
  ProcessStats stats_;
};

}  // namespace profbufd::python
