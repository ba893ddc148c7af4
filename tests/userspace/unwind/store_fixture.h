// A TableStore over a FakeMapIo and a FakeClock, for the tests that publish
// tables and read them back from the fake maps.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../core/fake_clock.h"
#include "fake_map_io.h"
#include "unwind/table_store.h"

namespace profbufd::unwind::testing {

struct StoreFixture {
  explicit StoreFixture(TableStore::Limits limits)
      : io(limits.row_blocks, limits.page_entries, limits.rule_entries),
        store(io, limits, clock) {}

  // A fresh bin for `key`; throws if the store has none or `key` is known.
  std::uint32_t new_bin(const std::string& key) {
    bool fresh = false;
    const auto b = store.bin(key, fresh);
    if (!b || !fresh) throw std::runtime_error("no fresh bin for " + key);
    return *b;
  }

  // new_bin(key), then its table published; throws unless it loaded now.
  std::uint32_t load(const std::string& key, const CfiTable& t) {
    const std::uint32_t b = new_bin(key);
    const auto p = store.publish(b, t);
    if (!p) throw std::runtime_error(p.error().line());
    if (p->bytes == 0) throw std::runtime_error(key + " did not load now");
    return b;
  }

  ::profbufd::testing::FakeClock clock;
  FakeMapIo io;
  TableStore store;
};

}  // namespace profbufd::unwind::testing
