// What libunwind_fixture.so exports to unwind_nofp.
#pragma once

void fixture_lib_leaf(void);
void fixture_lib_spin(volatile int* stop);
