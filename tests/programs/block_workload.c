// Workload for the block (off-CPU) profile tests: threads that spend known
// shares of their time blocked, in known functions.
//
//   block_workload [--seconds S] [--sleep-ms M]
//
// - thread "blk_pipe":  block_in_pipe_read() reads a pipe nobody writes:
//   blocked the whole run (in one block);
// - thread "blk_sleep": block_in_nanosleep() sleeps M ms (default 20) in a
//   loop: blocked nearly all the time, in many blocks of M ms;
// - thread "blk_spin":  spins (never blocks), the control.
// Prints "pid <pid>" on the first line of stdout (flushed) once every thread
// runs, then lives S seconds (default 30; 0: until killed).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_pipe[2];
static long g_sleep_ms = 20;
static pthread_barrier_t g_started;
static volatile unsigned long g_sink;

__attribute__((noinline)) void block_in_pipe_read(void) {
  char c;
  while (read(g_pipe[0], &c, 1) < 0) {
  }
}

__attribute__((noinline)) void block_in_nanosleep(void) {
  struct timespec ts = {g_sleep_ms / 1000, (g_sleep_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

__attribute__((noinline)) void spin_forever(void) {
  for (;;) g_sink++;
}

static void *pipe_main(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "blk_pipe");
  pthread_barrier_wait(&g_started);
  block_in_pipe_read();
  return NULL;
}

static void *sleep_main(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "blk_sleep");
  pthread_barrier_wait(&g_started);
  for (;;) block_in_nanosleep();
  return NULL;
}

static void *spin_main(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "blk_spin");
  pthread_barrier_wait(&g_started);
  spin_forever();
  return NULL;
}

int main(int argc, char **argv) {
  long seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seconds") == 0) seconds = atol(argv[i + 1]);
    if (strcmp(argv[i], "--sleep-ms") == 0) g_sleep_ms = atol(argv[i + 1]);
  }
  if (pipe(g_pipe) != 0) return 1;
  pthread_barrier_init(&g_started, NULL, 4);
  pthread_t t[3];
  pthread_create(&t[0], NULL, pipe_main, NULL);
  pthread_create(&t[1], NULL, sleep_main, NULL);
  pthread_create(&t[2], NULL, spin_main, NULL);
  pthread_barrier_wait(&g_started);
  printf("pid %d\n", getpid());
  fflush(stdout);
  if (seconds == 0)
    for (;;) pause();
  sleep((unsigned)seconds);
  return 0;
}
