// Workload for the mutex profile tests: threads contending on one pthread
// mutex, each holding it a known time, and measuring how long they waited.
//
//   mutex_workload [--threads K] [--rounds R] [--hold-us H] [--seconds S]
//
// Prints "pid <pid>" (flushed) once ready, then waits for SIGUSR1. On it,
// K threads (default 4) named "mtx_worker" each run contend_once() R times
// (default 100): lock the one mutex, hold it H us (default 1000) asleep,
// unlock. Each measures the time its pthread_mutex_lock() calls took; once
// all are joined it prints "waited <ns> locks <n>": the sum over threads, the
// truth the profile's delay is compared with. Then it waits for the next
// signal, and exits when none comes for S seconds (default 60).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_rounds = 100, g_hold_us = 1000;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// One lock, held g_hold_us; returns the nanoseconds pthread_mutex_lock took.
__attribute__((noinline)) long long contend_once(void) {
  const long long t0 = now_ns();
  pthread_mutex_lock(&g_lock);
  const long long waited = now_ns() - t0;
  const struct timespec hold = {0, g_hold_us * 1000L};
  nanosleep(&hold, NULL);
  pthread_mutex_unlock(&g_lock);
  return waited;
}

static void *worker_main(void *arg) {
  long long *waited = arg;
  pthread_setname_np(pthread_self(), "mtx_worker");
  for (long i = 0; i < g_rounds; ++i) *waited += contend_once();
  return NULL;
}

int main(int argc, char **argv) {
  long threads = 4, seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--threads") == 0) threads = atol(argv[i + 1]);
    if (strcmp(argv[i], "--rounds") == 0) g_rounds = atol(argv[i + 1]);
    if (strcmp(argv[i], "--hold-us") == 0) g_hold_us = atol(argv[i + 1]);
    if (strcmp(argv[i], "--seconds") == 0) seconds = atol(argv[i + 1]);
  }
  if (threads < 1 || threads > 64) return 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("pid %d\n", getpid());
  fflush(stdout);
  const struct timespec wait = {seconds, 0};
  while (sigtimedwait(&set, NULL, &wait) == SIGUSR1) {
    pthread_t t[64];
    long long waited[64] = {0};
    for (long i = 0; i < threads; ++i) pthread_create(&t[i], NULL, worker_main, &waited[i]);
    long long sum = 0;
    for (long i = 0; i < threads; ++i) {
      pthread_join(t[i], NULL);
      sum += waited[i];
    }
    printf("waited %lld locks %ld\n", sum, threads * g_rounds);
    fflush(stdout);
  }
  return 0;
}
