// JSON writer: one window as a self-describing, versioned JSON document.
//
// Schema "profbufd/profile", version 1 (bump schema_version on any change that
// removes or changes the meaning of a field; adding fields is compatible):
//
// {
//   "schema": "profbufd/profile",
//   "schema_version": 1,
//   "metadata": {
//     "version": "0.1.0",                      profbufd version
//     "host": "web-1",                         hostname
//     "kernel": "6.1.0-18-amd64",              uname release
//     "start": "2026-11-21T19:53:00.123456789Z",  window start, RFC 3339 UTC, ns
//     "start_unix_ns": 1795290780123456789,    same, nanoseconds since the epoch
//     "duration_ns": 10000000000,              window length
//     "frequency_hz": 99,                      sampling frequency per CPU
//     "period_ns": 10101010,                   CPU time one sample stands for
//     "cpus": 8,                               CPUs sampled
//     "total_samples": 7890,                   samples in the profile (lost excluded)
//     "idle_accounted_samples": 120,           of those, idle time the sampler
//                                              could not see, from /proc/stat
//     "lost_samples": {"ringbuf_full": 3}      lost samples by reason ({} if none)
//   },
//   "stacks": [                                sorted by count, descending
//     {
//       "count": 42,                           samples with exactly this stack
//       "pid": 1234, "tid": 1240,
//       "comm": "nginx",                       thread name
//       "frames": [                            LEAF (innermost) FIRST
//         {
//           "function": "do_syscall_64",       symbol; "libfoo.so+0x1234" when
//                                              unresolved; the loss reason for
//                                              synthetic frames
//           "module": "[kernel.kallsyms]",     basename of the object
//           "offset": "0x1234",                address within the module (hex)
//           "address": "0xffffffff81000000",   runtime address (hex; "0x0" for
//                                              synthetic frames)
//           "kind": "kernel",                  "kernel" | "user" | "synthetic"
//           "resolved": true                   false: no symbol covered it
//         }
//       ]
//     }
//   ]
// }
//
// Addresses and offsets are hex strings, not numbers: kernel addresses exceed
// 2^53 and would silently lose precision in JavaScript and other consumers
// that read JSON numbers as doubles. Lost samples appear both in
// metadata.lost_samples and as stacks with one synthetic frame, so the counts
// of all stacks sum to total_samples + lost samples.
//
// Strings that are not valid UTF-8 (a comm or symbol is just bytes) have each
// invalid byte replaced by U+FFFD, so the document is always valid JSON.
// Stacks with equal counts keep their order in the Profile: the output is
// deterministic.
#pragma once

#include <string>

#include "model/profile.h"

namespace profbufd {

inline constexpr int kJsonSchemaVersion = 1;

// The document, compact (indent < 0) or pretty-printed with `indent` spaces,
// followed by a newline. Throws std::out_of_range if the Profile breaks its
// index invariants (see profile.h).
std::string render_json(const Profile& profile, int indent = -1);

}  // namespace profbufd
