// Helpers shared by the unwinder's tests: the binaries they read, tables built
// from them, the row covering an address (a plain binary search over CfiTable
// rows, the reference every other lookup is compared with), assembled ELF
// fixtures with hand-written CFI, and printing of uw_rule in failures.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../symbolize/test_util.h"
#include "unwind.h"
#include "unwind/cfi_rows.h"

// uw_rule is a C struct in the global namespace: its printer and equality live
// there too, where gtest and ADL find them.
inline bool operator==(const uw_rule& a, const uw_rule& b) {
  return profbufd::unwind::same_rule(a, b);
}

inline const char* uw_kind_name(int k) {
  switch (k) {
    case UW_CFA_RSP: return "RSP";
    case UW_CFA_RBP: return "RBP";
    case UW_CFA_PLT: return "PLT";
    case UW_CFA_DEREF_RSP: return "DEREF_RSP";
    case UW_CFA_DEREF_RBP: return "DEREF_RBP";
    case UW_CMD_STOP: return "STOP";
    case UW_CMD_SIGNAL: return "SIGNAL";
    case UW_CMD_GAP: return "GAP";
    case UW_CMD_BAD_CFA_REG: return "BAD_CFA_REG";
    case UW_CMD_BAD_CFA_EXPR: return "BAD_CFA_EXPR";
    case UW_CMD_BAD_RA: return "BAD_RA";
    default: return "?";
  }
}

inline void PrintTo(const uw_rule& r, std::ostream* os) {
  static const char* const rbp[] = {"same", "cfa", "undef", "bad"};
  *os << "{" << uw_kind_name(r.cfa_kind) << " " << r.cfa_off << ", rbp "
      << (r.rbp_kind < 4 ? rbp[r.rbp_kind] : "?") << " " << r.rbp_off << "}";
}

namespace profbufd::unwind::testing {

using symbolize::testing::nm_address;
using symbolize::testing::run;
using symbolize::testing::TempDir;
using symbolize::testing::test_program;
using symbolize::testing::write_text;

inline constexpr const char* kLibc = "/lib/x86_64-linux-gnu/libc.so.6";
inline constexpr const char* kLibPython = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";
inline constexpr const char* kGzip = "/usr/bin/gzip";
inline constexpr const char* kPython311 = "/usr/bin/python3.11";

inline std::string nofp_program() { return test_program("unwind_nofp"); }
inline std::string nofp_library() { return test_program("libunwind_fixture.so"); }

inline bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

inline std::string to_string(const uw_rule& r) {
  std::ostringstream os;
  PrintTo(r, &os);
  return os.str();
}

inline uw_rule rule(std::uint8_t kind, std::int32_t cfa_off = 0,
                    std::uint8_t rbp_kind = UW_RBP_SAME, std::int16_t rbp_off = 0) {
  uw_rule r{};
  r.cfa_kind = kind;
  r.cfa_off = cfa_off;
  r.rbp_kind = rbp_kind;
  r.rbp_off = rbp_off;
  return r;
}

// The table of the file at `path`; throws (failing the test) if it cannot be built.
inline CfiTable table_of(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  auto t = build_cfi_table_fd(fd, path);
  ::close(fd);
  if (!t) throw std::runtime_error(t.error().line());
  return std::move(t).value();
}

// The index of the row covering `vaddr` (the last row starting at or below
// it), or -1 before the first row. The final GAP row covers everything after.
inline long covering_index(const CfiTable& t, std::uint64_t vaddr) {
  const auto it = std::upper_bound(t.rows.begin(), t.rows.end(), vaddr,
                                   [](std::uint64_t v, const CfiRow& r) { return v < r.vaddr; });
  return static_cast<long>(it - t.rows.begin()) - 1;
}

inline uw_rule covering_rule(const CfiTable& t, std::uint64_t vaddr) {
  const long i = covering_index(t, vaddr);
  if (i < 0) throw std::runtime_error("no row covers " + std::to_string(vaddr));
  return t.rows[static_cast<std::size_t>(i)].rule;
}

// `path` with its inode and modification time: what tools said of a file is
// cached under it (temporary fixtures may reuse a path).
inline std::string file_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path);
  return path + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// Every symbol of `path` as nm prints it, read once per file_key().
inline const std::map<std::string, std::uint64_t>& nm_symbols(const std::string& path) {
  static std::map<std::string, std::map<std::string, std::uint64_t>> cache;
  const std::string key = file_key(path);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto out = run("nm '" + path + "' 2>/dev/null");
  if (!out) throw std::runtime_error("nm failed on " + path);
  std::map<std::string, std::uint64_t> syms;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (fields >> addr >> type >> name) syms.emplace(name, std::stoull(addr, nullptr, 16));
  }
  return cache.emplace(key, std::move(syms)).first->second;
}

// The address of `symbol` in `path` (nm), or a thrown error.
inline std::uint64_t symbol(const std::string& path, const std::string& name) {
  const auto& syms = nm_symbols(path);
  const auto it = syms.find(name);
  if (it == syms.end()) throw std::runtime_error(name + " not found by nm in " + path);
  return it->second;
}

// Assembles `sources` (GNU as, AT&T syntax; one file each) into a shared
// object without any startup files: only the code and CFI the test wrote.
// Throws if gcc fails.
inline std::string assemble(const TempDir& dir, const std::string& name,
                            const std::vector<std::string>& sources,
                            const std::string& flags = "") {
  std::string files;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string src = dir.file(name + "." + std::to_string(i) + ".s");
    write_text(src, sources[i]);
    files += " '" + src + "'";
  }
  const std::string out = dir.file(name);
  const std::string cmd = "gcc -nostdlib -shared -Wa,--noexecstack " + flags + " -o '" + out + "'" + files + " 2>&1";
  if (!run(cmd)) throw std::runtime_error("assembling the fixture failed: " + cmd);
  return out;
}

inline std::string assemble(const TempDir& dir, const std::string& name,
                            const std::string& source, const std::string& flags = "") {
  return assemble(dir, name, std::vector<std::string>{source}, flags);
}

// `name` as the label of a function in an assembled fixture.
inline std::string asm_function(const std::string& name, const std::string& body) {
  return "\t.globl " + name + "\n\t.type " + name + ",@function\n" + name +
         ":\n\t.cfi_startproc\n" + body + "\t.cfi_endproc\n\t.size " + name + ",.-" + name +
         "\n" + name + "_end:\n";
}

}  // namespace profbufd::unwind::testing
