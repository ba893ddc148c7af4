// The shared library of unwind_nofp's "plt" mode: code reached through the
// PLT, built like the program without frame pointers (see the Makefile).
#include "unwind_fixture.h"

static volatile unsigned long g_lib_sink;

__attribute__((noinline)) void fixture_lib_leaf(void) {
  unsigned long x = g_lib_sink;
  for (int i = 0; i < 200000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  g_lib_sink = x;
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void fixture_lib_spin(volatile int* stop) {
  while (!*stop) fixture_lib_leaf();
  __asm__ volatile("" ::: "memory");
}
