#include "app/capture_setup.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "app/late_kinds.h"
#include "capture/core_btf.h"
#include "common/clock.h"
#include "common/log.h"
#include "kinds/registry.h"
#include "unwind/end_listener.h"
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

// The BPF objects' python_walk knob (bpf/python.bpf.h): Python processes are
// found by the unwinder, so the walk needs it.
std::uint8_t python_walk(const cli::Options& o, std::uint8_t mode) {
  return mode != 0 && !o.no_python ? 1 : 0;
}

// The process events when the walker is on (its tables must learn of exec
// and exit before any record is walked), then every kind of `regs` (the
// required ones: setup.kinds' first) attached with `ctx`. The first failure
// fails them all.
Result<Attachments> attach_required(const std::vector<const kinds::Registration*>& regs,
                                    const CaptureSetup& setup,
                                    const capture::AttachContext& ctx) {
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

// The optional kinds (setup.kinds' last), to load once sampling runs, with the
// walker mode the required ones got. Each load keeps `btf` open.
std::unique_ptr<LateKinds> late_kinds(const std::vector<const kinds::Registration*>& optional,
                                      CaptureSetup& setup,
                                      std::shared_ptr<const capture::CoreBtf> btf,
                                      std::uint8_t mode, std::uint8_t walk) {
  if (optional.empty()) return nullptr;
  capture::Capture* capture = setup.capture.get();
  const std::size_t first = setup.kinds.size() - optional.size();
  std::vector<LateKinds::Late> late;
  for (std::size_t i = 0; i < optional.size(); ++i) {
    const kinds::Kind* kind = setup.kinds[first + i].get();
    late.push_back({kind, [reg = optional[i], kind, capture, btf, mode, walk] {
                      capture::AttachContext ctx =
                          capture->attach_context(btf ? btf->path().c_str() : nullptr, mode, walk);
                      ctx.on_demand = true;
                      return reg->attach(*kind, ctx);
                    }});
  }
  return std::make_unique<LateKinds>(std::move(late), [capture](auto a) {
    capture->add(std::move(a));
  });
}

// Without the walker, the process events load on their own, and a listener
// passes their execs and exits on to the pipeline's ProcessTable. Optional:
// without them a pid's samples are named from the first program it ran, as
// one warning says.
void listen_for_ends(CaptureSetup& setup, const capture::AttachContext& ctx) {
  auto unavailable = [](const Error& e) {
    log::warning("exec and exit reports unavailable, so each pid's samples stay named from "
                 "the first program it ran: " + e.what + ": " + e.why);
  };
  auto events = unwind::attach_process_events(ctx);
  if (!events) return unavailable(events.error());
  if (!setup.ends) setup.ends = std::make_shared<ProcessEnds>();
  auto listener = unwind::EndListener::create(
      setup.capture->maps().fd(capture::SharedMap::kUwEvents), setup.ends);
  if (!listener) return unavailable(listener.error());  // the events detach here
  setup.capture->add(std::move(events).value());
  setup.end_listener = std::move(listener).value();
  setup.end_listener->start();
}

unwind::Unwinder::Fds unwinder_fds(const capture::SharedMaps& m) {
  using capture::SharedMap;
  unwind::Unwinder::Fds f;
  f.maps = {m.fd(SharedMap::kUwProcs), m.fd(SharedMap::kUwBins), m.fd(SharedMap::kUwPages),
            m.fd(SharedMap::kUwRows), m.fd(SharedMap::kUwRules), m.fd(SharedMap::kUwDemand)};
  f.events = m.fd(SharedMap::kUwEvents);
  f.counters = m.fd(SharedMap::kUwCounters);
  f.py_procs = m.fd(SharedMap::kPyProcs);
  f.py_counters = m.fd(SharedMap::kPyCounters);
  return f;
}

// Made before any kind attaches: targets named up front (--pid) get their
// tables built now, so that none of their first stacks fall back while the
// tables are built. Started once the kinds are attached.
Status make_unwinder(const cli::Options& options, CaptureSetup& setup) {
  const capture::SharedMapSizes& sizes = setup.capture->maps().sizes();
  unwind::Unwinder::Options uo;
  uo.limits = {sizes.uw_row_blocks, sizes.uw_page_entries, sizes.uw_rule_entries};
  if (!options.no_python) setup.python = std::make_shared<python::Registry>();
  uo.python = setup.python;
  setup.ends = std::make_shared<ProcessEnds>();
  uo.ends = setup.ends;
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

Result<KindNeeds> kind_needs(const cli::Options& options) {
  std::string known;
  for (const kinds::Registration* r : kinds::registered())
    known += (known.empty() ? "" : ", ") + std::string(r->name);
  for (const std::string& name : options.profiles) {
    const kinds::Registration* r = kinds::find(name);
    if (r == nullptr)
      return make_error(ExitCode::kUsage, "--profiles " + name, "no such profile kind",
                        "choose from " + known);
    if (r->request_only())
      return make_error(ExitCode::kUsage, "--profiles " + name, std::string(r->request_only_why),
                        std::string(r->request_only_hint));
  }
  KindNeeds n;
  auto wanted = [&](std::string_view name) {
    return name == "cpu" || std::find(options.profiles.begin(), options.profiles.end(), name) !=
                                options.profiles.end();
  };
  // A kind left out of --profiles is loaded whenever HTTP serves, but its
  // programs run only while requests hold it (linked on demand: block costs
  // ~0.5 us per context switch, which requests that may never come should not
  // pay for); the heap kind attaches per process on request anyway. Its
  // failure to load is noted (its requests answer 501), not fatal.
  for (const kinds::Registration* r : kinds::registered()) {
    if (wanted(r->name)) {
      n.required.push_back(r);
    } else if (options.http_listen) {
      n.optional.push_back(r);
    }
  }
  return n;
}

Result<CaptureSetup> open_capture(const cli::Options& options, capture::CaptureOptions base) {
  CaptureSetup setup;
  auto wanted = kind_needs(options);
  if (!wanted) return wanted.error();
  const KindNeeds& needs = *wanted;
  std::vector<const kinds::Registration*> regs = needs.required;
  regs.insert(regs.end(), needs.optional.begin(), needs.optional.end());
  unsigned rate = 0;  // the late kinds' too: the buffers are sized once
  for (const kinds::Registration* r : regs) {
    setup.kinds.push_back(r->make(options));
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
  // it must stay open until every object is loaded (the late kinds' too).
  std::shared_ptr<const capture::CoreBtf> btf;
  if (auto b = capture::CoreBtf::for_running_kernel())
    btf = std::make_shared<const capture::CoreBtf>(std::move(*b));
  setup.minimized_btf = btf != nullptr;
  const char* btf_path = btf ? btf->path().c_str() : nullptr;
  if (mode != 0)
    if (Status s = make_unwinder(options, setup); !s) return s.error();
  std::uint8_t walk = python_walk(options, mode);
  auto attached = attach_required(needs.required, setup,
                                  setup.capture->attach_context(btf_path, mode, walk));
  if (!attached && options.unwind == cli::UnwindMode::kAuto) {
    log::warning("unwinding tables unavailable, walking user stacks by frame pointers only: " +
                 attached.error().what + ": " + attached.error().why);
    setup.unwind_fallback = attached.error();
    setup.unwinder.reset();
    setup.python.reset();
    mode = 0;
    walk = 0;
    attached = attach_required(needs.required, setup, setup.capture->attach_context(btf_path, mode, walk));
  }
  if (!attached) return attached.error();
  if (setup.unwinder) setup.unwinder->start();
  if (mode == 0) listen_for_ends(setup, setup.capture->attach_context(btf_path, mode, walk));
  for (auto& a : *attached) setup.capture->add(std::move(a));
  setup.late = late_kinds(needs.optional, setup, std::move(btf), mode, walk);
  return setup;
}

}  // namespace profbufd
