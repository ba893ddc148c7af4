// Workload for the heap profile tests: allocates a known number of bytes from
// a known function, frees a known share, and says how much.
//
//   heap_workload [--block B] [--rate R] [--round-ms T] [--seconds S] [--calls aligned]
//
// Prints "pid <pid>" (flushed) once ready, then waits for SIGUSR1. On it, for
// T ms (default 2000) it allocates R bytes a second (default 64 MiB) in
// blocks of B bytes (default 4096) through allocate_known() -> malloc, paced
// every 10 ms, and frees three blocks of every four at once (the fourth is
// kept until exit). Then it prints "allocated <bytes> kept <bytes> ns <ns>":
// the truth the profile's alloc_space (and, once frees are tracked,
// inuse_space) is compared with, and how long the round took (a rate the
// process cannot keep up with runs flat out: the cost per call). Exits when
// no signal comes for S seconds (default 60).
//
// With --calls aligned, allocate_known() hands each run of four blocks in
// turn to one of four functions of glibc's aligned calls, so that each gets a
// quarter of the bytes and keeps a quarter of its own:
//   allocate_aligned()  aligned_alloc(64), memalign(128): one function in glibc
//   allocate_posix()    posix_memalign(64): the block is stored, not returned
//   allocate_relayed()  aligned_alloc(16), posix_memalign(16): glibc hands
//                       these to malloc (each must count once)
//   allocate_paged()    valloc (B a multiple of the page)
#define _GNU_SOURCE
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long g_block = 4096, g_rate = 64L << 20, g_round_ms = 2000;
static int g_aligned = 0;
static volatile sig_atomic_t g_go = 0;
static void **g_kept;
static long g_nkept, g_capkept;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void *allocate_aligned(size_t bytes, long long n) {
  return n % 2 ? aligned_alloc(64, bytes) : memalign(128, bytes);
}

__attribute__((noinline)) void *allocate_posix(size_t bytes) {
  void *p = NULL;
  return posix_memalign(&p, 64, bytes) == 0 ? p : NULL;
}

__attribute__((noinline)) void *allocate_relayed(size_t bytes, long long n) {
  void *p = NULL;
  if (n % 2) return aligned_alloc(16, bytes);
  return posix_memalign(&p, 16, bytes) == 0 ? p : NULL;
}

__attribute__((noinline)) void *allocate_paged(size_t bytes) { return valloc(bytes); }

// The n-th block of --calls aligned.
static void *allocate_aligned_calls(size_t bytes, long long n) {
  switch ((n >> 2) & 3) {
    case 0: return allocate_aligned(bytes, n);
    case 1: return allocate_posix(bytes);
    case 2: return allocate_relayed(bytes, n);
    default: return allocate_paged(bytes);
  }
}

// The function the profile must show allocating.
__attribute__((noinline)) void *allocate_known(long bytes, long long n) {
  char *p = g_aligned ? allocate_aligned_calls((size_t)bytes, n) : malloc((size_t)bytes);
  if (p) p[0] = 1;  // touched, so the call is not optimized away
  return p;
}

static void keep(void *p) {
  if (g_nkept == g_capkept) {
    g_capkept = g_capkept ? 2 * g_capkept : 1024;
    g_kept = realloc(g_kept, (size_t)g_capkept * sizeof *g_kept);
  }
  g_kept[g_nkept++] = p;
}

// One round; returns the bytes allocated, adds the bytes kept to *kept.
static long long round_of_allocations(long long *kept) {
  const long long per_tick = g_rate / 100, start = now_ns();
  long long done = 0, n = 0;
  for (long tick = 0; tick < g_round_ms / 10; ++tick) {
    for (long long b = 0; b < per_tick; b += g_block, ++n) {
      void *p = allocate_known(g_block, n);
      done += g_block;
      if (n % 4 == 3) {
        keep(p);
        *kept += g_block;
      } else {
        free(p);
      }
    }
    const long long next = start + (tick + 1) * 10000000LL, now = now_ns();
    if (next > now) {
      const struct timespec ts = {0, (long)(next - now)};
      nanosleep(&ts, NULL);
    }
  }
  return done;
}

static void on_usr1(int sig) {
  (void)sig;
  g_go = 1;
}

int main(int argc, char **argv) {
  long seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--block")) g_block = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--rate")) g_rate = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--round-ms")) g_round_ms = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--calls")) g_aligned = !strcmp(argv[i + 1], "aligned");
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  printf("pid %d\n", getpid());
  fflush(stdout);
  for (;;) {
    if (!g_go && sleep((unsigned)seconds) == 0 && !g_go) return 0;
    if (!g_go) continue;
    g_go = 0;
    long long kept = 0;
    const long long t0 = now_ns();
    const long long allocated = round_of_allocations(&kept);
    printf("allocated %lld kept %lld ns %lld\n", allocated, kept, now_ns() - t0);
    fflush(stdout);
  }
}
