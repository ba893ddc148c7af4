// Workload for the goroutine profile tests: threads and processes parked in
// known functions, in known states, until stdin closes.
//
//   goroutine_workload
//
// Threads of this process, each named (comm) after where it parks:
//   gr-sleep   park_sleep():  nanosleep(2) in a loop                  S
//   gr-pipe    park_pipe():   read(2) of a pipe nobody writes         S
//   gr-spin    park_spin():   a busy loop, never entering the kernel  R
//   gr-futex   park_futex():  pthread_cond_wait, never signalled      S
//   the main thread, park_main(): pause(2)                            S
// The sleep and pipe threads make their system calls with inline asm, so
// that the pc saved at the call is in the parking function itself and its
// frame pointer is the function's own: the user stack is walkable by frame
// pointers without libc's (built without them).
// And two children:
//   stopped    park_stopped(): stopped by SIGSTOP                     T
//   zombie     exits at once and is never reaped                      Z
//   blocked    park_vforked(): vfork(2)s a child that pauses, so it
//              waits for the child uninterruptibly (killable)           D
// Prints "pid P stopped S zombie Z blocked B" (flushed) once every thread is
// parked,
// then stays until killed (the stopped child dies with it).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long raw_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

static volatile int parked;

__attribute__((noinline)) void park_sleep(void) {
  /* An hour a call: a thread woken every 50 ms was caught runnable (R, still
   * in hrtimer_nanosleep) by a snapshot on a loaded 2-core CI machine. */
  const struct timespec ts = {3600, 0};
  __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
  for (;;) raw_syscall3(SYS_nanosleep, (long)&ts, 0, 0);
}

__attribute__((noinline)) void park_pipe(int fd) {
  char c;
  __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
  for (;;) raw_syscall3(SYS_read, fd, (long)&c, 1);
}

__attribute__((noinline)) void park_spin(void) {
  volatile unsigned long n = 0;
  __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
  for (;;) ++n;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) void park_futex(void) {
  pthread_mutex_lock(&mu);
  __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
  for (;;) pthread_cond_wait(&never, &mu);
}

__attribute__((noinline)) void park_stopped(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (;;) raw_syscall3(SYS_kill, getpid(), SIGSTOP, 0);
}

// The vfork child shares this stack; it only makes raw system calls.
__attribute__((noinline)) void park_vforked(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (vfork() == 0) {
    raw_syscall3(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0);
    for (;;) raw_syscall3(SYS_pause, 0, 0, 0);
  }
  for (;;) raw_syscall3(SYS_pause, 0, 0, 0);
}

__attribute__((noinline)) void park_main(void) {
  for (;;) raw_syscall3(SYS_pause, 0, 0, 0);
}

// The state letter of /proc/PID/stat, or 0.
static char state_of(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  const size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *paren = strrchr(buf, ')');
  return paren != NULL && paren[1] == ' ' ? paren[2] : 0;
}

static int pipe_fds[2];

static void *thread_main(void *arg) {
  const long which = (long)arg;
  static const char *const names[] = {"gr-sleep", "gr-pipe", "gr-spin", "gr-futex"};
  pthread_setname_np(pthread_self(), names[which]);
  switch (which) {
    case 0: park_sleep(); break;
    case 1: park_pipe(pipe_fds[0]); break;
    case 2: park_spin(); break;
    default: park_futex(); break;
  }
  return NULL;
}

int main(void) {
  if (pipe(pipe_fds) != 0) return 1;
  const pid_t stopped = fork();
  if (stopped == 0) park_stopped();
  const pid_t zombie = fork();
  if (zombie == 0) _exit(0);
  const pid_t blocked = fork();
  if (blocked == 0) park_vforked();
  for (long i = 0; i < 4; ++i) {
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, (void *)i) != 0) return 1;
  }
  while (__atomic_load_n(&parked, __ATOMIC_SEQ_CST) < 4 || state_of(blocked) != 'D') usleep(1000);
  usleep(20 * 1000);  // each is inside its system call (or loop) by now
  printf("pid %d stopped %d zombie %d blocked %d\n", getpid(), stopped, zombie, blocked);
  fflush(stdout);
  park_main();
  return 0;
}
