// The small /proc files read by field: /proc/PID/status (NSpid:), /proc/PID/stat
// (whose comm field a process names itself, ')' and spaces included), and
// /proc/stat (btime, the per-CPU idle columns). The first byte picks the parser.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "kinds/cpu/cpu_idle.h"
#include "metrics/process_stats.h"
#include "process/process_identity.h"

using namespace profbufd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text = fuzz::text_of(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: (void)parse_nspid(text); break;
    case 1: (void)metrics::parse_proc_pid_stat(text); break;
    case 2: (void)metrics::parse_boot_time(text); break;
    default: (void)kinds::cpu::parse_proc_stat_idle(text, 100); break;
  }
  return 0;
}
