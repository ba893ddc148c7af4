// End to end: CPython frames read in BPF at sample time (bpf/python.bpf.h),
// named from the process's code objects and spliced into the native stack.
//
// - Debian's own python3.11 (built without frame pointers), and pyenv's
//   CPython 3.12 and 3.13 builds where the machine has them, run
//   tests/programs/python/chains.py: three threads, each in a known chain
//   (recursion and a method call; json.dumps calling back into Python; sorted()
//   calling a key function). At least 95% of its Python samples carry a chain
//   in order, with the script's path, and lines inside the right functions;
//   the C calls between Python frames stay in place; `go tool pprof` reads it.
// - A fake interpreter with hostile structures (tests/programs/
//   python3.11-hostile.c): every walk ends, bounded, with a counted reason.
// - A fake interpreter of a version profbufd has no layout for: one warning,
//   native frames only.
// Needs root and BTF.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

std::string script() {
  return std::filesystem::absolute("tests/programs/python/chains.py").string();
}

// The known chains, outermost first, as co_qualname names them.
const std::vector<std::vector<std::string>>& chains() {
  static const std::vector<std::vector<std::string>> c = {
      {"<module>", "main", "main_loop", "recurse", "recurse", "recurse", "recurse", "recurse",
       "recurse", "Walker.step", "leaf_main"},
      {"Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run", "json_loop", "dumps",
       "JSONEncoder.encode", "JSONEncoder.iterencode", "encode_hook", "leaf_json"},
      {"Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run", "sort_loop", "sort_key",
       "leaf_sort"},
  };
  return c;
}

// A stack's Python frames, outermost first.
std::vector<const Frame*> python_frames(const Stack& s) {
  std::vector<const Frame*> v;
  for (auto it = s.user.rbegin(); it != s.user.rend(); ++it)
    if (it->python) v.push_back(&*it);
  return v;
}

// The index of the known chain whose outermost frames these are, or -1.
int chain_of(const std::vector<const Frame*>& py) {
  for (std::size_t c = 0; c < chains().size(); ++c) {
    const auto& want = chains()[c];
    if (py.empty() || py.size() > want.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < py.size() && ok; ++i) ok = py[i]->function == want[i];
    if (ok) return static_cast<int>(c);
  }
  return -1;
}

// Each function of chains.py: its qualname -> {def line, last line}, from
// python3.11's own parser.
std::map<std::string, std::pair<std::int64_t, std::int64_t>> function_spans() {
  const auto r = run({"/usr/bin/python3.11", "-c",
                      "import ast,sys\n"
                      "t=ast.parse(open(sys.argv[1]).read())\n"
                      "def walk(n,pre):\n"
                      "  for c in ast.iter_child_nodes(n):\n"
                      "    if isinstance(c,(ast.FunctionDef,ast.ClassDef)):\n"
                      "      q=pre+c.name\n"
                      "      if isinstance(c,ast.FunctionDef): print(q,c.lineno,c.end_lineno)\n"
                      "      walk(c,q+'.')\n"
                      "walk(t,'')\n",
                      script()});
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> spans;
  std::istringstream in(r.out);
  std::string name;
  std::int64_t a = 0, b = 0;
  while (in >> name >> a >> b) spans[name] = {a, b};
  return spans;
}

// One profile of chains.py under an interpreter, shared by the tests of that
// interpreter.
struct ChainRun {
  std::string error;  // why the run failed; empty when it did not
  std::vector<Stack> stacks;
  nlohmann::json metadata;
  std::string metrics;
  std::filesystem::path pprof;
};

ChainRun failed(std::string why) {
  ChainRun r;
  r.error = std::move(why);
  return r;
}

ChainRun profile_chains(const std::string& python, const std::filesystem::path& dir) {
  ChainRun r;
  Subprocess py(std::vector<std::string>{python, script(), "--seconds", "30"});
  if (!py.started()) return failed("could not start " + python);
  std::this_thread::sleep_for(500ms);  // its threads running
  SessionOptions o;
  o.pids = {py.pid()};
  o.duration = 5s;
  ProfbufdSession session(o);
  if (!session.ready()) return failed(session.err());
  const std::string pprof = session.pull("/debug/pprof/profile?seconds=2");
  if (pprof.empty()) return failed("no pprof profile");
  r.pprof = dir / (std::filesystem::path(python).filename().string() + ".pb.gz");
  std::ofstream(r.pprof, std::ios::binary) << pprof;
  r.metrics = session.metrics();
  if (session.finish() != 0) return failed(session.err());
  const Profile p = session.profile();
  r.metadata = p.metadata;
  r.stacks = p.of(static_cast<std::uint32_t>(py.pid()));
  return r;
}

