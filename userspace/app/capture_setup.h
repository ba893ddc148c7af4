// The kinds a run captures, made from the command line through the registry
// (kinds/registry.h), and the capture with every one of them attached.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "capture/capture.h"
#include "cli/options.h"
#include "common/error.h"
#include "kinds/kind.h"

namespace profbufd {

struct CaptureSetup {
  std::vector<std::unique_ptr<kinds::Kind>> kinds;
  std::unique_ptr<capture::Capture> capture;
  // Whether CO-RE relocation used the build's minimized BTF (capture/core_btf.h)
  // rather than the kernel's full BTF.
  bool minimized_btf = false;

  std::vector<const kinds::Kind*> kind_list() const;
  // The kind called `name`; throws std::out_of_range if it is not registered.
  const kinds::Kind& kind(std::string_view name) const;
};

// Makes every registered kind from `options`, opens the capture (`base` with
// the pid filter, ring size and record rate taken from `options` and the
// kinds) and attaches each kind. Sampling starts at attach; records wait in
// the ring until the capture starts its loader.
Result<CaptureSetup> open_capture(const cli::Options& options,
                                  capture::CaptureOptions base = {});

}  // namespace profbufd
