// Workload for profiler tests: N threads, each burning CPU in a known call
// chain main/thread_main -> spin_a -> spin_b -> spin_c, so a profile of it has
// a predictable user stack. With --syscalls the leaf instead loops on cheap
// syscalls, so samples land in the kernel with that user chain below them.
//
//   spin_chain [--threads N] [--seconds S] [--syscalls]
//
// Prints "pid <pid>" on the first line of stdout (flushed) once every thread
// is running, then runs for S seconds (default 5; 0 means until killed).
// Built with frame pointers and without inlining (see the Makefile), and the
// functions are noinline so the chain survives optimization too.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int g_stop;
static int g_syscalls;
static pthread_barrier_t g_started;

// Sinks the loop's work so the compiler cannot delete it.
static volatile unsigned long g_sink;

static inline __attribute__((always_inline)) long raw_getppid(void) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
  return ret;
#else
  return syscall(SYS_getppid);
#endif
}

__attribute__((noinline)) void spin_c(void) {
  if (g_syscalls) {
    for (int i = 0; i < 1000; i++) {
      // getppid: a real trip into the kernel, no side effects, never cached.
      // Issued inline rather than through libc's syscall(), which has no frame
      // pointer: a frame-pointer walk from inside it would skip spin_c.
      g_sink += (unsigned long)raw_getppid();
    }
  } else {
    unsigned long x = g_sink;
    for (int i = 0; i < 100000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    g_sink = x;
  }
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void spin_b(void) {
  spin_c();
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void spin_a(void) {
  while (!g_stop) spin_b();
  __asm__ volatile("" ::: "memory");
}

static void* thread_main(void* arg) {
  (void)arg;
  pthread_barrier_wait(&g_started);
  spin_a();
  return NULL;
}

static void usage(const char* argv0) {
  fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--syscalls]\n", argv0);
  exit(2);
}

int main(int argc, char** argv) {
  int threads = 2;
  double seconds = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (strcmp(argv[i], "--syscalls") == 0) {
      g_syscalls = 1;
    } else {
      usage(argv[0]);
    }
  }
  if (threads < 1 || threads > 1024 || seconds < 0) usage(argv[0]);

  pthread_t* tids = calloc((size_t)threads, sizeof(*tids));
  if (!tids) return 1;
  pthread_barrier_init(&g_started, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) {
    if (pthread_create(&tids[i], NULL, thread_main, NULL) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  pthread_barrier_wait(&g_started);
  printf("pid %d\n", (int)getpid());
  fflush(stdout);

  if (seconds > 0) {
    struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
    g_stop = 1;
  } else {
    pause();
  }
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  free(tids);
  return 0;
}