// The interpreters chains.py runs under: Debian's python3.11 (make deps), and
// the CPython 3.12 and 3.13 builds of pyenv where the machine has them
// (PYENV_ROOT, else /root/.pyenv; they are not Debian packages).
std::string pyenv_python(const std::string& minor) {
  const char* root = std::getenv("PYENV_ROOT");
  const std::filesystem::path versions =
      std::filesystem::path(root ? root : "/root/.pyenv") / "versions";
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(versions, ec)) {
    const std::string name = d.path().filename().string();
    const auto bin = d.path() / "bin" / ("python" + minor);
    if (name.rfind(minor + ".", 0) == 0 && std::filesystem::exists(bin)) return bin.string();
  }
  return "pyenv:" + minor;  // none: the test says so
}

class PythonChainsE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    ASSERT_TRUE(std::filesystem::exists(script())) << "run from the repository root";
    const std::string python = interpreter();
    if (python.rfind("pyenv:", 0) == 0)
      GTEST_SKIP() << "no CPython " << python.substr(6) << " build under pyenv on this machine";
    ASSERT_TRUE(std::filesystem::exists(python)) << "make deps installs python3.11";
    static std::map<std::string, ChainRun> runs;  // one profile per interpreter
    static TempDir dir;
    auto it = runs.find(python);
    if (it == runs.end()) it = runs.emplace(python, profile_chains(python, dir.path)).first;
    run_ = &it->second;
    ASSERT_TRUE(run_->error.empty()) << run_->error;
    stacks_ = run_->stacks;
  }

  std::string interpreter() const {
    return GetParam() == "3.11" ? "/usr/bin/python3.11" : pyenv_python(GetParam());
  }

  const ChainRun* run_ = nullptr;
  std::vector<Stack> stacks_;
};

TEST_P(PythonChainsE2E, NinetyFivePercentOfPythonSamplesCarryTheirChainInOrder) {
  std::uint64_t python = 0, chained = 0;
  std::map<int, std::uint64_t> by_chain;
  std::map<int, std::set<std::uint32_t>> tids;
  for (const Stack& s : stacks_) {
    const auto py = python_frames(s);
    if (py.empty()) continue;
    python += s.samples;
    const int c = chain_of(py);
    if (c < 0) continue;
    chained += s.samples;
    if (py.size() == chains()[c].size()) {
      by_chain[c] += s.samples;
      tids[c].insert(s.tid);
    }
  }
  std::printf("[python] %llu Python samples, %llu on a known chain; whole chains: %llu %llu %llu\n",
              static_cast<unsigned long long>(python), static_cast<unsigned long long>(chained),
              static_cast<unsigned long long>(by_chain[0]),
              static_cast<unsigned long long>(by_chain[1]),
              static_cast<unsigned long long>(by_chain[2]));
  ASSERT_GE(python, 200u);  // three busy threads, 5 s at 99 Hz on 2 CPUs
  EXPECT_GE(chained * 100, python * 95);
  std::set<std::uint32_t> all_tids;
  for (int c = 0; c < 3; ++c) {
    EXPECT_GE(by_chain[c] * 10, python) << "chain " << c << " is under 10% of the samples";
    EXPECT_EQ(tids[c].size(), 1u) << "chain " << c << " ran on one thread";
    all_tids.insert(tids[c].begin(), tids[c].end());
  }
  EXPECT_EQ(all_tids.size(), 3u) << "each thread has its own chain";
  const auto& md = run_->metadata;
  EXPECT_GE(md["python_stacks"]["complete"].get<std::uint64_t>() * 100, python * 95);
}

TEST_P(PythonChainsE2E, FramesHaveTheScriptsFileAndLinesInsideTheirFunctions) {
  const auto spans = function_spans();
  ASSERT_TRUE(spans.count("leaf_main") && spans.count("Walker.step")) << "parsed chains.py";
  std::uint64_t ours = 0, right = 0;
  for (const Stack& s : stacks_)
    for (const Frame* f : python_frames(s)) {
      const auto it = spans.find(f->function);
      if (it == spans.end() || f->function == "<module>") continue;
      ours += s.samples;
      const auto [first, last] = it->second;
      const bool ok = f->file == script() && f->start_line == first && f->line >= first &&
                      f->line <= last;
      if (ok) right += s.samples;
      EXPECT_TRUE(ok) << f->function << " at " << f->file << ":" << f->line << " (def "
                      << f->start_line << "), want " << script() << ":" << first << "-" << last;
    }
  EXPECT_GT(ours, 0u);
  EXPECT_EQ(right, ours);
}

