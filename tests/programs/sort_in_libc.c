// Spends its time inside libc: qsort of a shuffled array, over and over, with
// a comparison callback. libc's merge sort (msort_with_tmp) and the C runtime
// entry (__libc_start_call_main) are local symbols: only .symtab names them,
// which Debian strips into libc6-dbg's debug file. The callback and main keep
// a frame of this program on every stack.
#include <stdio.h>
#include <stdlib.h>

#define N 20000

static int compare(const void* a, const void* b) {
  const int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

int main(void) {
  static int v[N];
  unsigned seed = 1;
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    for (int i = 0; i < N; i++) {
      seed = seed * 1103515245u + 12345u;
      v[i] = (int)(seed >> 8);
    }
    qsort(v, N, sizeof v[0], compare);
  }
}
