// CoreBtf::for_running_kernel: the one part of CO-RE BTF selection that needs the
// minimized BTF generated at build time (build/gen/min_core_btf.h), kept apart so
// that everything else in core_btf.cpp builds and is tested without it.
#include "capture/core_btf.h"

#include "min_core_btf.h"

namespace profbufd::capture {

std::optional<CoreBtf> CoreBtf::for_running_kernel(const std::string& vmlinux) {
  return select(vmlinux,
                BtfIdentity{generated::kSourceBtfSize, generated::kSourceBtfCrc32},
                generated::kMinCoreBtf);
}

}  // namespace profbufd::capture
