/* A CPython 3.11 whose runtime state is not laid out as 3.11's: its first
 * thread state names another interpreter; python3.11-hostile.c (see there). */
#define PY_FAKE_MISLAID 1
#include "python3.11-hostile.c"
