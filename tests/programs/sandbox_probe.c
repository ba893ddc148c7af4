// Reports what a process may do, one "name=result" line per probe, for
// tests/packaging/systemd_boot.sh: run under a copy of profbufd.service (its
// ExecStart replaced by this program), the lines show the unit's sandbox in
// force; run outside it, they show that each probe can tell the difference.
//
// A result is OK (the call succeeded) or the errno's name. The probes:
//   process_vm_readv   denied by SystemCallFilter=~ (EPERM under the unit)
//   ptrace             not in @system-service (EPERM; ESRCH when allowed)
//   bpf                allowed: a bad command fails with EINVAL, not EPERM
//   perf_event_open    allowed: a NULL attr fails with EFAULT, not EPERM
//   write_etc          ProtectSystem=strict (EROFS)
//   write_proc_comm    ReadOnlyPaths=/proc (EROFS; a process may rename itself)
//   stat_dev_tun       PrivateDevices= (ENOENT; nspawn gives containers /dev/net/tun)
//   write_state_dir    StateDirectory= is writable (OK)
// and then the Uid, CapEff, NoNewPrivs and Seccomp lines of /proc/self/status.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* result(long rc) {
  if (rc >= 0) return "OK";
  switch (errno) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EROFS: return "EROFS";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    case ESRCH: return "ESRCH";
    default: return strerror(errno);
  }
}

static void report(const char* name, long rc) { printf("%s=%s\n", name, result(rc)); }

// Opens for writing (creating), closes, and removes what it made.
static long try_write(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  close(fd);
  unlink(path);
  return 0;
}

static long try_vm_readv(void) {
  char from[8] = "probe", to[8];
  struct iovec local = {to, sizeof to}, remote = {from, sizeof from};
  return syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0);
}

static void print_status_lines(void) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) {
    printf("status=%s\n", result(-1));
    return;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) {
    static const char* keys[] = {"Uid:", "CapEff:", "NoNewPrivs:", "Seccomp:"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
      if (strncmp(line, keys[i], strlen(keys[i])) == 0) fputs(line, stdout);
  }
  fclose(f);
}

int main(int argc, char** argv) {
  // The writable directory to try: $STATE_DIRECTORY under systemd, else argv[1].
  const char* state = getenv("STATE_DIRECTORY");
  if (!state) state = argc > 1 ? argv[1] : "/tmp";
  char state_file[4096];
  snprintf(state_file, sizeof state_file, "%s/sandbox-probe", state);

  report("process_vm_readv", try_vm_readv());
  // The parent is no tracee of ours: the kernel says ESRCH, when seccomp lets
  // the call through at all.
  errno = 0;
  long rc = ptrace(PTRACE_PEEKUSER, getppid(), NULL, NULL);
  report("ptrace", rc == -1 && errno != 0 ? -1 : 0);
  report("bpf", syscall(SYS_bpf, -1, NULL, 0));
  report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
  report("write_etc", try_write("/etc/sandbox-probe"));
  report("write_proc_comm", open("/proc/self/comm", O_WRONLY | O_CLOEXEC));
  struct stat st;
  report("stat_dev_tun", stat("/dev/net/tun", &st));
  report("write_state_dir", try_write(state_file));
  print_status_lines();
  fflush(stdout);
  return 0;
}
