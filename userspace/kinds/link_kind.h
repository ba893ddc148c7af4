// How a machine-wide kind's attach hands its loaded BPF object to the
// capture: linked now when the run writes files of the kind, or, when only
// HTTP serves it (AttachContext::on_demand), linked while requests hold it
// (Kind::link_on_demand, capture/program_links.h).
#pragma once

#include <memory>
#include <string>

#include "capture/attachment.h"
#include "capture/program_links.h"
#include "common/error.h"
#include "kinds/kind.h"

namespace profbufd::kinds {

// `what`: "the block profile". `object` keeps the loaded object alive.
Result<std::unique_ptr<capture::Attachment>> link_kind(const Kind& kind,
                                                       const capture::AttachContext& ctx,
                                                       std::string what,
                                                       std::shared_ptr<const void> object,
                                                       capture::ProgramLinks::Linker link,
                                                       capture::ProgramLinks::Hooks hooks = {});

}  // namespace profbufd::kinds
