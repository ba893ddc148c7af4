// Workload for the end-to-end overhead benchmark (tests/bench/overhead/run.py):
// N threads, each running a fixed call chain of integer arithmetic
//   thread_main -> work_a -> work_b -> work_c -> work_d -> work_leaf
// and counting how many chains it completed, so that a profiler's cost shows up
// as lost throughput (completed chains per second) against an unprofiled run.
//
//   bench_workload [--threads N] [--seconds S] [--marks]
//
// Prints "pid <pid> threads <N>" (flushed) once every thread is running.
// Without --marks it runs S seconds (default 10). With --marks (no --seconds) it
// answers every line it reads on stdin with
//   mark <CLOCK_MONOTONIC ns> <iterations> <CLOCK_PROCESS_CPUTIME_ID ns>
// and stops at end of input, so a driver can measure throughput over exactly the
// interval a profiler was alive: per wall-clock second, and per CPU-second the
// workload got (on a shared machine, the second does not depend on how much CPU
// other work took; interrupt time, where a sampler's BPF program runs, is
// charged to the interrupted task on kernels without IRQ time accounting, so it
// still shows). At the end it prints
//   iterations <total> seconds <elapsed> iterations_per_second <rate>
//
// Every work_* function is noinline and the Makefile builds test programs with
// frame pointers, so a profiler sees the same 6-deep user stack every time.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// One chain is ~20 k dependent multiply-adds: tens of microseconds, long
// enough that bumping the counter costs nothing measurable, short enough that a
// mark is off by at most one chain per thread.
enum { kLeafRounds = 20000, kMaxThreads = 1024 };

// Per-thread progress, each on its own cache line so the counters do not
// false-share. Writer: the owning worker (relaxed store after each chain).
// Reader: the main thread at a mark and at the end (relaxed load). Relaxed is
// enough on both sides: the count is a statistic, not a guard for other data,
// and the final read happens after pthread_join, which orders everything.
struct progress {
  _Alignas(64) atomic_uint_fast64_t chains;
};

static struct progress g_progress[kMaxThreads];

// Stop flag. Writer: main thread (relaxed store). Reader: every worker, polled
// once per chain (relaxed load); pthread_join then provides the ordering.
static atomic_int g_stop;

static pthread_barrier_t g_started;

// Keeps the arithmetic observable so the compiler cannot delete the loop.
static volatile uint64_t g_sink;

__attribute__((noinline)) static uint64_t work_leaf(uint64_t x) {
  for (int i = 0; i < kLeafRounds; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  __asm__ volatile("" : "+r"(x)::"memory");
  return x;
}

__attribute__((noinline)) static uint64_t work_d(uint64_t x) {
  x = work_leaf(x);
  __asm__ volatile("" : "+r"(x)::"memory");
  return x;
}

__attribute__((noinline)) static uint64_t work_c(uint64_t x) {
  x = work_d(x);
  __asm__ volatile("" : "+r"(x)::"memory");
  return x;
}

__attribute__((noinline)) static uint64_t work_b(uint64_t x) {
  x = work_c(x);
  __asm__ volatile("" : "+r"(x)::"memory");
  return x;
}

__attribute__((noinline)) static void work_a(struct progress* p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  uint_fast64_t done = 0;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    x = work_b(x);
    atomic_store_explicit(&p->chains, ++done, memory_order_relaxed);
  }
  g_sink = x;
}

static void* thread_main(void* arg) {
  pthread_barrier_wait(&g_started);
  work_a(arg);
  return NULL;
}

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t total_chains(int threads) {
  uint64_t sum = 0;
  for (int i = 0; i < threads; i++) sum += atomic_load_explicit(&g_progress[i].chains, memory_order_relaxed);
  return sum;
}

static void usage(const char* argv0) {
  fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--marks]\n", argv0);
  exit(2);
}

static double parse_number(const char* s, const char* argv0) {
  char* end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || v < 0) usage(argv0);
  return v;
}

// Sleeps until `deadline_ns` (CLOCK_MONOTONIC), across signal interruptions.
static void sleep_until(uint64_t deadline_ns) {
  struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
                        .tv_nsec = (long)(deadline_ns % 1000000000ULL)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

int main(int argc, char** argv) {
  int threads = 2;
  double seconds = 10;
  int marks = 0;
  int seconds_given = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      double v = parse_number(argv[++i], argv[0]);
      if (v < 1 || v > kMaxThreads || v != (int)v) usage(argv[0]);
      threads = (int)v;
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = parse_number(argv[++i], argv[0]);
      seconds_given = 1;
    } else if (strcmp(argv[i], "--marks") == 0) {
      marks = 1;
    } else {
      usage(argv[0]);
    }
  }
  // --marks runs until end of input; a duration too would be two ways to stop.
  if (marks ? seconds_given : seconds <= 0) usage(argv[0]);

  pthread_t tids[kMaxThreads];
  pthread_barrier_init(&g_started, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) {
    int err = pthread_create(&tids[i], NULL, thread_main, &g_progress[i]);
    if (err != 0) {
      fprintf(stderr, "bench_workload: pthread_create: %s\n", strerror(err));
      return 1;
    }
  }
  pthread_barrier_wait(&g_started);
  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  printf("pid %d threads %d\n", (int)getpid(), threads);
  fflush(stdout);

  if (marks) {
    char line[256];
    // Each input line is one mark request. The driver owns the pipe, so EOF is
    // the normal end, and a driver that dies ends the workload with it.
    while (fgets(line, sizeof line, stdin) != NULL) {
      const uint64_t t = clock_ns(CLOCK_MONOTONIC);
      const uint64_t chains = total_chains(threads);
      const uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
      printf("mark %llu %llu %llu\n", (unsigned long long)t, (unsigned long long)chains, (unsigned long long)cpu);
      fflush(stdout);
    }
  } else {
    sleep_until(start + (uint64_t)(seconds * 1e9));
  }

  atomic_store_explicit(&g_stop, 1, memory_order_relaxed);
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  const uint64_t end = clock_ns(CLOCK_MONOTONIC);
  const uint64_t total = total_chains(threads);
  const double elapsed = (double)(end - start) / 1e9;
  printf("iterations %llu seconds %.6f iterations_per_second %.3f\n", (unsigned long long)total, elapsed,
         (double)total / elapsed);
  return 0;
}
