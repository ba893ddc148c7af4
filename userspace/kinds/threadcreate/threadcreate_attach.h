// Attaches the threadcreate kind: loads bpf/threadcreate.bpf.c against the
// shared maps and attaches its sched_process_fork tracepoint (tp_btf), for
// the run or on demand (kinds/link_kind.h). The only code that includes the
// kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/registry.h"

namespace profbufd::kinds::threadcreate {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise (with libbpf's
// relevant log line).
Result<std::unique_ptr<capture::Attachment>> attach(const Kind& kind,
                                                    const capture::AttachContext& ctx);

// The threadcreate kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::threadcreate
