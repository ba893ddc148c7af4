#include "capture/attachment.h"

#include <utility>

namespace profbufd::capture {
namespace {

class CallbackAttachment final : public Attachment {
 public:
  explicit CallbackAttachment(std::function<void()> detach) : detach_(std::move(detach)) {}
  ~CallbackAttachment() override { detach(); }
  void detach() override { detach_(); }

 private:
  const std::function<void()> detach_;
};

}  // namespace

std::unique_ptr<Attachment> on_detach(std::function<void()> detach) {
  return std::make_unique<CallbackAttachment>(std::move(detach));
}

}  // namespace profbufd::capture
