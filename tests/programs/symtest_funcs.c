// ELF fixture for the symbolizer tests: a PIE with symbols whose function
// addresses it reports, so a test can symbolize them from outside.
//
// Protocol (stdout, one item per line, then it waits):
//   alpha <hex runtime address of symtest_alpha>
//   beta <hex runtime address of symtest_beta>
//   local <hex runtime address of symtest_local, a static function>
//   ready
// It exits when its stdin reaches EOF, so the test controls its lifetime and
// /proc/<pid> stays valid while the test reads it.
#include <stdio.h>
#include <unistd.h>

// noinline + a side effect keep each function a real, separate symbol at -O1.
volatile unsigned long symtest_sink;

__attribute__((noinline)) unsigned long symtest_alpha(unsigned long n) {
  unsigned long acc = 0;
  for (unsigned long i = 0; i < n; ++i) acc += i * 7 + (acc >> 3);
  symtest_sink = acc;
  return acc;
}

__attribute__((noinline)) unsigned long symtest_beta(unsigned long n) {
  symtest_sink = n ^ 0x5a5a;
  return symtest_alpha(n) + 1;
}

__attribute__((noinline)) static unsigned long symtest_local(unsigned long n) {
  symtest_sink = n * 3;
  return symtest_beta(n) * 2;
}

int main(void) {
  // Use every function so none is discarded.
  symtest_local(3);
  printf("alpha %lx\n", (unsigned long)&symtest_alpha);
  printf("beta %lx\n", (unsigned long)&symtest_beta);
  printf("local %lx\n", (unsigned long)&symtest_local);
  printf("ready\n");
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  return 0;
}
