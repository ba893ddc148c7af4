// Attaches the block kind: loads bpf/block.bpf.c against the shared maps,
// attaches its sched_switch, sys_exit and sched_process_exit tracepoints
// (tp_btf: no kprobes or trampolines needed), and gives the kind the reader
// of its map of blocked threads. The only code that includes the block
// kind's skeleton.
#pragma once

#include <memory>

#include "capture/attachment.h"
#include "common/error.h"
#include "kinds/block/block_kind.h"
#include "kinds/registry.h"

namespace profbufd::kinds::block {

// Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise (with libbpf's
// relevant log line).
Result<std::unique_ptr<capture::Attachment>> attach(const BlockKind& kind,
                                                    const capture::AttachContext& ctx);

// The block kind's entry in kinds/registry.cpp.
extern const Registration kRegistration;

}  // namespace profbufd::kinds::block
