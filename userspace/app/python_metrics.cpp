#include "app/python_metrics.h"

#include <string>

#include "python/stack_end.h"

namespace profbufd {

void python_walker_metrics(metrics::MetricWriter& w, const unwind::UnwinderStats& s) {
  const python::ProcessStats& p = s.python;
  const py_counters& c = s.python_walker;
  w.gauge("profbufd_python_processes", "Processes whose CPython frames are read at sample time",
          p.live);
  constexpr const char* kFoundHelp =
      "Processes found running CPython, by whether profbufd knows its version's layout: known "
      "(its frames are read), unknown (native frames only; logged once per version)";
  w.counter("profbufd_python_processes_found_total", kFoundHelp, {{"version", "known"}}, p.found);
  w.counter("profbufd_python_processes_found_total", kFoundHelp, {{"version", "unknown"}},
            p.unknown_versions);
  w.counter("profbufd_python_interpreter_read_failures_total",
            "Interpreter binaries that could not be opened or read as ELF", p.unreadable);
  constexpr const char* kWalkHelp =
      "Python stacks walked in BPF, by how the walk ended: complete, no_thread (the thread has "
      "no Python state), depth (more than 127 frames), no_room (the record was full of native "
      "frames), unreadable (interpreter memory could not be read)";
  for (std::size_t i = 0; i < python::kStackEndNames.size(); ++i)
    w.counter("profbufd_python_walks_total", kWalkHelp,
              {{"end", std::string(python::kStackEndNames[i])}}, c.c[PY_C_END_BASE + i + 1]);
  w.counter("profbufd_python_frames_total", "Python frames recorded by the BPF walker",
            c.c[PY_C_FRAMES]);
  constexpr const char* kThreadHelp =
      "Thread states looked up by the BPF walker, by how: cache (the tid's, still valid) or "
      "search (the interpreter's thread list walked)";
  w.counter("profbufd_python_thread_lookups_total", kThreadHelp, {{"how", "cache"}},
            c.c[PY_C_THREAD_HITS]);
  w.counter("profbufd_python_thread_lookups_total", kThreadHelp, {{"how", "search"}},
            c.c[PY_C_THREAD_SEARCHES]);
  w.counter("profbufd_python_stale_processes_total",
            "Samples of a reused pid whose Python entry was another process's: not walked",
            c.c[PY_C_STALE_PROCS]);
}

void python_code_metrics(metrics::MetricWriter& w, const python::FrameResolver::Stats& s) {
  constexpr const char* kReadHelp =
      "Code objects read from Python processes to name frames, by result: ok, stale (another "
      "object at the address since the sample), unreadable (gone, or malformed)";
  const std::uint64_t bad = s.stale + s.unreadable;
  w.counter("profbufd_python_code_reads_total", kReadHelp, {{"result", "ok"}},
            s.code_reads >= bad ? s.code_reads - bad : 0);
  w.counter("profbufd_python_code_reads_total", kReadHelp, {{"result", "stale"}}, s.stale);
  w.counter("profbufd_python_code_reads_total", kReadHelp, {{"result", "unreadable"}},
            s.unreadable);
  w.gauge("profbufd_python_code_cache_bytes",
          "Bytes of Python code objects (names, line tables) kept for naming frames",
          s.cached_bytes);
}

void python_prefetch_metrics(metrics::MetricWriter& w, const python::CodePrefetch::Stats& s) {
  constexpr const char* kHelp =
      "Python frames of a code object not yet offered, by what became of them: queued (its "
      "name read soon after the sample, so that it outlives the process), dropped (the queue "
      "was full: named at window close instead, if the process still runs)";
  w.counter("profbufd_python_code_prefetches_total", kHelp, {{"result", "queued"}}, s.queued);
  w.counter("profbufd_python_code_prefetches_total", kHelp, {{"result", "dropped"}}, s.dropped);
}

}  // namespace profbufd
