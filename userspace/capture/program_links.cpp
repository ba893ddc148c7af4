#include "capture/program_links.h"

#include <cerrno>
#include <utility>

#include "capture/libbpf_log.h"

namespace profbufd::capture {

ProgramLinks::ProgramLinks(std::string what, std::shared_ptr<const void> object, Linker link,
                           Hooks hooks)
    : what_(std::move(what)),
      object_(std::move(object)),
      link_(std::move(link)),
      hooks_(std::move(hooks)) {}

Result<std::shared_ptr<LinkSet>> ProgramLinks::make_linked() {
  if (hooks_.before) hooks_.before();
  auto links = link_();
  if (!links) return links.error();
  auto linked = std::make_shared<LinkSet>(std::move(links).value(), object_);
  if (hooks_.after) hooks_.after();
  return linked;
}

Status ProgramLinks::link_now() {
  std::lock_guard lock(mu_);
  auto linked = make_linked();
  if (!linked) return linked.error();
  for_run_ = std::move(linked).value();
  return ok_status();
}

Hold ProgramLinks::acquire() {
  std::lock_guard lock(mu_);
  if (detached_)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, what_, "profbufd is stopping"));
  if (for_run_) return {};  // runs anyway
  if (auto current = on_demand_.lock()) return Hold::held(std::move(current));
  auto linked = make_linked();
  if (!linked) {
    Error e = linked.error();
    e.what = what_ + ": " + e.what;
    return Hold::refused(Hold::Refusal::kUnsupported, std::move(e));
  }
  on_demand_ = *linked;
  return Hold::held(std::move(linked).value());
}

bool ProgramLinks::active() const {
  std::lock_guard lock(mu_);
  if (for_run_) return for_run_->linked();
  const auto current = on_demand_.lock();
  return current && current->linked();
}

void ProgramLinks::detach_all() {
  std::lock_guard lock(mu_);
  detached_ = true;
  if (for_run_) for_run_->unlink();
  if (auto current = on_demand_.lock()) current->unlink();
}

Result<std::vector<bpf_link*>> link_programs(std::initializer_list<bpf_program*> programs) {
  LibbpfLogCapture log;
  std::vector<bpf_link*> links;
  for (bpf_program* p : programs) {
    bpf_link* l = bpf_program__attach(p);
    if (l == nullptr) {
      const int err = errno;
      for (bpf_link* done : links) bpf_link__destroy(done);
      return libbpf_error(std::string("attaching ") + bpf_program__name(p), err, log);
    }
    links.push_back(l);
  }
  return links;
}

}  // namespace profbufd::capture
