// Attaches the CPU kind: loads bpf/cpu.bpf.c against the shared maps and opens
// a cpu-clock perf event on every online CPU with the program on it. The only
// code that includes the CPU kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/cpu/cpu_kind.h"
#include "kinds/registry.h"

namespace profbufd::kinds::cpu {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise (with libbpf's
// relevant log line), naming the step and, for perf events, the CPU.
Result<std::unique_ptr<capture::Attachment>> attach(const CpuConfig& config,
                                                    const capture::AttachContext& ctx);

// The CPU kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::cpu
