// End to end: kernel frames named as perf names them. spin_chain --syscalls
// loops on getppid, whose x86-64 handler __x64_sys_getppid shares its address
// in /proc/kallsyms with the compat entry __ia32_sys_getppid (and the local
// __do_sys_getppid). profbufd and `perf record -g` sample it at the same time;
// both must call the handler __x64_sys_getppid (the alias rule of
// userspace/symbolize/kallsyms.h). While profbufd runs, its own BPF programs
// are in /proc/kallsyms as "bpf_prog_<tag>_<name> [bpf]", and the kallsyms
// reader must name them so.
//
// Needs root, BTF and linux-perf (make deps).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gate.h"
#include "perf_stacks.h"
#include "symbolize/kallsyms.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e {
namespace {

using unwind::perf_record_script;
using unwind::ProfbufdSession;
using unwind::SessionOptions;
using unwind::Stack;

constexpr unsigned kHz = 499;
constexpr int kSeconds = 4;
constexpr std::string_view kHandler = "sys_getppid";  // the name's tail, any prefix

using NameCounts = std::map<std::string, std::uint64_t>;

bool is_handler(const std::string& fn) { return fn.ends_with(kHandler); }

// `perf script -F ip,sym` output: how often each *sys_getppid name is a frame.
NameCounts perf_handlers(const std::string& script) {
  NameCounts c;
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string ip, sym;
    if (f >> ip >> sym && is_handler(sym)) ++c[sym];
  }
  return c;
}

// The same for profbufd's kernel frames, by samples.
NameCounts profbufd_handlers(const std::vector<Stack>& stacks) {
  NameCounts c;
  for (const auto& s : stacks)
    for (const auto& f : s.kernel)
      if (is_handler(f.function)) c[f.function] += s.samples;
  return c;
}

// A BPF program as /proc/kallsyms lists it, and as KernelSymbols names its address.
struct BpfProgram {
  std::string listed, named, module;
};

// The "<addr> t bpf_prog_<tag>_<name>\t[bpf]" lines of one read of /proc/kallsyms
// (profbufd's programs among them), each looked up in the parse of that text.
std::vector<BpfProgram> bpf_programs_named() {
  const std::string text = slurp("/proc/kallsyms");
  auto k = symbolize::KernelSymbols::parse(text);
  std::vector<BpfProgram> v;
  std::istringstream in(text);
  std::string addr, type, name, module;
  while (in >> addr >> type >> name && std::getline(in, module)) {
    if (module.find("[bpf]") == std::string::npos || name.rfind("bpf_prog_", 0) != 0) continue;
    const auto s = k ? k->find(std::stoull(addr, nullptr, 16)) : std::nullopt;
    v.push_back({name, s ? std::string(s->name) : "", s ? std::string(s->module) : ""});
  }
  return v;
}

struct GetppidRun {
  NameCounts ours, perf;
  std::vector<BpfProgram> bpf;  // while profbufd ran
  std::string error;
};

// profbufd and perf on one spin_chain --syscalls at once.
GetppidRun profile_getppid_loop() {
  GetppidRun r;
  TempDir dir;
  // Killed when done; it outlives a slow start of profbufd.
  SpinChain loop({"--threads", "1", "--seconds", "300", "--syscalls"});
  SessionOptions o;
  o.pids = {static_cast<pid_t>(loop.pid())};
  o.hz = kHz;
  o.duration = std::chrono::seconds(kSeconds + 2);  // perf's kSeconds fall inside
  ProfbufdSession s(o);
  if (!s.ready()) {
    r.error = "profbufd did not start: " + s.err();
    return r;
  }
  r.bpf = bpf_programs_named();
  const std::string script =
      perf_record_script({"-g", "-F", std::to_string(kHz)}, o.pids, kSeconds, "ip,sym",
                         dir.path.string(), r.error);
  r.perf = perf_handlers(script);
  if (const int st = s.finish(); st != 0)
    r.error += "profbufd exited " + std::to_string(st) + ": " + s.err();
  r.ours = profbufd_handlers(s.profile().of(loop.pid()));
  return r;
}

const GetppidRun& getppid_run() {
  static const GetppidRun run = profile_getppid_loop();
  return run;
}

std::uint64_t count(const NameCounts& c, const std::string& name) {
  const auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

std::string describe(const NameCounts& c) {
  std::string o;
  for (const auto& [name, n] : c) o += " " + name + "=" + std::to_string(n);
  return o.empty() ? " (none)" : o;
}

class KernelSymbolsE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

TEST_F(KernelSymbolsE2E, SyscallHandlerIsNamedAsPerfNamesIt) {
  const GetppidRun& r = getppid_run();
  ASSERT_EQ(r.error, "");
  std::printf("[kernel] getppid handler frames: profbufd%s; perf%s\n", describe(r.ours).c_str(),
              describe(r.perf).c_str());
  // At 499 Hz for 4+ s on one busy thread, the handler and its callees take a
  // few percent of ~2000 samples; 10 allows a machine busy enough to leave
  // the loop a fifth of a CPU.
  ASSERT_GE(count(r.ours, "__x64_sys_getppid"), 10u) << "profbufd:" << describe(r.ours);
  EXPECT_EQ(count(r.ours, "__ia32_sys_getppid"), 0u) << "profbufd:" << describe(r.ours);
  ASSERT_GE(count(r.perf, "__x64_sys_getppid"), 1u) << "perf:" << describe(r.perf);
  // Both tools name the handler, and only it, alike.
  std::vector<std::string> ours, perf;
  for (const auto& [name, n] : r.ours) ours.push_back(name);
  for (const auto& [name, n] : r.perf) perf.push_back(name);
  EXPECT_EQ(ours, perf) << "profbufd:" << describe(r.ours) << "\nperf:" << describe(r.perf);
}

TEST_F(KernelSymbolsE2E, BpfProgramsAreNamedByTheirKallsymsNames) {
  const GetppidRun& r = getppid_run();
  ASSERT_EQ(r.error, "");
  // profbufd's own programs at least (net.core.bpf_jit_kallsyms=1, Debian's default).
  ASSERT_FALSE(r.bpf.empty()) << "no bpf_prog_* [bpf] lines in /proc/kallsyms while profbufd ran";
  std::printf("[kernel] %zu BPF programs in /proc/kallsyms\n", r.bpf.size());
  for (const auto& p : r.bpf) {
    EXPECT_EQ(p.named, p.listed);
    EXPECT_EQ(p.module, "[bpf]") << p.listed;
  }
}

}  // namespace
}  // namespace profbufd::e2e
