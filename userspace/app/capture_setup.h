// The kinds a run captures, made from the command line through the registry
// (kinds/registry.h), the capture with every one of them attached, and the
// user-stack unwinder that serves their BPF walker (unwind/unwinder.h).
#pragma once

#include <memory>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "app/late_kinds.h"
#include "capture/capture.h"
#include "cli/options.h"
#include "common/error.h"
#include "kinds/kind.h"
#include "kinds/registry.h"
#include "process/process_ends.h"
#include "unwind/end_listener.h"
#include "unwind/unwinder.h"

namespace profbufd {

struct CaptureSetup {
  std::vector<std::unique_ptr<kinds::Kind>> kinds;
  std::unique_ptr<capture::Capture> capture;
  // Null with --unwind fp, or when --unwind auto fell back to frame pointers.
  // Declared after the capture: destroyed first, while the maps it writes
  // still exist.
  std::unique_ptr<unwind::Unwinder> unwinder;
  // The Python processes the unwinder found, for the symbolizer; null when
  // Python frames are off (--no-python, or no unwinder).
  std::shared_ptr<python::Registry> python;
  // The execs and exits of processes, as the unwinder hears of them (or,
  // without it, end_listener), for the pipeline's ProcessTable; null when
  // neither runs (a snapshot then stays the first program's until evicted).
  std::shared_ptr<ProcessEnds> ends;
  // Hears the execs and exits when the walker is off (--unwind fp, or auto
  // fallen back); null with the walker. After the capture, like the unwinder.
  std::unique_ptr<unwind::EndListener> end_listener;
  // Why --unwind auto walks frame pointers only (the walker did not load).
  std::optional<Error> unwind_fallback;
  // Whether CO-RE relocation used the build's minimized BTF (capture/core_btf.h)
  // rather than the kernel's full BTF.
  bool minimized_btf = false;
  // The kinds HTTP serves beyond --profiles, loaded once sampling runs
  // (start() it then); null when there are none. They are in `kinds` from the
  // start, whether or not they load. Declared last: destroyed first, its
  // thread joined while the capture it adds to exists.
  std::unique_ptr<LateKinds> late;

  std::vector<const kinds::Kind*> kind_list() const;
  // The kind called `name`; throws std::out_of_range if it is not registered.
  const kinds::Kind& kind(std::string_view name) const;
};

// Which kinds a run captures: the CPU kind and every kind of --profiles
// must attach (a failure fails the run); with an HTTP listener, every other
// registered kind is loaded too, once sampling runs (app/late_kinds.h), so
// that its endpoint can answer, but may fail (its requests then answer 501).
// They are loaded at start, not when a request first asks: loading takes the
// verifier's time, which a request's window must not lose.
struct KindNeeds {
  std::vector<const kinds::Registration*> required;  // cpu and --profiles: attached
  // With --http-listen, the others: loaded if they can be, linked on demand.
  std::vector<const kinds::Registration*> optional;
};
// kUsage when --profiles names a kind that is not registered.
Result<KindNeeds> kind_needs(const cli::Options& options);

// Makes the kinds kind_needs() names from `options`, opens the capture (`base` with
// the pid filter, ring size and record rate taken from `options` and the
// kinds) and attaches each required kind; the optional ones are left to
// CaptureSetup::late. With --unwind auto or dwarf it also attaches
// the process events, starts the unwinder and, for --pid, builds the target
// processes' tables before sampling starts. Sampling starts at attach; records
// wait in the ring until the capture starts its loader.
//
// --unwind auto falls back to frame pointers, with one warning, when the table
// walker cannot load (a kernel before 5.17 has no bpf_loop); --unwind dwarf
// fails with kBpfLoad instead.
Result<CaptureSetup> open_capture(const cli::Options& options,
                                  capture::CaptureOptions base = {});

}  // namespace profbufd
