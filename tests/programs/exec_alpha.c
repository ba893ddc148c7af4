/*
 * The first program of tests/e2e/exec_identity_test.cpp: spins in
 * alpha_spin() until the file argv[1] exists, then execs exec_beta (beside
 * it) in the same process. Both are built non-PIE, so both programs' code
 * sits at the same addresses: a snapshot of this program's mappings kept
 * after the exec would name exec_beta's frames with this program's symbols.
 * Usage: exec_alpha GO_FILE SECONDS_AFTER
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile unsigned long sink;

__attribute__((noinline)) void alpha_spin(const char *go)
{
	while (access(go, F_OK) != 0)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	alpha_spin(argv[1]);
	char beta[4096];
	snprintf(beta, sizeof beta, "%s", argv[0]);
	char *slash = strrchr(beta, '/');
	snprintf(slash ? slash + 1 : beta, sizeof beta - (slash ? (size_t)(slash + 1 - beta) : 0),
		 "exec_beta");
	execl(beta, beta, argv[2], (char *)0);
	perror(beta);
	return 1;
}
