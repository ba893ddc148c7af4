// Attaches the goroutine kind: loads bpf/goroutine.bpf.c (a sleepable task
// iterator) against the shared maps, attaches nothing (an iterator runs only
// when read), and gives the kind its TaskIterators. The only code that
// includes the goroutine kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/goroutine/goroutine_kind.h"
#include "kinds/registry.h"

namespace profbufd::kinds::goroutine {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise.
Result<std::unique_ptr<capture::Attachment>> attach(const GoroutineKind& kind,
                                                    const capture::AttachContext& ctx);

// The goroutine kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::goroutine
