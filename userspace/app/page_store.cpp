#include "app/page_store.h"

namespace profbufd {
namespace {

ProfileStore::Stored stored(const RecentProfiles::Stored& s) { return {s.id, s.profile}; }

}  // namespace

PageStore::PageStore(RecentProfiles& recent, std::vector<const kinds::Kind*> kinds)
    : recent_(recent), kinds_(std::move(kinds)) {}

std::vector<ProfileStore::KindInfo> PageStore::kinds() const {
  std::vector<KindInfo> out;
  for (const kinds::Kind* k : kinds_) {
    const kinds::ProfileShape shape = k->shape();
    out.push_back(KindInfo{std::string(k->name()), shape.sample_types, shape.default_sample_type});
  }
  return out;
}

std::vector<ProfileStore::Stored> PageStore::recent() const {
  std::vector<Stored> out;
  for (const auto& e : recent_.entries()) out.push_back(stored(e));
  return out;
}

ProfileStore::Stored PageStore::find(std::uint64_t id) const { return stored(recent_.find(id)); }

ProfileStore::Stored PageStore::latest(std::string_view kind) const {
  return stored(recent_.latest(kind));
}

std::uint64_t PageStore::keep(std::shared_ptr<const Profile> profile) {
  return recent_.add(std::move(profile));
}

}  // namespace profbufd
