#include "app/pipeline.h"

#include <algorithm>

namespace profbufd {
namespace {

// kinds indexed by id, null where none.
template <typename T>
std::vector<const T*> by_id(const std::vector<const kinds::Kind*>& kinds) {
  std::vector<const T*> out;
  for (const kinds::Kind* k : kinds) {
    if (out.size() <= k->id()) out.resize(k->id() + 1u, nullptr);
    out[k->id()] = k;
  }
  return out;
}

}  // namespace

Pipeline::Lane::Lane(const std::string& cgroup2_mount, Symbolizer& symbolizer,
                     const ProfileContext& context, std::vector<const kinds::Kind*> kinds_by_id)
    : cgroups(cgroup2_mount), labeler(cgroups),
      publisher(symbolizer, context, std::move(kinds_by_id), &labeler) {}

Pipeline::Pipeline(PipelineConfig c)
    : kinds_(c.kinds), clock_(c.clock), nslots_(c.buffers.size()),
      ends_(c.ends), processes_(c.procfs_root, 4096, ends_, *clock_), symbolizer_(c.symbolizer) {
  reader_ = std::make_unique<Reader>(std::move(c.buffers), processes_,
                                     by_id<Aggregation>(kinds_), std::move(c.drops), *clock_,
                                     c.reader);
  if (c.symbolizer.python)
    python_prefetch_ = std::make_unique<python::CodePrefetch>(
        [this](std::uint32_t pid, std::uint64_t w0, std::uint64_t w1) {
          symbolizer_.prefetch_python(pid, w0, w1);
        });
  lane_ = std::make_unique<Lane>(c.cgroup2_mount, symbolizer_, c.context, by_id<kinds::Kind>(kinds_));
  request_lane_ =
      std::make_unique<Lane>(c.cgroup2_mount, symbolizer_, c.context, by_id<kinds::Kind>(kinds_));
  recent_ = std::make_shared<RecentProfiles>(RecentProfiles::kDefaultMaxProfiles,
                                             c.recent_max_bytes);
  Publisher::Sinks sinks;
  if (c.files) {
    file_sink_ = std::make_shared<FileSink>(*c.files);
    sinks.push_back(file_sink_);
  }
  if (c.files || c.store_windows || !c.window_sinks.empty()) {
    sinks.push_back(recent_);
    sinks.insert(sinks.end(), c.window_sinks.begin(), c.window_sinks.end());
    file_windows_ =
        std::make_unique<FileWindows>(*reader_, lane_->publisher, c.file_kinds, sinks, nslots_);
  }
}

cgroup::CgroupResolver::Stats Pipeline::cgroup_stats() const {
  cgroup::CgroupResolver::Stats sum = lane_->cgroups.stats();
  return sum += request_lane_->cgroups.stats();
}

std::optional<python::CodePrefetch::Stats> Pipeline::python_prefetch_stats() const {
  if (!python_prefetch_) return std::nullopt;
  return python_prefetch_->stats();
}

const kinds::Kind* Pipeline::kind(std::string_view name) const {
  for (const kinds::Kind* k : kinds_)
    if (k->name() == name) return k;
  return nullptr;
}

void Pipeline::start(std::uint64_t start_ns, std::int64_t start_unix_ns, bool reader_thread) {
  if (file_windows_) file_windows_->open(start_ns, start_unix_ns);
  if (reader_thread) reader_->start();
}

void Pipeline::end_windows() {
  if (file_windows_) file_windows_->end();
}

void Pipeline::finish(std::uint64_t end_ns) {
  if (finished_) return;
  finished_ = true;
  reader_->finish(end_ns);
  lane_->publisher.finish();
  request_lane_->publisher.finish();
}

}  // namespace profbufd
