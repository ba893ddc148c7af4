// A lock storm for the mutex profile's cost: argv[2] threads (default 4) take
// one pthread mutex in a loop, with a short critical section, so most lock
// calls that find it taken sleep in a futex wait of a few microseconds. Runs
// argv[1] seconds (default 5) and prints the locks taken per second.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static volatile unsigned long counter;

static void *hammer(void *x) {
  unsigned long *n = x;
  while (!stop) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 200; ++i) counter++;
    pthread_mutex_unlock(&lock);
    ++*n;
  }
  return 0;
}

int main(int argc, char **argv) {
  int secs = argc > 1 ? atoi(argv[1]) : 5;
  int threads = argc > 2 ? atoi(argv[2]) : 4;
  if (threads < 1 || threads > 64) return 2;
  pthread_t t[64];
  unsigned long n[64] = {0};
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], 0, hammer, &n[i]);
  struct timespec d = {secs, 0};
  nanosleep(&d, 0);
  stop = 1;
  unsigned long total = 0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(t[i], 0);
    total += n[i];
  }
  printf("%lu locks/s\n", total / (unsigned long)secs);
  return 0;
}
