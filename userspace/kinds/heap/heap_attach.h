// Attaches the heap kind: loads bpf/heap.bpf.c against the shared maps with
// its sampling rate, attaches nothing (the uprobes go on per process, on
// request: heap_probes.h), and gives the kind its prober. The only code that
// includes the heap kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/heap/heap_kind.h"
#include "kinds/registry.h"

namespace profbufd::kinds::heap {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise.
Result<std::unique_ptr<capture::Attachment>> attach(const HeapKind& kind,
                                                    const capture::AttachContext& ctx);

// The heap kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::heap
