// Workload for the threadcreate profile tests: creates a known number of
// threads and processes from known functions, when told to.
//
//   threadcreate_workload [--threads N] [--forks M] [--seconds S]
//
// Prints "pid <pid>" (flushed) once ready, then waits for SIGUSR1. On it:
// - spawn_threads() creates N threads (default 200), one after another, each
//   joined before the next (each does nothing and exits);
// - spawn_processes() forks M children (default 5), each exiting at once,
//   and reaps them;
// then prints "created N M ns T" (T: the round's nanoseconds) and waits again (each SIGUSR1 is one more round).
// It exits when no signal comes for S seconds (default 60).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *do_nothing(void *arg) { return arg; }

__attribute__((noinline)) int spawn_threads(long n) {
  int made = 0;
  for (long i = 0; i < n; ++i) {
    pthread_t t;
    if (pthread_create(&t, NULL, do_nothing, NULL) != 0) continue;
    pthread_join(t, NULL);
    ++made;
  }
  return made;
}

__attribute__((noinline)) int spawn_processes(long m) {
  int made = 0;
  for (long i = 0; i < m; ++i) {
    const pid_t p = fork();
    if (p == 0) _exit(0);
    if (p > 0 && waitpid(p, NULL, 0) == p) ++made;
  }
  return made;
}

int main(int argc, char **argv) {
  long threads = 200, forks = 5, seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--threads") == 0) threads = atol(argv[i + 1]);
    if (strcmp(argv[i], "--forks") == 0) forks = atol(argv[i + 1]);
    if (strcmp(argv[i], "--seconds") == 0) seconds = atol(argv[i + 1]);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("pid %d\n", getpid());
  fflush(stdout);
  const struct timespec wait = {seconds, 0};
  while (sigtimedwait(&set, NULL, &wait) == SIGUSR1) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int t = spawn_threads(threads);
    const int p = spawn_processes(forks);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("created %d %d ns %lld\n", t, p,
           (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
    fflush(stdout);
  }
  return 0;
}
