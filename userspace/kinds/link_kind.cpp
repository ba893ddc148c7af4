#include "kinds/link_kind.h"

#include <utility>

namespace profbufd::kinds {

Result<std::unique_ptr<capture::Attachment>> link_kind(const Kind& kind,
                                                       const capture::AttachContext& ctx,
                                                       std::string what,
                                                       std::shared_ptr<const void> object,
                                                       capture::ProgramLinks::Linker link,
                                                       capture::ProgramLinks::Hooks hooks) {
  auto links = std::make_shared<capture::ProgramLinks>(std::move(what), std::move(object),
                                                       std::move(link), std::move(hooks));
  if (ctx.on_demand) {
    kind.link_on_demand(links);
  } else if (Status s = links->link_now(); !s) {
    return s.error();
  }
  return capture::on_detach([links] { links->detach_all(); });
}

}  // namespace profbufd::kinds
