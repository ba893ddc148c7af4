// Attaches the mutex kind: loads bpf/mutex.bpf.c against the shared maps,
// attaches its sys_enter and sys_exit tracepoints (tp_btf), and gives the
// kind the reader of its counters. The only code that includes the mutex
// kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/mutex/mutex_kind.h"
#include "kinds/registry.h"

namespace profbufd::kinds::mutex {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise (with libbpf's
// relevant log line).
Result<std::unique_ptr<capture::Attachment>> attach(const MutexKind& kind,
                                                    const capture::AttachContext& ctx);

// The mutex kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::mutex
