#include "python/debug_offsets.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "python/interpreter_file.h"
#include "python/layout.h"

namespace profbufd::python {
namespace {

constexpr std::uint32_t k3130 = 0x030d00f0;

// A 3.13 block as the table describes it (what a default build holds).
std::vector<std::uint64_t> block_of(const Layout& l) {
  std::vector<std::uint64_t> w(kDebugOffsetWords, 0);
  std::memcpy(w.data(), kDebugCookie, 8);
  w[1] = k3130;
  w[5] = l.walker.runtime_interp_main - 8u;
  w[9] = l.walker.interp_threads_head;
  w[21] = l.walker.tstate_next;
  w[23] = l.walker.tstate_cframe;
  w[25] = l.walker.tstate_native_id;
  w[29] = l.walker.frame_previous;
  w[30] = l.walker.frame_code;
  w[31] = l.walker.frame_prev_instr;
  w[33] = l.walker.frame_owner;
  w[35] = l.objects.code_filename;
  w[37] = l.objects.code_qualname;
  w[38] = l.objects.code_linetable;
  w[39] = l.objects.code_firstlineno;
  w[40] = l.walker.code_tag;
  w[43] = l.walker.code_adaptive;
  return w;
}

TEST(PythonDebugOffsets, ABlockThatDescribesTheTableAgrees) {
  const Layout l = layout_for(k3130).value();
  EXPECT_EQ(debug_offsets_disagree(block_of(l), k3130, l), "");
}

TEST(PythonDebugOffsets, AFreeThreadedBuildOrAMovedFieldDisagrees) {
  const Layout l = layout_for(k3130).value();
  auto w = block_of(l);
  w[2] = 1;
  EXPECT_EQ(debug_offsets_disagree(w, k3130, l), "it is a free-threaded build");
  w = block_of(l);
  w[25] += 8;
  EXPECT_NE(debug_offsets_disagree(w, k3130, l).find("thread_state.native_thread_id at 168, not 160"),
            std::string::npos);
  w = block_of(l);
  w[1] = 0x030e00f0;
  EXPECT_NE(debug_offsets_disagree(w, k3130, l).find("of version 3.14.0"), std::string::npos);
}

TEST(PythonDebugOffsets, OtherVersionsAndShortBlocksAreNotChecked) {
  const Layout l = layout_for(k3130).value();
  auto w = block_of(l);
  w[2] = 1;
  EXPECT_EQ(debug_offsets_disagree(w, 0x030c01f0, l), "");  // 3.12 has no such block
  w.resize(10);
  EXPECT_EQ(debug_offsets_disagree(w, k3130, l), "");
}

// The real check of the 3.13 table: a CPython 3.13 build's own block, read
// from its library file as profbufd reads it. pyenv's build, where the
// machine has one (CPython 3.13 is not a Debian 12 package).
TEST(PythonDebugOffsets, ARealCPython313AgreesWithTheTable) {
  const char* root = std::getenv("PYENV_ROOT");
  const std::filesystem::path versions =
      std::filesystem::path(root ? root : "/root/.pyenv") / "versions";
  std::string lib;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(versions, ec))
    if (d.path().filename().string().rfind("3.13.", 0) == 0 &&
        std::filesystem::exists(d.path() / "lib/libpython3.13.so.1.0"))
      lib = (d.path() / "lib/libpython3.13.so.1.0").string();
  if (lib.empty()) GTEST_SKIP() << "no CPython 3.13 build under pyenv on this machine";
  const int fd = open(lib.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << lib;
  auto f = read_interpreter_file(fd, lib);
  close(fd);
  ASSERT_TRUE(f.ok()) << f.error().line();
  ASSERT_TRUE(f.value().has_value()) << "no _PyRuntime in " << lib;
  const InterpreterFile& interp = **f;
  EXPECT_EQ(minor_of(interp.version), 13u);
  ASSERT_EQ(interp.debug_offsets.size(), kDebugOffsetWords) << "no _Py_DebugOffsets read";
  const Layout l = layout_for(interp.version).value();
  EXPECT_EQ(debug_offsets_disagree(interp.debug_offsets, interp.version, l), "");
}

}  // namespace
}  // namespace profbufd::python
