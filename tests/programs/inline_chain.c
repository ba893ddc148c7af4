// A known chain of inlined calls inside one out-of-line function, for the
// DWARF line tests: spin() is out of line; middle() is inlined into it and
// inner() into middle() (always_inline inlines even at -O0). The tests find
// the lines by the LINE-* markers.
//
//   inline_chain [SECONDS]   spins for SECONDS (default 3), then exits.
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

static inline __attribute__((always_inline)) void inner(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) sink += i * 7;  // LINE-INNER
}

static inline __attribute__((always_inline)) void middle(uint64_t n) {
  inner(n);  // LINE-MIDDLE-CALL
  sink ^= n;
}

__attribute__((noinline)) void spin(uint64_t n) {
  middle(n);  // LINE-SPIN-CALL
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  const double end = now() + seconds;
  while (now() < end) spin(1u << 16);
  return 0;
}