// Native frames between Python frames stay: sorted() and the list sort run
// sort_key from C, through builtin_sorted and list_sort_impl. Both are static
// functions: Debian's python3.11 is stripped, so they are named, with their
// source file and line, from python3.11-dbg's debug file (make deps installs
// it; GCC's LTO names them builtin_sorted.lto_priv.0, as perf shows them too).
// Evaluator frames are replaced by the Python frames they ran. One may stay in
// a sample taken while a call was being set up, when the evaluator had not yet
// made its frame current (seen once in ~2000 in CI): at most 1% of the Python
// samples may have one.
bool static_call(const Frame& f, std::string_view name, std::string_view file) {
  return !f.python && f.function.rfind(name, 0) == 0 && f.file.ends_with(file) && f.line > 0;
}

TEST_P(PythonChainsE2E, CFramesStayBetweenPythonFramesAndTheEvaluatorIsReplaced) {
  std::uint64_t sort_samples = 0, with_sorted = 0, evaluators = 0, python = 0;
  for (const Stack& s : stacks_) {
    const auto py = python_frames(s);
    if (py.empty()) continue;
    python += s.samples;
    for (const Frame& f : s.user)
      if (f.function == "_PyEval_EvalFrameDefault") {
        evaluators += s.samples;
        break;
      }
    if (chain_of(py) != 2 || py.size() < 5) continue;
    sort_samples += s.samples;
    // Outermost first: sort_loop, builtin_sorted, list_sort_impl, sort_key.
    bool after_loop = false, sorted = false, sort_impl = false;
    for (auto it = s.user.rbegin(); it != s.user.rend(); ++it) {
      if (it->python && it->function == "sort_loop") after_loop = true;
      if (after_loop && static_call(*it, "builtin_sorted", "Python/bltinmodule.c")) sorted = true;
      if (sorted && static_call(*it, "list_sort_impl", "Objects/listobject.c")) sort_impl = true;
      if (it->python && it->function == "sort_key") break;
    }
    if (sort_impl) with_sorted += s.samples;
  }
  ASSERT_GT(sort_samples, 0u);
  EXPECT_GE(with_sorted * 100, sort_samples * 95) << with_sorted << " of " << sort_samples;
  EXPECT_LE(evaluators * 100, python) << evaluators << " of " << python;
}

TEST_P(PythonChainsE2E, GoToolPprofReadsThePythonFunctionsFilesAndLines) {
  const std::string file = run_->pprof.string();
  const auto traces = go_pprof({"-traces", file});
  ASSERT_EQ(traces.status, 0) << traces.err;
  EXPECT_NE(traces.out.find("leaf_main"), std::string::npos);
  EXPECT_NE(traces.out.find("Walker.step"), std::string::npos);
  const auto lines = go_pprof({"-lines", "-top", "-nodecount=50", file});
  ASSERT_EQ(lines.status, 0) << lines.err;
  EXPECT_NE(lines.out.find("leaf_main " + script() + ":"), std::string::npos) << lines.out;
  EXPECT_GT(metric(run_->metrics, "profbufd_python_processes").value_or(0), 0);
  EXPECT_GT(metric(run_->metrics, "profbufd_python_walks_total{end=\"complete\"}").value_or(0), 0);
  EXPECT_GT(metric(run_->metrics, "profbufd_frames_named_total{source=\"python\"}").value_or(0), 0);
}

INSTANTIATE_TEST_SUITE_P(Interpreters, PythonChainsE2E, ::testing::Values("3.11", "3.12", "3.13"),
                         [](const auto& info) {
                           std::string n = "Python" + info.param;
                           n.erase(n.find('.'), 1);
                           return n;
                         });

// A Python process that exits before its window closes keeps the names of
// its Python frames: their code objects were read soon after the samples
// (python/code_prefetch.h), while the process ran.
TEST(PythonShortLivedE2E, AProcessThatExitsBeforeItsWindowClosesKeepsItsPythonNames) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Subprocess py(std::vector<std::string>{"/usr/bin/python3.11", script(), "--seconds", "2"});
  ASSERT_TRUE(py.started());
  // Held until profbufd samples: its start (the BPF objects of every kind a
  // daemon serves, verified before the reader runs) may outlast the script.
  ::kill(py.pid(), SIGSTOP);
  SessionOptions o;
  o.pids = {py.pid()};
  o.duration = 5s;  // the window closes ~3 s after the script has exited
  ProfbufdSession session(o);
  ASSERT_TRUE(session.ready()) << session.err();
  ::kill(py.pid(), SIGCONT);
  EXPECT_EQ(py.wait(), 0);
  const std::string metrics = session.metrics();
  ASSERT_EQ(session.finish(), 0) << session.err();
  const Profile p = session.profile();
  std::uint64_t frames = 0, named = 0, from_script = 0, gone = 0;
  for (const Stack& s : p.of(static_cast<std::uint32_t>(py.pid())))
    for (const Frame* f : python_frames(s)) {
      frames += s.samples;
      if (f->resolved) named += s.samples;
      if (f->resolved && f->file == script()) from_script += s.samples;
      if (f->function == "[python: process gone]") gone += s.samples;
    }
  std::printf(
      "[python] short-lived: %llu Python frames, %llu named, %llu from the script, %llu gone\n",
      static_cast<unsigned long long>(frames), static_cast<unsigned long long>(named),
      static_cast<unsigned long long>(from_script), static_cast<unsigned long long>(gone));
  ASSERT_GE(frames, 500u);  // ~2 s of three threads at 499 Hz, several frames each
  EXPECT_GE(named * 100, frames * 95);
  // The rest are the stdlib's: threading, json, and the imports at startup,
  // sampled from the first instruction on since the process was held.
  EXPECT_GE(from_script * 100, frames * 40);
  EXPECT_LE(gone * 100, frames);
  EXPECT_GT(metric(metrics, "profbufd_python_code_prefetches_total{result=\"queued\"}").value_or(0), 0);
}

