// What the web page reads: the kinds being captured and the store of recent
// closed profiles (sinks/recent_profiles.h). The application implements it
// over the pipeline (app/page_store.h); tests fake it. Fresh windows the page
// asks for are collected through ProfileSource and then kept here, so that
// the flame graph and its pprof download are the same window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"

namespace profbufd {

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;

  struct KindInfo {
    std::string name;  // "cpu"
    std::vector<ValueType> sample_types;
    std::string default_sample_type;
  };
  struct Stored {
    std::uint64_t id = 0;
    std::shared_ptr<const Profile> profile;  // null: none
  };

  // Every kind being captured, in registration order. Never empty.
  virtual std::vector<KindInfo> kinds() const = 0;
  // Oldest first.
  virtual std::vector<Stored> recent() const = 0;
  virtual Stored find(std::uint64_t id) const = 0;
  virtual Stored latest(std::string_view kind) const = 0;
  // Keeps a profile the page collected; returns its id.
  virtual std::uint64_t keep(std::shared_ptr<const Profile> profile) = 0;
};

}  // namespace profbufd
