// Everything after the capture, wired: kinds x sinks.
//
//   ProfBuf[cpu] --> Reader (core/) --closed windows-->
//     periodic windows --> Publisher --> FileSink (when files are written)
//                                        + RecentProfiles + the extra window
//                                        sinks (push to Pyroscope)
//     HTTP windows --> request Publisher --> the request that opened them
//                                            (app/window_profile_source.h)
//
// Two publishers, each a thread with the cgroup cache and labeler only it
// uses, sharing the symbolizer (which takes its own lock): an HTTP client
// waits for its window only, never for the periodic windows queued before
// it (a build can take seconds on a busy host), nor they for it.
//
// Nothing here loads BPF: the buffers and the drop counter come from the
// capture (app/profiler.cpp) or, in tests, from hand-made ProfBufs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/file_windows.h"
#include "cgroup/cgroup_resolver.h"
#include "common/clock.h"
#include "core/reader.h"
#include "kinds/kind.h"
#include "model/labeler.h"
#include "model/profile_builder.h"
#include "process/process_table.h"
#include "sinks/file_sink.h"
#include "sinks/publisher.h"
#include "sinks/recent_profiles.h"
#include "python/code_prefetch.h"
#include "symbolize/symbolizer.h"

namespace profbufd {

struct PipelineConfig {
  std::vector<ProfBuf*> buffers;  // index = CPU id; null: no buffer
  Reader::DropCounter drops;
  std::vector<const kinds::Kind*> kinds;       // every kind being captured
  std::vector<const kinds::Kind*> file_kinds;  // of those, the ones file windows collect
  std::optional<FileSink::Options> files;      // unset: no files written
  // Periodic windows without files: they feed the store of recent profiles
  // (the web page) and `window_sinks`. Implied by non-empty window_sinks.
  bool store_windows = false;
  Publisher::Sinks window_sinks;               // every periodic window goes here too
  ProfileContext context;
  std::size_t recent_max_bytes = RecentProfiles::kDefaultMaxBytes;
  const Clock* clock = &SystemClock::instance();
  Reader::Options reader;
  Symbolizer::Options symbolizer;
  std::string procfs_root = "/proc";
  std::shared_ptr<ProcessEnds> ends;  // for the ProcessTable; null: none told
  // Where cgroup v2 is mounted, for the labels of who each sample belongs to
  // (model/labeler.h); empty: no cgroup v2, labels come from /proc/PID/cgroup.
  std::string cgroup2_mount;
};

class Pipeline {
 public:
  explicit Pipeline(PipelineConfig config);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Opens the file windows at `start_ns` and, if `reader_thread`, starts the
  // reader thread (tests leave it off and call reader().run_pass()).
  void start(std::uint64_t start_ns, std::int64_t start_unix_ns, bool reader_thread = true);
  // The run ends now: closes the books of the file windows. Call before
  // stopping the capture, so that what the books measure (idle time) covers
  // the time sampled.
  void end_windows();
  // Once the capture has closed every buffer: drains the reader to EOF, ends
  // every window at `end_ns` and publishes all of them. Idempotent.
  void finish(std::uint64_t end_ns);

  Reader& reader() { return *reader_; }
  // The periodic windows' publisher, and the HTTP requests'.
  Publisher& publisher() { return lane_->publisher; }
  Publisher& request_publisher() { return request_lane_->publisher; }
  Symbolizer& symbolizer() { return symbolizer_; }
  const Symbolizer& symbolizer() const { return symbolizer_; }
  // What labelling windows has cost, both publishers' (safe from any thread).
  cgroup::CgroupResolver::Stats cgroup_stats() const;
  RecentProfiles& recent() { return *recent_; }
  const RecentProfiles& recent() const { return *recent_; }
  const FileSink* file_sink() const { return file_sink_.get(); }
  FileWindows* file_windows() { return file_windows_.get(); }
  const Reader& reader() const { return *reader_; }
  const Publisher& publisher() const { return lane_->publisher; }
  const Publisher& request_publisher() const { return request_lane_->publisher; }
  std::size_t ncpu_slots() const { return nslots_; }
  const Clock& clock() const { return *clock_; }
  // The captured kind called `name`, or null.
  const kinds::Kind* kind(std::string_view name) const;
  const std::vector<const kinds::Kind*>& kinds() const { return kinds_; }
  // What the capture tells of each sample's Python frames, so that their
  // names are read while the process lives; null when Python frames are off.
  python::CodePrefetch* python_prefetch() { return python_prefetch_.get(); }
  // Who tells the ProcessTable of execs and exits; null when nobody does.
  const ProcessEnds* process_ends() const { return ends_.get(); }
  std::optional<python::CodePrefetch::Stats> python_prefetch_stats() const;

 private:
  // A publisher with the cgroup cache and the labeler its thread alone uses
  // (model/labeler.h).
  struct Lane {
    Lane(const std::string& cgroup2_mount, Symbolizer& symbolizer, const ProfileContext& context,
         std::vector<const kinds::Kind*> kinds_by_id);
    cgroup::CgroupResolver cgroups;
    Labeler labeler;
    Publisher publisher;  // last: its thread starts at once and uses the others
  };

  std::vector<const kinds::Kind*> kinds_;
  const Clock* clock_;
  std::size_t nslots_;
  std::shared_ptr<ProcessEnds> ends_;
  ProcessTable processes_;
  Symbolizer symbolizer_;
  std::unique_ptr<python::CodePrefetch> python_prefetch_;  // after: it calls symbolizer_
  std::unique_ptr<Reader> reader_;
  std::unique_ptr<Lane> lane_, request_lane_;
  std::shared_ptr<RecentProfiles> recent_;
  std::shared_ptr<FileSink> file_sink_;
  std::unique_ptr<FileWindows> file_windows_;
  bool finished_ = false;
};

}  // namespace profbufd
