// Helpers shared by the symbolize tests: fixture and build locations, temp dirs,
// running external tools (readelf, nm, c++) as independent oracles, and a child
// process that stays alive while a test inspects /proc/<pid>.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../fixtures.h"
#include "../scratch_dir.h"

namespace profbufd::symbolize::testing {

// tests/fixtures/symbolize, found from this file's path (make compiles from the
// repository root, so __FILE__ is relative to it).
inline std::string fixture_dir() { return profbufd::test::fixture("symbolize"); }

// Where `make` put the test programs: $PROFBUFD_BUILD (set by make test-unit).
inline std::string build_dir() {
  const char* b = std::getenv("PROFBUFD_BUILD");
  return b != nullptr && *b != '\0' ? b : "build";
}

inline std::string test_program(const std::string& name) {
  return build_dir() + "/tests/programs/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

using TempDir = profbufd::test::ScratchDir;

// Runs `cmd` through the shell; returns its stdout, or nullopt if it failed.
inline std::optional<std::string> run(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0) return std::nullopt;
  return out;
}

// The build ID as `readelf -n` prints it, or "" if none.
inline std::string readelf_build_id(const std::string& path) {
  const auto out = run("readelf -n '" + path + "' 2>/dev/null");
  if (!out) return "";
  const auto at = out->find("Build ID: ");
  if (at == std::string::npos) return "";
  const auto begin = at + 10;
  return out->substr(begin, out->find('\n', begin) - begin);
}

// Where the host's debug file of `path` lives by its build ID
// (/usr/lib/debug/.build-id/xx/yyyy.debug), or "" when it has none.
inline std::string host_debug_file(const std::string& path) {
  const std::string id = readelf_build_id(path);
  if (id.size() < 3) return "";
  return "/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
}

// The value of `symbol` as `nm` prints it (ELF virtual address).
inline std::optional<unsigned long long> nm_address(const std::string& path,
                                                    const std::string& symbol) {
  const auto out = run("nm '" + path + "' 2>/dev/null");
  if (!out) return std::nullopt;
  std::istringstream lines(*out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (fields >> addr >> type >> name && name == symbol) return std::stoull(addr, nullptr, 16);
  }
  return std::nullopt;
}

// A child process running `path` with pipes to its stdin and stdout. Closing
// stdin (in the destructor) tells symtest_funcs to exit.
class Child {
 public:
  explicit Child(const std::string& path) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      ::execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = ::fdopen(out[0], "r");
  }
  ~Child() {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ != nullptr) std::fclose(stdout_);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // The next line without its newline, or nullopt at EOF.
  std::optional<std::string> read_line() {
    char buf[256];
    if (std::fgets(buf, sizeof buf, stdout_) == nullptr) return std::nullopt;
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  FILE* stdout_ = nullptr;
};

// Source of the shared-library fixture the tests build at runtime (the Makefile
// has no rule for .so files). Known content: a C++ function (demangling), a
// static function (only in .symtab), an IFUNC, and a function without a size.
inline constexpr const char* kFixtureLibSource = R"SRC(
namespace symtest {
__attribute__((noinline)) int widget(int x) { return x * 3 + 1; }
}
__attribute__((noinline)) static int hidden(int x) { return x ^ 0x55; }
extern "C" int symtest_lib_entry(int x) { return symtest::widget(x) + hidden(x); }
extern "C" void* symtest_hidden_addr() { return reinterpret_cast<void*>(&hidden); }
extern "C" int symtest_ifunc_impl(int x) { return x + 2; }
extern "C" void* symtest_ifunc_resolver() { return reinterpret_cast<void*>(&symtest_ifunc_impl); }
extern "C" int symtest_ifunc(int) __attribute__((ifunc("symtest_ifunc_resolver")));
// No .size directive: the symbol table records size 0. In a .text.* section of
// its own, which the linker places after .text: an unsized symbol claims up to
// the next one, and must not claim hidden() in the stripped copy.
asm(".pushsection .text.symtest_last,\"ax\",%progbits\n"
    ".globl symtest_nosize\n.type symtest_nosize,%function\n"
    "symtest_nosize:\n nop\n nop\n nop\n nop\n ret\n.popsection\n");
)SRC";

// The build ID the fixture library is linked with.
inline constexpr const char* kFixtureLibBuildId = "0123456789abcdef0123456789abcdef01234567";
// Linked at this base, so ELF virtual addresses differ from file offsets and a
// missing file-offset -> vaddr translation shows.
inline constexpr unsigned long long kFixtureLibBase = 0x200000;

// Compiles the fixture library into dir/name; `strip` removes .symtab (only
// .dynsym remains). Throws if the compiler fails: the test cannot run then.
inline std::string build_fixture_library(const TempDir& dir, const std::string& name, bool strip) {
  const std::string src = dir.file("symtest_lib.cpp");
  write_text(src, kFixtureLibSource);
  const char* cxx = std::getenv("CXX");
  const std::string out = dir.file(name);
  const std::string cmd = std::string(cxx != nullptr && *cxx != '\0' ? cxx : "g++") +
                          " -shared -fPIC -O1 -g -Wl,--build-id=0x" + kFixtureLibBuildId +
                          " -Wl,-Ttext-segment=0x200000 -o '" + out + "' '" + src + "'" +
                          (strip ? " -s" : "") + " 2>&1";
  if (!run(cmd)) throw std::runtime_error("building the fixture library failed: " + cmd);
  return out;
}

}  // namespace profbufd::symbolize::testing
