#include "common/heap_policy.h"

#include <malloc.h>

namespace profbufd {

void limit_malloc_arenas() { ::mallopt(M_ARENA_MAX, kMallocArenas); }

void release_free_heap() { ::malloc_trim(0); }

}  // namespace profbufd
