/*
 * The second program of tests/e2e/exec_identity_test.cpp (exec_alpha.c execs
 * it): spins in beta_spin() for argv[1] seconds. Non-PIE, as exec_alpha.
 */
#include <stdlib.h>
#include <time.h>

volatile unsigned long sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void beta_spin(double until)
{
	while (now() < until)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

int main(int argc, char **argv)
{
	beta_spin(now() + (argc > 1 ? atof(argv[1]) : 5));
	return 0;
}
