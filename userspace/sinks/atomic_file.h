// Atomic file replacement: readers of DIR/NAME see either the old file or the
// complete new one, never a prefix, and a failed write leaves nothing behind.
//
// Protocol: create a temporary file in the same directory (same file system,
// so rename(2) is atomic) with O_CREAT|O_EXCL, write everything, fsync it,
// rename it over DIR/NAME, fsync the directory so the rename itself survives
// a crash. Any failure before the rename unlinks the temporary file.
//
// Temporary names start with '.' (".NAME.tmp.<pid>.<n>"), so no pattern for
// finished files ("profbufd-*") can ever match a write in progress. A process
// killed mid-write leaves its temporary file; nothing removes those
// automatically, because another live process may own one.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd {

// Writes `bytes` to dir/name atomically with mode 0644 & ~umask. `name` must be
// a plain file name (no '/'). On failure returns an Error with
// ExitCode::kWriteFailed naming the file and the errno text, and dir/name is
// unchanged — except when only the final directory fsync fails: the new file
// is then complete and in place but its durability is not guaranteed, which
// is still reported as an error.
Status write_file_atomically(const std::string& dir, std::string_view name,
                             std::string_view bytes);

// The same for contents made in pieces, so that they need not be held whole:
// `produce` is called once and hands each piece to the writer it is given, in
// order. After a failed write the writer drops the pieces that follow, and the
// first failure is reported as above.
using PieceWriter = std::function<void(std::string_view)>;
Status write_file_atomically_in_pieces(const std::string& dir, std::string_view name,
                                       const std::function<void(const PieceWriter&)>& produce);

}  // namespace profbufd
