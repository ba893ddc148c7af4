#include "app/unwind_metrics.h"

#include <string>

#include "app/python_metrics.h"
#include "core/stack_truncation.h"
#include "unwind/unwinder.h"

namespace profbufd {
namespace {

using metrics::MetricWriter;

void table_metrics(MetricWriter& w, const unwind::UnwinderStats& s) {
  const unwind::TableStoreStats& t = s.tables;
  w.gauge("profbufd_unwind_table_capacity_bytes",
          "Kernel memory reserved for unwind tables (--unwind-table-memory)", t.capacity_bytes);
  w.gauge("profbufd_unwind_table_bytes", "Kernel memory taken by loaded unwind tables",
          t.used_bytes);
  w.gauge("profbufd_unwind_table_rows", "Rows of the loaded unwind tables", t.rows);
  w.gauge("profbufd_unwind_binaries", "Binaries known to the unwinder (with a table id)",
          t.binaries);
  w.gauge("profbufd_unwind_tables", "Binaries whose unwind table is loaded", t.ready);
  w.counter("profbufd_unwind_table_evictions_total",
            "Unwind tables evicted to make room (least recently used first)", t.evictions);
  constexpr const char* kBuildHelp =
      "Unwind table builds, by result: ok, unreadable (file gone or not ELF), no_room (larger "
      "than --unwind-table-memory allows), invalid (beyond the table format)";
  w.counter("profbufd_unwind_table_builds_total", kBuildHelp, {{"result", "ok"}}, s.builds);
  w.counter("profbufd_unwind_table_builds_total", kBuildHelp, {{"result", "unreadable"}},
            s.build_unreadable);
  w.counter("profbufd_unwind_table_builds_total", kBuildHelp, {{"result", "no_room"}}, t.no_room);
  w.counter("profbufd_unwind_table_builds_total", kBuildHelp, {{"result", "invalid"}},
            s.build_invalid);
  w.counter("profbufd_unwind_table_build_seconds_total",
            "Time spent building and loading unwind tables",
            static_cast<double>(s.build_ns) / 1e9);
  w.counter("profbufd_unwind_cfi_read_bytes_total",
            "Bytes of .eh_frame and .debug_frame read to build unwind tables", s.eh_frame_bytes);
  w.counter("profbufd_unwind_cfi_sections_refused_total",
            "CFI sections refused unread by libdw as hostile (a register past 255, or "
            "remember_state nested past 64): their code unwinds by frame pointers",
            s.cfi_refused);
  w.gauge("profbufd_unwind_pending_builds",
          "Unwind tables walks have needed and that are not loaded yet (queued, building, or waiting for room)",
          s.pending_builds);
  w.gauge("profbufd_unwind_unneeded_tables",
          "Binaries mapped by published processes whose tables no walk has needed yet (built when one does)",
          s.unneeded_tables);
  w.gauge("profbufd_unwind_processes", "Processes whose mappings are published to the walker",
          s.live_processes);
  w.counter("profbufd_unwind_processes_vanished_total",
            "Processes gone before their mappings could be read", s.processes.vanished);
}

void walker_metrics(MetricWriter& w, const uw_counters& c) {
  constexpr const char* kFramesHelp =
      "User frames found by the table walker, by how the step to the caller was made: table "
      "(an unwind row), signal (through a signal frame), other (frame pointers, or the last "
      "frame)";
  const std::uint64_t frames = c.c[UW_C_FRAMES];
  const std::uint64_t table = c.c[UW_C_TABLE_FRAMES], signal = c.c[UW_C_SIGNAL_FRAMES];
  w.counter("profbufd_unwind_frames_total", kFramesHelp, {{"method", "table"}}, table);
  w.counter("profbufd_unwind_frames_total", kFramesHelp, {{"method", "signal"}}, signal);
  w.counter("profbufd_unwind_frames_total", kFramesHelp, {{"method", "other"}},
            frames > table + signal ? frames - table - signal : 0);
  constexpr const char* kFallbackHelp =
      "Frames where the walker fell back to frame pointers, by reason: unwind_table_pending "
      "(the process's mappings or its binary's table not loaded yet), no_mapping (JIT or "
      "anonymous code), no_table (no CFI covers the address), unsupported_rule";
  w.counter("profbufd_unwind_fallback_frames_total", kFallbackHelp,
            {{"reason", "unwind_table_pending"}},
            c.c[UW_C_FP_NO_PROCESS] + c.c[UW_C_FP_PENDING]);
  w.counter("profbufd_unwind_fallback_frames_total", kFallbackHelp, {{"reason", "no_mapping"}},
            c.c[UW_C_FP_NO_MAPPING]);
  w.counter("profbufd_unwind_fallback_frames_total", kFallbackHelp, {{"reason", "no_table"}},
            c.c[UW_C_FP_NO_TABLE]);
  w.counter("profbufd_unwind_fallback_frames_total", kFallbackHelp,
            {{"reason", "unsupported_rule"}}, c.c[UW_C_FP_UNSUPPORTED]);
  constexpr const char* kWalkHelp =
      "User stacks walked with unwind tables, by how the walk ended: entry (the outermost "
      "frame: complete) or the reason it stopped early";
  w.counter("profbufd_unwind_walks_total", kWalkHelp, {{"end", "entry"}},
            c.c[int{UW_C_END_BASE} + int{UW_END_ENTRY}]);
  for (std::size_t i = 0; i < kTruncationReasons; ++i)
    w.counter("profbufd_unwind_walks_total", kWalkHelp,
              {{"end", std::string(kTruncationNames[i])}}, c.c[int{UW_C_END_BASE} + 1 + i]);
  constexpr const char* kRequestHelp =
      "Requests from the walker to publish a process, by result: sent or ring_full (dropped; "
      "asked again later)";
  w.counter("profbufd_unwind_requests_total", kRequestHelp, {{"result", "sent"}},
            c.c[UW_C_REQUESTS]);
  w.counter("profbufd_unwind_requests_total", kRequestHelp, {{"result", "ring_full"}},
            c.c[UW_C_REQUESTS_FULL]);
}

}  // namespace

void unwind_metrics(MetricWriter& w, const unwind::Unwinder* unwinder) {
  constexpr const char* kModeHelp =
      "1 for how user stacks are walked: dwarf (unwind tables, frame pointers where a binary "
      "has none) or fp (frame pointers only)";
  w.gauge("profbufd_user_unwind_mode", kModeHelp, {{"mode", "dwarf"}}, unwinder ? 1 : 0);
  w.gauge("profbufd_user_unwind_mode", kModeHelp, {{"mode", "fp"}}, unwinder ? 0 : 1);
  const unwind::UnwinderStats s = unwinder ? unwinder->stats() : unwind::UnwinderStats{};
  table_metrics(w, s);
  walker_metrics(w, s.walker);
  python_walker_metrics(w, s);
}

}  // namespace profbufd