// The stacks of a fake interpreter: its Python walk statuses (the profile's
// python_stacks), its profbufd's log and exit code.
struct FakeRun {
  nlohmann::json python_stacks, unnamed;
  std::vector<Stack> stacks;
  std::string log;
  int status = -1;
};

FakeRun run_fake(const std::string& program) {
  FakeRun r;
  Subprocess fake({build_dir() + "/tests/programs/" + program, "30"});
  EXPECT_TRUE(fake.started());
  std::this_thread::sleep_for(300ms);
  SessionOptions o;
  o.pids = {fake.pid()};
  o.duration = 3s;
  ProfbufdSession s(o);
  EXPECT_TRUE(s.ready()) << s.err();
  r.status = s.finish();
  r.log = s.err();
  const Profile p = s.profile();
  r.python_stacks = p.metadata["python_stacks"];
  r.unnamed = p.metadata["unnamed_frames"];
  r.stacks = p.of(static_cast<std::uint32_t>(fake.pid()));
  return r;
}

TEST(PythonHostileE2E, HostileInterpreterMemoryEndsEveryWalkWithACountedReason) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  const FakeRun r = run_fake("python3.11-hostile");
  ASSERT_EQ(r.status, 0) << r.log;
  ASSERT_FALSE(r.stacks.empty());
  std::printf("[python] hostile: %s\n", r.python_stacks.dump().c_str());
  // main: walked through, its code object unreadable (a name 2^40 long).
  EXPECT_GT(r.python_stacks["complete"].get<std::uint64_t>(), 0u);
  EXPECT_GT(r.unnamed["python_unreadable"].get<std::uint64_t>(), 0u);
  // cycle: stopped at the bound; unmapped and badcode: unreadable; absent:
  // a thread list that loops on itself is searched a bounded number of steps.
  EXPECT_GT(r.python_stacks["depth"].get<std::uint64_t>() +
                r.python_stacks["no_room"].get<std::uint64_t>(), 0u);
  EXPECT_GT(r.python_stacks["unreadable"].get<std::uint64_t>(), 0u);
  EXPECT_GT(r.python_stacks["no_thread"].get<std::uint64_t>(), 0u);
  for (const Stack& s : r.stacks) {
    const auto py = python_frames(s);
    EXPECT_LE(py.size(), 127u);
    for (const Frame* f : py) EXPECT_FALSE(f->resolved) << "a name out of hostile memory";
  }
}

// A fake interpreter profbufd must not walk: one warning line with `says`,
// native frames only, no walk at all.
void expect_turned_away(const std::string& program, const std::string& says) {
  const FakeRun r = run_fake(program);
  ASSERT_EQ(r.status, 0) << r.log;
  ASSERT_FALSE(r.stacks.empty());
  std::size_t warnings = 0;
  std::istringstream in(r.log);
  for (std::string line; std::getline(in, line);)
    if (line.find("python: pid") != std::string::npos) {
      ++warnings;
      EXPECT_NE(line.find(says), std::string::npos) << line;
    }
  EXPECT_EQ(warnings, 1u) << r.log;
  for (const Stack& s : r.stacks) EXPECT_TRUE(python_frames(s).empty());
  for (const auto& [end, n] : r.python_stacks.items()) EXPECT_EQ(n.get<std::uint64_t>(), 0u) << end;
}

TEST(PythonHostileE2E, AnUnknownVersionGetsOneWarningAndNativeFramesOnly) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  expect_turned_away("python3.9-fake", "CPython 3.9.18");
}

// Discovery reads the runtime state once (python/runtime_check.h): a 3.11
// whose thread state does not point back at its interpreter is not walked.
TEST(PythonHostileE2E, ARuntimeStateOfAnotherLayoutIsTurnedAwayAtDiscovery) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  expect_turned_away("python3.11-mislaid", "its first thread state names interpreter");
}

}  // namespace
}  // namespace profbufd::e2e::unwind
