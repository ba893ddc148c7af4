// How the daemon keeps glibc's malloc from holding memory it no longer uses.
//
// Measured by `make soak` (tests/bench/soak): with the defaults, an RSS that
// climbed past 190 MiB in five minutes was mostly free chunks (mallinfo2's
// fordblks up to 128 MiB) against 35-65 MiB in use, and heaptrack found no
// leak. The free memory is left by each window's transient peak (symbolizing,
// then rendering a file of tens of MB) and by every /debug/pprof/profile
// request, spread over up to 8 x CPUs arenas, one per thread that allocated:
// glibc gives an arena's memory back only from its top, and each arena keeps
// its own high-water mark.
//
//   limit_malloc_arenas()  at start, before any thread: two arenas in all, so
//                          one thread's freed peak is reused by the next
//                          thread's instead of each arena keeping its own
//   release_free_heap()    after a window's profiles are published: returns
//                          the free pages of every arena (malloc_trim(0))
#pragma once

namespace profbufd {

// The arenas malloc may create: the main one and one more for the threads.
inline constexpr int kMallocArenas = 2;

void limit_malloc_arenas();

void release_free_heap();

}  // namespace profbufd
