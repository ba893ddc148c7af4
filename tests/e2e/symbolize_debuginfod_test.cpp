// End to end: debug files fetched from a real debuginfod server (Debian's
// `debuginfod -F DIR` on a loopback port). A stripped copy of spin_chain (no
// .symtab, no debug file on the host) is profiled with --debuginfod pointing at
// a server that indexes its debug file: its frames must be named, counted as
// debuginfod. A server that accepts connections and never answers must cost a
// profile no more than the deadline: its frames stay module+offset, the
// request counts as failed, and the profile is still written. Needs root, BTF,
// binutils and debuginfod (make deps).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "gate.h"
#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMinSamples = 200;  // of ~3000 at 499 Hz for 6 s on an idle CPU

std::string build_id_of(const std::string& path) {
  const RunResult r = run({"/usr/bin/readelf", "-n", path});
  const auto at = r.out.find("Build ID: ");
  if (at == std::string::npos) return "";
  return r.out.substr(at + 10, r.out.find('\n', at) - at - 10);
}

// A stripped copy of spin_chain in dir/bin, its debug file in dir/srv.
struct StrippedProgram {
  explicit StrippedProgram(const TempDir& dir) {
    const std::string original = build_dir() + "/tests/programs/spin_chain";
    std::filesystem::create_directories(dir.path / "bin");
    std::filesystem::create_directories(dir.path / "srv");
    path = (dir.path / "bin" / "spin_chain").string();
    const std::string debug = (dir.path / "srv" / "spin_chain.debug").string();
    ok = run({"/usr/bin/objcopy", "--only-keep-debug", original, debug}).status == 0 &&
         run({"/usr/bin/objcopy", "--strip-all", original, path}).status == 0;
    build_id = build_id_of(path);
  }
  bool ok = false;
  std::string path, build_id;
};

// Waits until the server at `port` serves `build_id`'s debug file.
bool serves(int port, const std::string& build_id, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    httplib::Client c("127.0.0.1", port);
    if (auto r = c.Get("/buildid/" + build_id + "/debuginfo"); r && r->status == 200) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

struct Outcome {
  std::set<std::string> names;  // of the stripped program's own frames
  std::uint64_t samples = 0, named = 0;
  nlohmann::json metadata;
  std::string metrics;
};

// Profiles `prog` for 6 s with `flags`, the debuginfod cache in `cache`.
Outcome profile(const StrippedProgram& prog, const std::vector<std::string>& flags,
                const std::filesystem::path& cache, std::string& error) {
  Subprocess spin({prog.path, "--seconds", "0"});
  Outcome o;
  if (spin.read_line(10s).rfind("pid ", 0) != 0) {
    error = "spin_chain did not start";
    return o;
  }
  SessionOptions so;
  so.pids = {spin.pid()};
  so.duration = 6s;  // room for the pulls below
  so.args = flags;
  so.env = {"DEBUGINFOD_CACHE_PATH=" + cache.string()};
  ProfbufdSession s(so);
  if (!s.ready()) {
    error = "profbufd did not start: " + s.err();
    return o;
  }
  // A 1 s pull is symbolized when it closes: /metrics then counts its
  // requests. On a loaded machine a pull may catch none of the program's
  // frames (and ask for nothing): then another.
  for (int i = 0; i < 4; ++i) {
    s.pull("/debug/pprof/profile?seconds=1");
    o.metrics = s.metrics();
    double asked = 0;
    for (const char* r : {"found", "not_found", "failed"})
      asked += metric(o.metrics, std::string("profbufd_debuginfod_requests_total{result=\"") + r +
                                     "\"}")
                   .value_or(0);
    if (asked > 0) break;
  }
  if (const int st = s.finish(); st != 0) error = "profbufd exited " + std::to_string(st) + ": " + s.err();
  const Profile p = s.profile();
  o.metadata = p.metadata;
  for (const Stack& st : p.of(static_cast<std::uint32_t>(spin.pid()))) {
    for (const Frame& f : st.user) {
      if (f.module != "spin_chain") continue;
      o.samples += st.samples;
      if (f.resolved) o.named += st.samples;
      o.names.insert(f.function);
    }
  }
  return o;
}

TEST(SymbolizeDebuginfodE2E, StrippedBinaryIsNamedFromARealServer) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  StrippedProgram prog(dir);
  ASSERT_TRUE(prog.ok);
  ASSERT_FALSE(prog.build_id.empty());
  const int port = free_port();
  Subprocess server({"/usr/bin/debuginfod", "-F", (dir.path / "srv").string(), "-p",
                     std::to_string(port), "-d", (dir.path / "db.sqlite").string()});
  ASSERT_TRUE(server.started());
  ASSERT_TRUE(serves(port, prog.build_id, 30s)) << "debuginfod never served the debug file";

  std::string error;
  const Outcome o = profile(prog, {"--debuginfod", "http://127.0.0.1:" + std::to_string(port)},
                            dir.path / "cache", error);
  ASSERT_TRUE(error.empty()) << error;
  std::string seen;
  for (const std::string& n : o.names) seen += " " + n;
  std::printf("[debuginfod] spin_chain frames %llu, named %llu:%s\n",
              static_cast<unsigned long long>(o.samples),
              static_cast<unsigned long long>(o.named), seen.c_str());
  ASSERT_GE(o.samples, kMinSamples);
  EXPECT_EQ(o.named, o.samples) << seen;
  EXPECT_TRUE(o.names.count("spin_c") && o.names.count("spin_b") && o.names.count("spin_a"))
      << seen;
  EXPECT_GE(o.metadata["named_frames"]["debuginfod"].get<std::uint64_t>(), 3u);
  EXPECT_GE(metric(o.metrics, "profbufd_debuginfod_requests_total{result=\"found\"}").value_or(0),
            1);
  // The client kept the file in the cache it was given.
  EXPECT_TRUE(std::filesystem::exists(dir.path / "cache" / prog.build_id / "debuginfo"));
}

// A TCP listener that accepts and never answers: a server that hangs.
struct SilentServer {
  SilentServer() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 64) == 0 &&
         ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd); }
  int fd = -1, port = 0;
  bool ok = false;
};

TEST(SymbolizeDebuginfodE2E, AHangingServerCostsOneDeadlineAndNothingElse) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  StrippedProgram prog(dir);
  ASSERT_TRUE(prog.ok);
  SilentServer hang;
  ASSERT_TRUE(hang.ok);
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = profile(prog,
                            {"--debuginfod", "http://127.0.0.1:" + std::to_string(hang.port),
                             "--debuginfod-timeout", "1s"},
                            dir.path / "cache", error);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_GE(o.samples, kMinSamples);
  EXPECT_EQ(o.named, 0u);  // still module+offset...
  EXPECT_GT(o.metadata["unnamed_frames"]["no_symbol"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(o.metadata["named_frames"]["debuginfod"].get<std::uint64_t>(), 0u);
  // The pull's request failed (and the file window asked again: retried).
  EXPECT_GE(metric(o.metrics, "profbufd_debuginfod_requests_total{result=\"failed\"}").value_or(0),
            1);
  // ...and the profile waited for one deadline, not one per binary: 6 s of
  // sampling, start-up, and 1 s (the client checks its deadline each second).
  EXPECT_LT(took, 25s);
}

}  // namespace
}  // namespace profbufd::e2e::unwind
