// The web page's ProfileStore over the pipeline: its captured kinds and the
// in-memory store of recent profiles (sinks/recent_profiles.h), which file
// windows, store-only windows and the page's own collections all fill.
#pragma once

#include <vector>

#include "http/profile_store.h"
#include "kinds/kind.h"
#include "sinks/recent_profiles.h"

namespace profbufd {

class PageStore final : public ProfileStore {
 public:
  // Both must outlive this object; `kinds` is not empty.
  PageStore(RecentProfiles& recent, std::vector<const kinds::Kind*> kinds);

  std::vector<KindInfo> kinds() const override;
  std::vector<Stored> recent() const override;
  Stored find(std::uint64_t id) const override;
  Stored latest(std::string_view kind) const override;
  std::uint64_t keep(std::shared_ptr<const Profile> profile) override;

 private:
  RecentProfiles& recent_;
  const std::vector<const kinds::Kind*> kinds_;
};

}  // namespace profbufd
