// Workload for the unwinder's tests: known call chains through code built
// without frame pointers (-O2 -fomit-frame-pointer, see the Makefile), each
// mode a shape a table walker must get right:
//
//   unwind_nofp deep N    main -> run_deep -> recurse x N -> deep_leaf
//   unwind_nofp bigframe  main -> run_bigframe -> big_frame (256 KiB of locals)
//                         -> bigframe_leaf
//   unwind_nofp plt       main -> run_plt -> fixture_lib_spin (libunwind_fixture.so,
//                         through the PLT) -> fixture_lib_leaf
//   unwind_nofp signal    main -> run_signal -> signal_wait (spins); a SIGALRM
//                         handler every 10 ms: signal_wait -> [signal frame]
//                         -> on_signal -> handler_leaf
//
// Prints "pid <pid>" (flushed) once running, then runs until killed or for
// --seconds S (default 0: until killed). Every function is noinline and does
// work after its call, so neither inlining nor tail calls remove a frame.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "unwind_fixture.h"

static volatile int g_stop;
static volatile unsigned long g_sink;

static void burn(int n) {
  unsigned long x = g_sink;
  for (int i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  g_sink = x;
}

__attribute__((noinline)) void deep_leaf(void) {
  burn(200000);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) int recurse(int n) {
  if (n == 0) {
    deep_leaf();
    return 0;
  }
  int r = recurse(n - 1);
  g_sink += (unsigned long)r;  // after the call: no tail call
  return r + 1;
}

__attribute__((noinline)) void run_deep(int n) {
  while (!g_stop) g_sink += (unsigned long)recurse(n);
}

__attribute__((noinline)) void bigframe_leaf(volatile char* buf) {
  burn(200000);
  buf[0]++;
}

__attribute__((noinline)) void big_frame(void) {
  volatile char buf[256 * 1024];  // CFA offsets past what a 16-bit field holds
  buf[sizeof buf - 1] = 1;
  bigframe_leaf(buf);
  g_sink += buf[sizeof buf - 1];
}

__attribute__((noinline)) void run_bigframe(void) {
  while (!g_stop) big_frame();
}

__attribute__((noinline)) void run_plt(void) {
  fixture_lib_spin(&g_stop);
  g_sink++;
}

__attribute__((noinline)) void handler_leaf(void) {
  burn(100000);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void on_signal(int sig) {
  (void)sig;
  handler_leaf();
  g_sink++;
}

__attribute__((noinline)) void signal_wait(void) {
  while (!g_stop) burn(1000);
}

__attribute__((noinline)) void run_signal(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 10000}, {0, 10000}};
  setitimer(ITIMER_REAL, &it, NULL);  // real time: fires whether or not we run
  signal_wait();
  g_sink++;
}

static void stop(int sig) {
  (void)sig;
  g_stop = 1;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: unwind_nofp deep N|bigframe|plt|signal [--seconds S]\n");
    return 2;
  }
  int seconds = 0;
  for (int i = 2; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seconds") == 0) seconds = atoi(argv[i + 1]);
  signal(SIGTERM, stop);
  if (seconds > 0) {
    signal(SIGVTALRM, stop);
    struct itimerval it = {{0, 0}, {seconds, 0}};
    setitimer(ITIMER_VIRTUAL, &it, NULL);
  }
  printf("pid %d\n", getpid());
  fflush(stdout);
  const char* mode = argv[1];
  if (strcmp(mode, "deep") == 0 && argc > 2)
    run_deep(atoi(argv[2]));
  else if (strcmp(mode, "bigframe") == 0)
    run_bigframe();
  else if (strcmp(mode, "plt") == 0)
    run_plt();
  else if (strcmp(mode, "signal") == 0)
    run_signal();
  else
    return 2;
  return (int)(g_sink & 0);
}
