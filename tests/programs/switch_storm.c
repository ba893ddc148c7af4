// A context-switch storm for the block profile's cost: two threads bounce a
// byte through two pipes, so every read blocks for microseconds and every round
// trip is two voluntary context switches. Runs argv[1] seconds (default 5) and
// prints the round trips per second.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static int a[2], b[2];
static volatile int stop;
static void *pong(void *x) { char c; (void)x; while (!stop && read(a[0], &c, 1) == 1) write(b[1], &c, 1); return 0; }
int main(int argc, char **argv) {
  int secs = argc > 1 ? atoi(argv[1]) : 5;
  pipe(a); pipe(b);
  pthread_t t; pthread_create(&t, 0, pong, 0);
  struct timespec s, e; clock_gettime(CLOCK_MONOTONIC, &s);
  long n = 0; char c = 'x';
  for (;;) { write(a[1], &c, 1); read(b[0], &c, 1); n++;
    if ((n & 1023) == 0) { clock_gettime(CLOCK_MONOTONIC, &e); if (e.tv_sec - s.tv_sec >= secs) break; } }
  printf("%ld round trips/s\n", n / secs);
  return 0;
}
