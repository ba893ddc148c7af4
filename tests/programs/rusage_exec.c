// Runs a command and reports its resource usage, for the overhead benchmark
// (tests/bench/overhead/run.py):
//
//   rusage_exec --report-fd FD -- COMMAND [ARG]...
//
// Writes to FD, one line each: "pid <pid>" as soon as COMMAND is started, and
// when it ends
//   status <wait status> utime_us <n> stime_us <n> maxrss_kb <n>
// from wait4(2) on COMMAND. COMMAND's stdin/stdout/stderr are this program's.
// Exits 0 when it could run and reap COMMAND (COMMAND's own status is in the
// report), 127 when it could not start it, 2 on bad usage.
//
// Why not measure from the benchmark's Python directly: the kernel's peak RSS of
// a process (ru_maxrss) is kept per process across exec, and exec folds in the
// high-water mark of the address space it replaces. A child forked by a 25 MB
// Python interpreter therefore reports at least 25 MB whatever it execs. Started
// from this small program instead, the floor is this program's own RSS (about
// 1 MB), far below any profiler's.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void usage(const char* argv0) {
  fprintf(stderr, "usage: %s --report-fd FD -- COMMAND [ARG]...\n", argv0);
  exit(2);
}

int main(int argc, char** argv) {
  if (argc < 5 || strcmp(argv[1], "--report-fd") != 0 || strcmp(argv[3], "--") != 0) usage(argv[0]);
  char* end = NULL;
  long fd = strtol(argv[2], &end, 10);
  if (end == argv[2] || *end != '\0' || fd < 0) usage(argv[0]);
  FILE* report = fdopen((int)fd, "w");
  if (report == NULL) {
    fprintf(stderr, "rusage_exec: fd %ld: %s\n", fd, strerror(errno));
    return 2;
  }

  // The benchmark signals COMMAND itself (SIGINT stops bpftrace); this
  // program only waits, so it ignores the terminal's SIGINT and leaves the
  // default disposition to COMMAND (posix_spawn resets ignored signals only
  // when asked, so ask).
  signal(SIGINT, SIG_IGN);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  pid_t pid;
  int err = posix_spawnp(&pid, argv[4], NULL, &attr, argv + 4, environ);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    fprintf(stderr, "rusage_exec: %s: %s\n", argv[4], strerror(err));
    return 127;
  }
  fprintf(report, "pid %d\n", (int)pid);
  fflush(report);

  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "rusage_exec: wait4: %s\n", strerror(errno));
      return 1;
    }
  }
  fprintf(report, "status %d utime_us %lld stime_us %lld maxrss_kb %ld\n", status,
          (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
          (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss);
  fclose(report);
  return 0;
}
