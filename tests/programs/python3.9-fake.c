/* An interpreter profbufd has no layout for: python3.11-hostile.c as
 * CPython 3.9.18 (see there). */
#define PY_FAKE_VERSION 0x030912f0
#include "python3.11-hostile.c"
