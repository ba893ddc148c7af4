#include "app/capture_setup.h"

#include <optional>
#include <stdexcept>
#include <string>

#include "capture/core_btf.h"
#include "kinds/registry.h"

namespace profbufd {

std::vector<const kinds::Kind*> CaptureSetup::kind_list() const {
  std::vector<const kinds::Kind*> out;
  for (const auto& k : kinds) out.push_back(k.get());
  return out;
}

const kinds::Kind& CaptureSetup::kind(std::string_view name) const {
  for (const auto& k : kinds)
    if (k->name() == name) return *k;
  throw std::out_of_range("no kind " + std::string(name));
}

Result<CaptureSetup> open_capture(const cli::Options& options, capture::CaptureOptions base) {
  CaptureSetup setup;
  std::vector<const kinds::Registration*> regs;
  unsigned rate = 0;
  for (const kinds::Registration* r : kinds::registered()) {
    setup.kinds.push_back(r->make(options));
    regs.push_back(r);
    rate += setup.kinds.back()->records_per_cpu_second();
  }
  base.records_per_cpu_second = rate;
  base.pids = options.pids;
  base.ringbuf_bytes = options.ringbuf_bytes;
  auto capture = capture::Capture::open(base);
  if (!capture) return capture.error();
  setup.capture = std::move(capture).value();

  // Relocate against the build's minimized BTF when this is the build's kernel;
  // it must stay open until every object is loaded.
  const std::optional<capture::CoreBtf> btf = capture::CoreBtf::for_running_kernel();
  setup.minimized_btf = btf.has_value();
  const capture::AttachContext ctx =
      setup.capture->attach_context(btf ? btf->path().c_str() : nullptr);
  for (std::size_t i = 0; i < regs.size(); ++i) {
    auto attached = regs[i]->attach(*setup.kinds[i], ctx);
    if (!attached) return attached.error();
    setup.capture->add(std::move(attached).value());
  }
  return setup;
}

}  // namespace profbufd
