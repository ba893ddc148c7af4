// Process-churn workload for the overhead benchmark (tests/bench/overhead/run.py):
// starts short-lived processes at a steady rate for a while, so that a profiler
// sees thousands of pids, each with its own freshly randomized memory map.
//
//   churn [--rate R] [--seconds S] [--burn-ms M] [--max-inflight K]
//
// Every child is this same program, re-executed (posix_spawn of /proc/self/exe)
// with --child: exec gives it a new address space (PIE + ASLR, so its maps differ
// from every other child's), and it then burns M ms of its own CPU time in a
// noinline call chain (child_main -> churn_a -> churn_leaf) so the sampler catches
// it with a walkable stack, and exits. With R = 250/s and M = 2 ms the children
// use half a CPU: at 99 Hz on 2 CPUs about a quarter of all samples land in one,
// i.e. tens of new pids per second reach the profiler's per-process caches.
//
// Prints "pid <pid>" (flushed) at start and, at the end (after S seconds, or
// on SIGTERM/SIGINT),
//   spawned <n> failed <n> seconds <elapsed> rate <n/s>
// At most K children (default 64) are alive at once: when the CPUs are saturated
// the actual rate drops below R instead of piling up processes; the printed rate
// is the real one.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static volatile uint64_t g_sink;

// Set by SIGTERM/SIGINT: stop spawning, reap, print the summary, exit 0. The
// handler is installed without SA_RESTART so a sleep or wait returns at once.
static volatile sig_atomic_t g_stop;

static void on_stop(int sig) {
  (void)sig;
  g_stop = 1;
}

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static uint64_t churn_leaf(uint64_t x) {
  for (int i = 0; i < 10000; i++) x = x * 2862933555777941757ULL + 3037000493ULL;
  __asm__ volatile("" : "+r"(x)::"memory");
  return x;
}

__attribute__((noinline)) static void churn_a(uint64_t burn_ns) {
  // Own CPU time, not wall time: a child that waits for a CPU still does its
  // share of work, so it is as likely to be sampled on a busy machine.
  const uint64_t until = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + burn_ns;
  uint64_t x = (uint64_t)getpid();
  while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) < until) x = churn_leaf(x);
  g_sink = x;
}

__attribute__((noinline)) static int child_main(double burn_ms) {
  churn_a((uint64_t)(burn_ms * 1e6));
  return 0;
}

static void usage(const char* argv0) {
  fprintf(stderr, "usage: %s [--rate R] [--seconds S] [--burn-ms M] [--max-inflight K]\n", argv0);
  exit(2);
}

static double parse_number(const char* s, const char* argv0) {
  char* end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || v < 0) usage(argv0);
  return v;
}

// Reaps every child that has exited; with `block`, first waits for one.
// Returns how many were reaped.
static int reap(int block) {
  int reaped = 0;
  int flags = block ? 0 : WNOHANG;
  for (;;) {
    pid_t p = waitpid(-1, NULL, flags);
    if (p > 0) {
      reaped++;
      flags = WNOHANG;
      continue;
    }
    if (p < 0 && errno == EINTR) continue;
    return reaped;  // 0: none ready; -1 ECHILD: none left
  }
}

int main(int argc, char** argv) {
  double rate = 250, seconds = 10, burn_ms = 2, max_inflight = 64;
  int child = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--child") == 0) {
      child = 1;
    } else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc) {
      rate = parse_number(argv[++i], argv[0]);
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = parse_number(argv[++i], argv[0]);
    } else if (strcmp(argv[i], "--burn-ms") == 0 && i + 1 < argc) {
      burn_ms = parse_number(argv[++i], argv[0]);
    } else if (strcmp(argv[i], "--max-inflight") == 0 && i + 1 < argc) {
      max_inflight = parse_number(argv[++i], argv[0]);
    } else {
      usage(argv[0]);
    }
  }
  if (child) return child_main(burn_ms);
  if (rate <= 0 || seconds <= 0 || max_inflight < 1) usage(argv[0]);

  char burn_arg[64];
  snprintf(burn_arg, sizeof burn_arg, "%g", burn_ms);
  char* child_argv[] = {"churn", "--child", "--burn-ms", burn_arg, NULL};

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  printf("pid %d\n", (int)getpid());
  fflush(stdout);

  const uint64_t start = clock_ns(CLOCK_MONOTONIC);
  const uint64_t end = start + (uint64_t)(seconds * 1e9);
  const double interval_ns = 1e9 / rate;
  uint64_t spawned = 0, failed = 0;
  long inflight = 0;
  while (!g_stop) {
    // Spawn on a fixed schedule (the n-th child at start + n/R), so a slow
    // spawn is caught up rather than stretching every later interval.
    const uint64_t due = start + (uint64_t)((double)(spawned + failed) * interval_ns);
    if (due >= end) break;
    const uint64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now < due) {
      struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ULL), .tv_nsec = (long)(due % 1000000000ULL)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      continue;
    }
    inflight -= reap(0);
    if (inflight >= (long)max_inflight) {
      inflight -= reap(1);
      if (g_stop || clock_ns(CLOCK_MONOTONIC) >= end) break;
    }
    pid_t pid;
    int err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, child_argv, environ);
    if (err == 0) {
      spawned++;
      inflight++;
    } else {
      failed++;
      if (failed == 1) fprintf(stderr, "churn: posix_spawn: %s\n", strerror(err));
    }
  }
  while (reap(1) > 0) {
  }
  const double elapsed = (double)(clock_ns(CLOCK_MONOTONIC) - start) / 1e9;
  printf("spawned %llu failed %llu seconds %.3f rate %.1f\n", (unsigned long long)spawned,
         (unsigned long long)failed, elapsed, (double)spawned / elapsed);
  return failed > 0 && spawned == 0 ? 1 : 0;
}
