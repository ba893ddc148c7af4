// Names the Python frames of a record (two words each, bpf/python.h): reads
// each code object once (python/code_reader.h), keyed by process, address and
// tag, and keeps it in a bounded cache; the line is then the location table's
// answer for the frame's instruction (python/line_table.h).
//
// Thread-safety: every public method takes one mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "python/code_reader.h"
#include "python/registry.h"
#include "symbolize/lru_cache.h"

namespace profbufd::python {

// The two words of one Python frame, unpacked.
struct FrameWords {
  std::uint64_t code = 0;  // the code object's address
  bool entry = false;      // the first frame its _PyEval_EvalFrameDefault call ran
  std::uint32_t lasti = PY_NO_INSTR;
  std::uint32_t tag = 0;

  static constexpr FrameWords of(std::uint64_t w0, std::uint64_t w1) {
    return {w0 & ~PY_FRAME_ENTRY, (w0 & PY_FRAME_ENTRY) != 0, static_cast<std::uint32_t>(w1),
            static_cast<std::uint32_t>(w1 >> 32)};
  }
};

enum class FrameFailure {
  kNone,
  kGone,        // the process is gone, or was never known to run Python
  kUnreadable,  // its code object could not be read, was replaced, or is malformed
};

struct PythonFrame {
  std::string function;  // co_qualname
  std::string file;      // co_filename
  std::int32_t line = 0;        // of the frame's instruction; its first line if unknown
  std::int32_t start_line = 0;  // co_firstlineno
  FrameFailure failure = FrameFailure::kNone;
};

// How many code objects the resolver keeps, and their bytes (names and line
// tables: a few hundred bytes each).
struct ResolverLimits {
  std::size_t max_codes = 16384;
  std::size_t max_bytes = 8u << 20;
};

class FrameResolver {
 public:
  using MemoryOf = std::function<std::unique_ptr<Memory>(std::uint32_t pid)>;

  // `memory_of` opens a process's memory (default: ProcessMemory).
  FrameResolver(std::shared_ptr<const Registry> registry, MemoryOf memory_of = {},
                ResolverLimits limits = ResolverLimits{});

  PythonFrame resolve(std::uint32_t pid, const FrameWords& f);

  struct Stats {
    std::uint64_t code_reads = 0;  // code objects read from a process
    std::uint64_t stale = 0;       // ... that were not the sampled one any more
    std::uint64_t unreadable = 0;  // ... that could not be read or were malformed
    std::size_t cached = 0;
    std::size_t cached_bytes = 0;
  };
  Stats stats() const;

 private:
  struct Key {
    std::uint32_t pid;
    std::uint32_t tag;
    std::uint64_t code;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Entry {
    std::shared_ptr<const CodeObject> code;  // null: a failure
    FrameFailure failure = FrameFailure::kNone;
  };

  Entry read(std::uint32_t pid, const FrameWords& f);

  std::shared_ptr<const Registry> registry_;
  MemoryOf memory_of_;
  mutable std::mutex mu_;
  symbolize::LruCache<Key, Entry, KeyHash> cache_;
  Stats stats_;
};

}  // namespace profbufd::python
