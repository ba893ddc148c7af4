/*
 * The pid thief of tests/e2e/exec_identity_test.cpp: forks until a child gets
 * pid argv[1] (freed by the test, which killed exec_alpha there), by setting
 * /proc/sys/kernel/ns_last_pid before each fork (root only). That child never
 * execs: it spins in taker_spin() for argv[2] seconds. Non-PIE, as
 * exec_alpha, so its code lies where exec_alpha's was: a snapshot of
 * exec_alpha's mappings kept for the pid would name it with exec_alpha's
 * symbols. Prints "taken" once the child runs, "missed" and exits 3 when
 * other forks on the machine kept winning the pid.
 * Usage: exec_pid_taker PID SECONDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void taker_spin(double until)
{
	while (now() < until)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

static int set_last_pid(long pid)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	if (fd < 0)
		return -1;
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld", pid);
	int ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const long want = atol(argv[1]);
	const double seconds = atof(argv[2]);
	for (int attempt = 0; attempt < 1000; attempt++) {
		if (set_last_pid(want - 1) != 0) {
			perror("ns_last_pid");
			return 1;
		}
		pid_t child = fork();
		if (child < 0)
			return 1;
		if (child == 0) {
			if (getpid() == want)
				taker_spin(now() + seconds);
			_exit(0);
		}
		if (child == want) {
			printf("taken\n");
			fflush(stdout);
			waitpid(child, NULL, 0);
			return 0;
		}
		waitpid(child, NULL, 0);
	}
	printf("missed\n");
	return 3;
}
