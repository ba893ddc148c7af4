// A profile kind: what one kind of record measures, from the BPF program that
// produces it to the sample types of its profile. The core (capture, reader,
// windows, sinks) knows nothing else about samples.
//
// Adding a kind means: bpf/<kind>.bpf.c (one program, using bpf/record.bpf.h);
// a folder kinds/<kind>/ with a Kind (this interface) and an attach function
// (the only code that includes the kind's skeleton); and one line in
// kinds/registry.cpp.
//
// A Kind object is shared by every thread: the reader asks accumulators()
// once, windows' openers call open_books(), the profile builder calls the
// rest. It is immutable once made, except for what settings_changed() tells
// it, which an implementation keeps in atomics.
#pragma once

#include <cstdint>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregation.h"
#include "core/window.h"
#include "common/hold.h"
#include "core/window_books.h"
#include "metrics/metric_writer.h"
#include "model/profile.h"
#include "model/profile_assembly.h"

namespace profbufd::kinds {

// The sample types and period of a kind's profiles (pprof's terms).
struct ProfileShape {
  std::vector<ValueType> sample_types;  // 1 to kMaxSampleTypes
  std::string default_sample_type;      // one of sample_types[].type
  ValueType period_type;
  std::int64_t period = 0;
};

class Kind : public Aggregation {
 public:
  // PROFBUFD_KIND_* of bpf/profbufd.h: the `kind` of its records.
  virtual std::uint16_t id() const = 0;
  // "cpu": how users name it (flags, file names, JSON, metrics labels).
  virtual std::string_view name() const = 0;
  virtual ProfileShape shape() const = 0;
  // Records per second one CPU produces in steady state (the capture sizes its
  // buffers for every attached kind together).
  virtual unsigned records_per_cpu_second() const = 0;

  // Books for a window about to open (`w` has its start, pids and kind set);
  // null when the kind keeps none for such a window.
  virtual std::unique_ptr<WindowBooks> open_books(const Window& w) const {
    (void)w;
    return nullptr;
  }

  // The profile values (shape().sample_types order) of one aggregated stack,
  // from its accumulators (one word per accumulators() entry).
  virtual void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const = 0;
  // The values of the aggregated stack of window `w` whose StackTable key is
  // `stack`: values(acc, out), unless the kind's books know more of that
  // stack (the heap kind: what of it is still in use when the window ends).
  virtual void stack_values(const Window& w, std::span<const std::uint64_t> stack,
                            std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
    (void)w;
    (void)stack;
    values(acc, out);
  }
  // The values of `n` records lost before they could be aggregated.
  virtual void lost_values(std::uint64_t n, std::span<std::int64_t> out) const = 0;
  // Kind-specific labels of a stack whose records carried `flags`.
  virtual void labels(std::uint16_t flags, std::vector<Label>& out) const {
    (void)flags;
    (void)out;
  }
  // For a kind that records one instant rather than a span of time
  // (goroutine: every thread, now): called once a request's window is open
  // in the reader (its books made by open_books()), it makes the window's
  // records and returns true; the window then ends at once, whatever the
  // request's duration. Kinds that record over time return false. Called on
  // HTTP worker threads, one at a time per kind if its hold() says so.
  virtual bool snapshot(Window& w) const {
    (void)w;
    return false;
  }
  // After the stacks and lost samples are in: what else the kind knows of the
  // window (its books included).
  virtual void finish(const Window& w, ProfileAssembly& a) const {
    (void)w;
    (void)a;
  }
  // The run's settings changed (SIGHUP, app/reloader.h): sampling now runs at
  // `frequency_hz`, and `filtered` says whether a kernel filter keeps only
  // some processes. Called on the reloading thread while others use the kind.
  virtual void settings_changed(unsigned frequency_hz, bool filtered) const {
    (void)frequency_hz;
    (void)filtered;
  }
  // Before a request's window opens: what the request must hold while it
  // runs. A kind linked on demand (link_on_demand()) hands out its links; a
  // kind that attaches per process on request overrides it (heap: uprobes of
  // the one process in `pids`; with `sample_type` inuse_*, its frees too).
  // Kinds linked for the whole run need nothing. Called on HTTP worker
  // threads, several at once.
  virtual Hold hold(std::span<const std::uint32_t> pids, std::string_view sample_type) const {
    (void)pids;
    (void)sample_type;
    if (auto links = on_demand_.load()) return links->acquire();
    return {};
  }
  // Set once by the kind's attach when its programs are loaded but linked
  // only while requests hold them (HTTP serves it, the run writes no files
  // of it: capture/program_links.h).
  void link_on_demand(std::shared_ptr<HoldSource> links) const { on_demand_.store(std::move(links)); }
  // Drops `links` if link_on_demand() last set it: a stand-in set while the
  // kind loads (app/late_kinds.h) that its attach did not replace.
  void unlink_on_demand(const HoldSource* links) const {
    auto current = on_demand_.load();
    if (current.get() == links) on_demand_.compare_exchange_strong(current, nullptr);
  }
  // Whether its programs run now (profbufd_kind_running): always, unless
  // linked on demand; nullopt for a kind probed per process (heap).
  virtual std::optional<bool> running() const {
    const auto links = on_demand_.load();
    return links ? links->active() : true;
  }
  // The kind's own counters for /metrics (what it loses on its BPF side
  // beyond the shared ring), at scrape time, on the scraping thread.
  virtual void write_metrics(metrics::MetricWriter& w) const { (void)w; }

 private:
  mutable std::atomic<std::shared_ptr<HoldSource>> on_demand_;
};

}  // namespace profbufd::kinds
