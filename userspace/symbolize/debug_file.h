// Finding the separate debug file of a stripped binary, as gdb and perf do.
//
// Distributions strip the symbol table (.symtab) from the binaries they ship
// and put it, with the DWARF, in a debug file of its own (Debian: the -dbg and
// -dbgsym packages). Two conventions say where that file is:
//
// - by build ID: <debug_dir>/.build-id/<first 2 hex digits>/<the rest>.debug;
// - by .gnu_debuglink, a section naming the file and the CRC-32 (zlib's) of its
//   contents: <dir>/<name>, <dir>/.debug/<name>, <debug_dir><dir>/<name>, where
//   <dir> is the binary's directory.
//
// Each is looked for inside the process's mount namespace first (a container
// ships its own debug files), then on the host: `roots` is that list of
// prefixes, e.g. {"/proc/PID/root", ""}. A build-ID path is trusted by its
// name; a debuglink candidate only if its CRC matches, since the name alone
// is ambiguous (every build of libfoo has libfoo.so.debug).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.h"

namespace profbufd::symbolize {

inline constexpr std::string_view kDefaultDebugDir = "/usr/lib/debug";

struct DebugLink {
  std::string file;        // a file name, without directories
  std::uint32_t crc = 0;   // CRC-32 of the debug file's contents
  bool operator==(const DebugLink&) const = default;
};

// The contents of a .gnu_debuglink section: the NUL-terminated name, padding
// to 4 bytes, then the CRC in the file's byte order (little-endian here). A
// malformed section (no NUL, no room for the CRC, a name with '/' or "..") is
// nullopt.
std::optional<DebugLink> parse_debug_link(std::string_view section);

struct DebugCandidate {
  std::string path;
  bool check_crc = false;  // a debuglink candidate: accepted only if the CRC matches
};

// Where the debug file of the binary at `binary_path` (its path inside its
// process) may be, in the order tried: by build ID, then by debuglink, each
// under every root in turn. Either key may be missing (empty build ID, no link).
std::vector<DebugCandidate> debug_file_candidates(const std::vector<std::string>& roots,
                                                  std::string_view debug_dir,
                                                  std::string_view build_id,
                                                  std::string_view binary_path,
                                                  const std::optional<DebugLink>& link);

// zlib's CRC-32 of everything `fd` holds, read from offset 0; nullopt on a read error.
std::optional<std::uint32_t> file_crc32(int fd);

// Opens the first candidate that is a regular file (and passes its CRC check);
// an invalid Fd if none does. `chosen`, if given, receives its path.
Fd open_debug_file(const std::vector<DebugCandidate>& candidates, std::uint32_t crc,
                   std::string* chosen = nullptr);

}  // namespace profbufd::symbolize
