#include "kinds/registry.h"

#include <array>

#include "kinds/block/block_attach.h"
#include "kinds/cpu/cpu_attach.h"
#include "kinds/goroutine/goroutine_attach.h"
#include "kinds/heap/heap_attach.h"
#include "kinds/mutex/mutex_attach.h"
#include "kinds/threadcreate/threadcreate_attach.h"

namespace profbufd::kinds {
namespace {

// One line per kind.
constexpr std::array<const Registration*, 6> kKinds = {
    &cpu::kRegistration,
    &block::kRegistration,
    &threadcreate::kRegistration,
    &mutex::kRegistration,
    &heap::kRegistration,
    &goroutine::kRegistration,
};

}  // namespace

std::span<const Registration* const> registered() { return kKinds; }

const Registration* find(std::string_view name) {
  for (const Registration* r : kKinds)
    if (r->name == name) return r;
  return nullptr;
}

}  // namespace profbufd::kinds
