// Attaches bpf/process.bpf.c: on exec and exit, the process's published
// mappings are deleted in the kernel and the unwinder is told (uw_events).
// The only code that includes that object's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"

namespace profbufd::unwind {

Result<std::unique_ptr<capture::Attachment>> attach_process_events(
    const capture::AttachContext& ctx);

}  // namespace profbufd::unwind
