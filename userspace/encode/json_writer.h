// JSON writer: one window of one kind as a self-describing, versioned JSON
// document, written as a stream of text (no document tree is built).
//
// Schema "profbufd/profile", version 2 (bump schema_version on any change that
// removes or changes the meaning of a field; adding fields is compatible). The
// README documents version 1 and what changed.
//
// {
//   "schema": "profbufd/profile",
//   "schema_version": 2,
//   "metadata": {
//     "kind": "cpu",                           profile kind
//     "version": "0.1.0",                      profbufd version
//     "host": "web-1",                         hostname
//     "kernel": "6.1.0-18-amd64",              uname release
//     "start": "2026-11-21T19:53:00.123456789Z",  window start, RFC 3339 UTC, ns
//     "start_unix_ns": 1795290780123456789,    same, nanoseconds since the epoch
//     "duration_ns": 10000000000,              window length
//     "cpus": 8,                               CPUs sampled
//     "sample_types": [{"type": "samples", "unit": "count"},
//                      {"type": "cpu", "unit": "nanoseconds"}],
//     "default_sample_type": "cpu",
//     "period_type": {"type": "cpu", "unit": "nanoseconds"},
//     "period": 10101010,                      what one sample stands for
//     "totals": [7893, 79727272329],           each value summed over all stacks,
//                                              lost included
//     "lost_samples": {"ringbuf_full": 3},     lost records by reason ({} if none)
//     "user_unwind": "dwarf",                  how user stacks were walked: "dwarf"
//                                              (unwind tables, frame pointers where
//                                              a binary has none) or "fp"
//     "truncated_stacks": {"depth_limit": 0,   records whose user stack stopped
//                 "memory_unreadable": 2, ...},  before the entry, by reason (every
//                                              reason present; always 0 with "fp")
//     "details": {"frequency_hz": 99,          what the kind adds (CPU: frequency,
//                 "idle_accounted_samples": 120}  idle samples from /proc/stat);
//                                              "settings_changes": n when SIGHUP
//                                              changed settings in the window
//     "comments": ["cpus 8, frequency 99 Hz",  the pprof comments: one line each,
//                  "settings changed: at ..."]  e.g. what a SIGHUP changed
//   },
//   "stacks": [                                sorted by the default sample type's
//     {                                        value, descending
//       "values": [42, 424242420],             one per sample type
//       "labels": {"pid": 1234, "tid": 1240,   pid and tid always; comm (thread
//                  "comm": "nginx",            name) always; then the kind's own,
//                  "cgroup": "/system.slice/nginx.service",   then who it belongs
//                  "systemd_unit": "nginx.service",  to (model/labeler.h):
//                  "service_name": "nginx.service"}  container_id, pod_uid, nspid
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
// that read JSON numbers as doubles. Lost records appear both in
// metadata.lost_samples and as stacks with one synthetic frame, so "totals"
// include them. Truncated stacks keep their frames and end (at the root) in a
// synthetic frame "[truncated: <reason>]".
//
// Strings that are not valid UTF-8 (a comm or symbol is just bytes) have each
// invalid byte replaced by U+FFFD, so the document is always valid JSON.
// Stacks with equal values keep their order in the Profile: the output is
// deterministic.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"

namespace profbufd {

inline constexpr int kJsonSchemaVersion = 2;

// The document, compact, followed by a newline. Throws std::out_of_range if
// the Profile breaks its index invariants (see profile.h).
std::string render_json(const Profile& profile);

// The same document in pieces of about kJsonPieceBytes (one stack may run a
// piece past it), each handed to `out` as soon as it is written, so that a
// window's file need not be held whole: at 999 Hz with process churn the
// document of a 10 s window is over 20 MB. The pieces joined are render_json's
// text, byte for byte.
inline constexpr std::size_t kJsonPieceBytes = 1 << 20;
void render_json_in_pieces(const Profile& profile,
                           const std::function<void(std::string_view)>& out);

// Appends `types` as the document's "sample_types" array has them:
// [{"type":"samples","unit":"count"},...]. The page's JSON (encode/flame_graph.h,
// http/page_endpoints.h) writes its sample types with it too.
void append_sample_types_json(std::string& out, const std::vector<ValueType>& types);

}  // namespace profbufd
