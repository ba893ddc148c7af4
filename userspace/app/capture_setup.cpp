#include "app/capture_setup.h"

#include <optional>
#include <stdexcept>
#include <string>

#include "capture/core_btf.h"
#include "common/clock.h"
#include "common/log.h"
#include "kinds/registry.h"
#include "unwind/process_events.h"

namespace profbufd {
namespace {

using Attachments = std::vector<std::unique_ptr<capture::Attachment>>;

// The BPF objects' unwind_mode knob (bpf/unwind.bpf.h).
std::uint8_t walker_mode(cli::UnwindMode m) {
  switch (m) {
    case cli::UnwindMode::kFp: return 0;
    case cli::UnwindMode::kAuto: return 1;
    case cli::UnwindMode::kDwarf: return 2;
  }
  return 0;
}

// Every kind attached with `ctx`, and the process events when the walker is on
// (its tables must learn of exec and exit before any record is walked).
Result<Attachments> attach_all(const std::vector<const kinds::Registration*>& regs,
                               const CaptureSetup& setup, const capture::AttachContext& ctx) {
  Attachments out;
  if (ctx.unwind_mode != 0) {
    auto events = unwind::attach_process_events(ctx);
    if (!events) return events.error();
    out.push_back(std::move(events).value());
  }
  for (std::size_t i = 0; i < regs.size(); ++i) {
    auto attached = regs[i]->attach(*setup.kinds[i], ctx);
    if (!attached) return attached.error();
    out.push_back(std::move(attached).value());
  }
  return out;
}

unwind::Unwinder::Fds unwinder_fds(const capture::SharedMaps& m) {
  using capture::SharedMap;
  unwind::Unwinder::Fds f;
  f.maps = {m.fd(SharedMap::kUwProcs), m.fd(SharedMap::kUwBins), m.fd(SharedMap::kUwPages),
            m.fd(SharedMap::kUwRows), m.fd(SharedMap::kUwRules), m.fd(SharedMap::kUwDemand)};
  f.events = m.fd(SharedMap::kUwEvents);
  f.counters = m.fd(SharedMap::kUwCounters);
  return f;
}

// Made before any kind attaches: targets named up front (--pid) get their
// tables built now, so that none of their first stacks fall back while the
// tables are built. Started once the kinds are attached.
Status make_unwinder(const cli::Options& options, CaptureSetup& setup) {
  const capture::SharedMapSizes& sizes = setup.capture->maps().sizes();
  unwind::Unwinder::Options uo;
  uo.limits = {sizes.uw_row_blocks, sizes.uw_page_entries, sizes.uw_rule_entries};
  auto u = unwind::Unwinder::create(unwinder_fds(setup.capture->maps()), uo,
                                    SystemClock::instance());
  if (!u) return u.error();
  setup.unwinder = std::move(u).value();
  for (std::uint32_t pid : options.pids) setup.unwinder->prime(pid);
  return ok_status();
}

}  // namespace

std::vector<const kinds::Kind*> CaptureSetup::kind_list() const {
  std::vector<const kinds::Kind*> out;
  for (const auto& k : kinds) out.push_back(k.get());
  return out;
}

const kinds::Kind& CaptureSetup::kind(std::string_view name) const {
  for (const auto& k : kinds)
    if (k->name() == name) return *k;
  throw std::out_of_range("no kind " + std::string(name));
}

Result<CaptureSetup> open_capture(const cli::Options& options, capture::CaptureOptions base) {
  CaptureSetup setup;
  std::vector<const kinds::Registration*> regs;
  unsigned rate = 0;
  for (const kinds::Registration* r : kinds::registered()) {
    setup.kinds.push_back(r->make(options));
    regs.push_back(r);
    rate += setup.kinds.back()->records_per_cpu_second();
  }
  std::uint8_t mode = walker_mode(options.unwind);
  base.records_per_cpu_second = rate;
  base.pids = options.pids;
  base.ringbuf_bytes = options.ringbuf_bytes;
  base.unwind_table_bytes = mode != 0 ? options.unwind_table_bytes : 0;
  auto capture = capture::Capture::open(base);
  if (!capture) return capture.error();
  setup.capture = std::move(capture).value();

  // Relocate against the build's minimized BTF when this is the build's kernel;
  // it must stay open until every object is loaded.
  const std::optional<capture::CoreBtf> btf = capture::CoreBtf::for_running_kernel();
  setup.minimized_btf = btf.has_value();
  const char* btf_path = btf ? btf->path().c_str() : nullptr;
  if (mode != 0)
    if (Status s = make_unwinder(options, setup); !s) return s.error();
  auto attached = attach_all(regs, setup, setup.capture->attach_context(btf_path, mode));
  if (!attached && options.unwind == cli::UnwindMode::kAuto) {
    log::warning("unwinding tables unavailable, walking user stacks by frame pointers only: " +
                 attached.error().what + ": " + attached.error().why);
    setup.unwind_fallback = attached.error();
    setup.unwinder.reset();
    mode = 0;
    attached = attach_all(regs, setup, setup.capture->attach_context(btf_path, mode));
  }
  if (!attached) return attached.error();
  if (setup.unwinder) setup.unwinder->start();
  for (auto& a : *attached) setup.capture->add(std::move(a));
  return setup;
}

}  // namespace profbufd
