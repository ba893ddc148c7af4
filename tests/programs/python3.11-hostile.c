/*
 * A fake CPython 3.11 for profbufd's Python walker (tests/e2e/python_test.cpp):
 * named like an interpreter, with the _PyRuntime and Py_Version symbols that
 * profbufd looks for, but whose interpreter structures (3.11 offsets,
 * userspace/python/layout.cpp) are hostile. Each thread spins in its own
 * trap:
 *   main    a frame whose code object names itself with a string of absurd
 *           length: the walk completes, the name cannot be read
 *   cycle   a frame whose `previous` is itself: the walk ends at its bound
 *   unmapped  a frame whose `previous` points at unmapped memory
 *   badcode a frame whose f_code is not a pointer to an object
 *   absent  a thread whose state is not in the list, which loops on itself
 * Usage: python3.11-hostile SECONDS. Prints "ready" once every thread spins.
 * Built with a PY_FAKE_VERSION of another version, it is an interpreter that
 * profbufd does not know (python3.9-fake.c); with PY_FAKE_MISLAID, one whose
 * thread states do not point back at their interpreter, as a build with
 * another layout would read (python3.11-mislaid.c).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef PY_FAKE_VERSION
#define PY_FAKE_VERSION 0x030b02f0 /* 3.11.2 */
#endif

const unsigned long Py_Version = PY_FAKE_VERSION;
unsigned char _PyRuntime[512] __attribute__((aligned(16)));

static unsigned char interp[64] __attribute__((aligned(16)));
static unsigned char tstates[6][256] __attribute__((aligned(16)));
static unsigned char cframes[6][32] __attribute__((aligned(16)));
static unsigned char frames[6][80] __attribute__((aligned(16)));
static unsigned char code[256] __attribute__((aligned(16)));
static unsigned char name[128] __attribute__((aligned(16)));
static volatile double deadline;
static volatile int started;

static void put(void *base, size_t off, uint64_t v) { memcpy((char *)base + off, &v, 8); }

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Thread state i for the calling thread, its frame's previous and f_code. */
static void trap(int i, uint64_t previous, uint64_t f_code)
{
	put(tstates[i], 160, (uint64_t)gettid()); /* native_thread_id */
	put(tstates[i], 56, (uint64_t)cframes[i]);
	put(cframes[i], 8, (uint64_t)frames[i]);
	put(frames[i], 32, f_code);
	put(frames[i], 48, previous);
	put(frames[i], 56, (uint64_t)(code + 184 + 4)); /* prev_instr: instruction 2 */
}

static void spin(void)
{
	__sync_fetch_and_add(&started, 1);
	volatile uint64_t x = 0;
	while (now() < deadline)
		for (int k = 0; k < 100000; k++)
			x += (uint64_t)k * k;
}

static void *run(void *arg)
{
	int i = (int)(intptr_t)arg;
	if (i == 1)
		trap(1, (uint64_t)frames[1], (uint64_t)code);
	if (i == 2)
		trap(2, 0x10, (uint64_t)code); /* the first page: never mapped */
	if (i == 3)
		trap(3, 0, 0xdead0001);
	if (i == 4)
		put(tstates[4], 160, 0); /* not this thread's: the list has no state for it */
	spin();
	return 0;
}

int main(int argc, char **argv)
{
	deadline = now() + (argc > 1 ? atof(argv[1]) : 10);
	put(_PyRuntime, 48, (uint64_t)interp);  /* interpreters.main */
	put(interp, 16, (uint64_t)tstates[0]);  /* threads.head */
	for (int i = 0; i < 4; i++)
		put(tstates[i], 8, (uint64_t)tstates[i + 1]);
	put(tstates[4], 8, (uint64_t)tstates[4]); /* the list loops on its last state */
	for (int i = 0; i < 5; i++)              /* PyThreadState.interp */
		put(tstates[i], 16, (uint64_t)interp);
#ifdef PY_FAKE_MISLAID
	put(tstates[0], 16, (uint64_t)(interp + 8));
#endif
	/* The code object: immutable fields (its tag), then its names. */
	memset(code, 0, sizeof(code));
	put(code, 72, 7);                        /* co_firstlineno */
	put(code, 112, (uint64_t)name);          /* co_filename */
	put(code, 128, (uint64_t)name);          /* co_qualname */
	put(code, 136, (uint64_t)name);          /* co_linetable: a "bytes" of absurd size */
	put(name, 16, 1ULL << 40);               /* length */
	put(name, 32, 0xe4);                     /* compact ASCII */
	trap(0, 0, (uint64_t)code);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], 0, run, (void *)(intptr_t)(i + 1));
	while (started < 4)
		usleep(1000);
	printf("ready %d\n", getpid());
	fflush(stdout);
	spin();
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	return 0;
}
