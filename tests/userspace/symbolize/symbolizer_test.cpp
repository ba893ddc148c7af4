#include "symbolize/symbolizer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

// Outside any anonymous namespace so that its mangled name is predictable.
namespace symtest_self {
__attribute__((noinline)) int marker(int x) { return x * 7 + 3; }
}  // namespace symtest_self

namespace profbufd {
namespace {

using symbolize::NameSource;
using symbolize::UnnamedReason;
using symbolize::testing::build_fixture_library;
using symbolize::testing::Child;
using symbolize::testing::fixture_dir;
using symbolize::testing::kFixtureLibBuildId;
using symbolize::testing::nm_address;
using symbolize::testing::readelf_build_id;
using symbolize::testing::TempDir;
using symbolize::testing::test_program;
using symbolize::testing::write_text;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string self_exe() {
  char exe[4096] = {};
  if (::readlink("/proc/self/exe", exe, sizeof exe - 1) <= 0) throw std::runtime_error("readlink");
  return exe;
}

Symbolizer::Options fixture_options() {
  Symbolizer::Options o;
  o.procfs_root = fixture_dir() + "/procfs";
  return o;
}

ProcessMaps own_maps() {
  auto maps = ProcessMaps::read(static_cast<int>(::getpid()));
  if (!maps) throw std::runtime_error(maps.error().line());
  return std::move(maps).value();
}

std::uint32_t own_pid() { return static_cast<std::uint32_t>(::getpid()); }

// ---- kernel -------------------------------------------------------------------

TEST(SymbolizeSymbolizerKernelTest, ResolvesNameModuleAndRawAddress) {
  Symbolizer s(fixture_options());
  SymbolizedFrame f = s.kernel(0xffffffff81002010);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "schedule");
  EXPECT_EQ(f.module, "[kernel.kallsyms]");
  EXPECT_EQ(f.path, "[kernel.kallsyms]");
  EXPECT_EQ(f.offset, 0xffffffff81002010u);
  EXPECT_EQ(f.build_id, "");
  EXPECT_EQ(f.map_start, 0u);
  EXPECT_EQ(f.map_limit, 0u);
  EXPECT_EQ(f.source, NameSource::kKernel);

  f = s.kernel(0xffffffffc0a01404);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "nft_register_expr");
  EXPECT_EQ(f.module, "[nf_tables]");
  EXPECT_EQ(f.path, "[kernel.kallsyms]");
  EXPECT_EQ(f.offset, 0xffffffffc0a01404u);

  const auto st = s.stats();
  EXPECT_EQ(st.hits, 2u);
  EXPECT_EQ(st.misses, 0u);
  EXPECT_EQ(st.kernel_symbols, 11u);
  EXPECT_GT(st.kernel_bytes, 0u);
  EXPECT_FALSE(s.kernel_error());
}

TEST(SymbolizeSymbolizerKernelTest, UnresolvedKeepsModuleAndAddress) {
  Symbolizer s(fixture_options());
  const SymbolizedFrame f = s.kernel(0xffffffff82000010);  // in rodata
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.function, "[kernel.kallsyms]+0xffffffff82000010");
  EXPECT_EQ(f.module, "[kernel.kallsyms]");
  EXPECT_EQ(f.offset, 0xffffffff82000010u);
  EXPECT_EQ(f.unnamed, UnnamedReason::kNoSymbol);
  EXPECT_EQ(s.stats().misses, 1u);
  EXPECT_EQ(s.stats().hits, 0u);
  EXPECT_EQ(s.stats().unnamed[static_cast<std::size_t>(UnnamedReason::kNoSymbol)], 1u);
}

TEST(SymbolizeSymbolizerKernelTest, LoadsKallsymsLazilyAndOnce) {
  TempDir procfs;
  Symbolizer::Options o;
  o.procfs_root = procfs.path();
  Symbolizer s(o);  // no kallsyms exists yet: construction must not read it
  EXPECT_EQ(s.stats().kernel_symbols, 0u);
  EXPECT_FALSE(s.kernel_error());
  write_text(procfs.file("kallsyms"), "ffffffff81000000 T first\nffffffff81000100 T second\n");
  EXPECT_EQ(s.kernel(0xffffffff81000104).function, "second");
  EXPECT_EQ(s.stats().kernel_symbols, 2u);
  std::filesystem::remove(procfs.file("kallsyms"));
  EXPECT_EQ(s.kernel(0xffffffff81000004).function, "first");  // not re-read
}

TEST(SymbolizeSymbolizerKernelTest, HiddenKallsymsIsADistinctError) {
  Symbolizer::Options o;
  o.procfs_root = fixture_dir() + "/procfs_hidden";
  Symbolizer s(o);
  const SymbolizedFrame f = s.kernel(0xffffffff81002010);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.function, "[kernel.kallsyms]+0xffffffff81002010");
  EXPECT_EQ(f.unnamed, UnnamedReason::kKernelUnavailable);
  const auto err = s.kernel_error();
  ASSERT_TRUE(err);
  EXPECT_TRUE(symbolize::KernelSymbols::is_hidden(*err));
  EXPECT_EQ(s.stats().kernel_symbols, 0u);
}

TEST(SymbolizeSymbolizerKernelTest, MissingKallsymsIsAnErrorNotHidden) {
  TempDir procfs;
  Symbolizer::Options o;
  o.procfs_root = procfs.path();
  Symbolizer s(o);
  const SymbolizedFrame f = s.kernel(0xffffffff81002010);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.unnamed, UnnamedReason::kKernelUnavailable);
  const auto err = s.kernel_error();
  ASSERT_TRUE(err);
  EXPECT_FALSE(symbolize::KernelSymbols::is_hidden(*err));
}

TEST(SymbolizeSymbolizerKernelTest, AddressCacheIsBoundedAndCounted) {
  Symbolizer::Options o = fixture_options();
  o.max_addresses = 2;
  Symbolizer s(o);
  const std::uint64_t a = 0xffffffff81002010, b = 0xffffffff81001000, c = 0xffffffffc0a01000;
  s.kernel(a);
  s.kernel(a);
  auto st = s.stats();
  EXPECT_EQ(st.cache_misses, 1u);
  EXPECT_EQ(st.cache_hits, 1u);
  s.kernel(b);
  s.kernel(a);  // a is now more recent than b
  s.kernel(c);  // evicts b
  st = s.stats();
  EXPECT_EQ(st.addresses_cached, 2u);
  EXPECT_EQ(st.addresses_evicted, 1u);
  EXPECT_EQ(st.cache_hits, 2u);
  EXPECT_EQ(st.cache_misses, 3u);
  s.kernel(a);  // still cached
  s.kernel(b);  // evicted: computed again
  st = s.stats();
  EXPECT_EQ(st.cache_hits, 3u);
  EXPECT_EQ(st.cache_misses, 4u);
  EXPECT_EQ(st.hits + st.misses, 7u);
  EXPECT_EQ(s.kernel(b).function, "do_one_initcall");
}

TEST(SymbolizeSymbolizerKernelTest, AddressCacheIsBoundedByBytes) {
  Symbolizer::Options o = fixture_options();
  o.max_address_bytes = 1;  // every entry is heavier: only the newest stays
  Symbolizer s(o);
  s.kernel(0xffffffff81002010);
  s.kernel(0xffffffff81001000);
  EXPECT_EQ(s.kernel(0xffffffffc0a01000).function, "nft_do_chain");
  auto st = s.stats();
  EXPECT_EQ(st.addresses_cached, 1u);
  EXPECT_EQ(st.addresses_evicted, 2u);
  EXPECT_GT(st.address_bytes, 100u);  // an entry costs well over 100 heap bytes

  Symbolizer roomy(fixture_options());
  roomy.kernel(0xffffffff81002010);
  const std::size_t one = roomy.stats().address_bytes;
  roomy.kernel(0xffffffff81001000);
  EXPECT_EQ(roomy.stats().addresses_cached, 2u);
  EXPECT_GE(roomy.stats().address_bytes, 2 * one - 16);  // names differ in length
  EXPECT_LE(roomy.stats().address_bytes, Symbolizer::Options{}.max_address_bytes);
}

TEST(SymbolizeSymbolizerKernelTest, ConcurrentCallersShareOneSymbolizer) {
  // The reader thread and HTTP handlers may symbolize at once; run under
  // `make test SANITIZE=thread` this also checks the locking.
  Symbolizer::Options o = fixture_options();
  o.max_addresses = 8;  // force evictions while threads race
  Symbolizer s(o);
  constexpr int kThreads = 4, kCalls = 500;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};  // written by the workers, read after join()
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&s, &wrong, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::uint64_t addr =
            0xffffffff81002000 + static_cast<std::uint64_t>((i * 7 + t) % 64);
        if (s.kernel(addr).function != "schedule") wrong.fetch_add(1, std::memory_order_relaxed);
        if (i % 50 == 0) (void)s.stats();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  const auto st = s.stats();
  EXPECT_EQ(st.hits, static_cast<std::uint64_t>(kThreads * kCalls));
  EXPECT_EQ(st.cache_hits + st.cache_misses, static_cast<std::uint64_t>(kThreads * kCalls));
  EXPECT_LE(st.addresses_cached, 8u);
}

// ---- user: this process ------------------------------------------------------

class SymbolizeSymbolizerUserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    lib_ = build_fixture_library(*dir_, "libsymtest.so", false);
    stripped_ = build_fixture_library(*dir_, "libsymtest_stripped.so", true);
    lib_handle_ = ::dlopen(lib_.c_str(), RTLD_NOW | RTLD_LOCAL);
    stripped_handle_ = ::dlopen(stripped_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib_handle_ == nullptr || stripped_handle_ == nullptr) {
      throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    }
  }
  static void TearDownTestSuite() {
    ::dlclose(lib_handle_);
    ::dlclose(stripped_handle_);
    delete dir_;
    dir_ = nullptr;
  }
  static std::uint64_t sym(void* handle, const char* name) {
    void* p = ::dlsym(handle, name);
    if (p == nullptr) throw std::runtime_error(std::string("dlsym ") + name);
    return reinterpret_cast<std::uintptr_t>(p);
  }

  static TempDir* dir_;
  static std::string lib_, stripped_;
  static void* lib_handle_;
  static void* stripped_handle_;
};
TempDir* SymbolizeSymbolizerUserTest::dir_ = nullptr;
std::string SymbolizeSymbolizerUserTest::lib_;
std::string SymbolizeSymbolizerUserTest::stripped_;
void* SymbolizeSymbolizerUserTest::lib_handle_ = nullptr;
void* SymbolizeSymbolizerUserTest::stripped_handle_ = nullptr;

TEST_F(SymbolizeSymbolizerUserTest, ResolvesAFunctionOfThisPieBinary) {
  const ProcessMaps maps = own_maps();
  const auto addr = reinterpret_cast<std::uintptr_t>(&symtest_self::marker) + 1;
  Symbolizer s;
  const SymbolizedFrame f = s.user(own_pid(), maps, addr);
  const std::string exe = self_exe();
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "symtest_self::marker(int)");
  EXPECT_EQ(f.module, std::filesystem::path(exe).filename().string());
  EXPECT_EQ(f.path, exe);
  // The ELF vaddr, independently from nm: PIE translation is right.
  const auto vaddr = nm_address(exe, "_ZN12symtest_self6markerEi");
  ASSERT_TRUE(vaddr);
  EXPECT_EQ(f.offset, *vaddr + 1);
  EXPECT_EQ(f.build_id, readelf_build_id(exe));
  const MapEntry* m = maps.find(addr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(f.map_start, m->start);
  EXPECT_EQ(f.map_limit, m->end);
  EXPECT_EQ(f.map_offset, m->offset);
  EXPECT_EQ(f.source, NameSource::kElf);
  EXPECT_EQ(s.stats().named[static_cast<std::size_t>(NameSource::kElf)], 1u);
}

TEST_F(SymbolizeSymbolizerUserTest, ResolvesLibc) {
  const ProcessMaps maps = own_maps();
  const auto addr = reinterpret_cast<std::uintptr_t>(&::getpid);
  Symbolizer s;
  const SymbolizedFrame f = s.user(own_pid(), maps, addr);
  EXPECT_TRUE(f.resolved);
  EXPECT_TRUE(f.function == "getpid" || f.function == "__getpid") << f.function;
  EXPECT_EQ(f.module, "libc.so.6");
  EXPECT_EQ(f.build_id, readelf_build_id(f.path));
  EXPECT_FALSE(f.build_id.empty());
}

TEST_F(SymbolizeSymbolizerUserTest, ResolvesSharedLibraryLinkedAtANonZeroBase) {
  const ProcessMaps maps = own_maps();
  Symbolizer s;
  const SymbolizedFrame f = s.user(own_pid(), maps, sym(lib_handle_, "_ZN7symtest6widgetEi") + 2);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "symtest::widget(int)");
  EXPECT_EQ(f.module, "libsymtest.so");
  EXPECT_EQ(f.path, lib_);
  EXPECT_EQ(f.build_id, kFixtureLibBuildId);
  const auto vaddr = nm_address(lib_, "_ZN7symtest6widgetEi");
  ASSERT_TRUE(vaddr);
  EXPECT_GE(*vaddr, 0x200000u);
  EXPECT_EQ(f.offset, *vaddr + 2);
}

TEST_F(SymbolizeSymbolizerUserTest, UnresolvedAddressKeepsModuleAndElfOffset) {
  const ProcessMaps maps = own_maps();
  Symbolizer s;
  using AddrFn = void* (*)();
  const auto hidden_in_stripped = reinterpret_cast<std::uintptr_t>(
      reinterpret_cast<AddrFn>(sym(stripped_handle_, "symtest_hidden_addr"))());
  // Both copies are built alike, so the static function sits at the same vaddr.
  const auto vaddr = nm_address(lib_, "_ZL6hiddeni");
  ASSERT_TRUE(vaddr);
  const SymbolizedFrame f = s.user(own_pid(), maps, hidden_in_stripped);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.module, "libsymtest_stripped.so");
  EXPECT_EQ(f.offset, *vaddr);
  EXPECT_EQ(f.function, "libsymtest_stripped.so+" + hex(*vaddr));
  EXPECT_EQ(f.build_id, kFixtureLibBuildId);
  EXPECT_EQ(f.unnamed, UnnamedReason::kNoSymbol);
  EXPECT_EQ(s.stats().misses, 1u);

  // The same function in the unstripped copy has a name.
  const auto hidden_in_full = reinterpret_cast<std::uintptr_t>(
      reinterpret_cast<AddrFn>(sym(lib_handle_, "symtest_hidden_addr"))());
  const SymbolizedFrame g = s.user(own_pid(), maps, hidden_in_full);
  EXPECT_TRUE(g.resolved);
  EXPECT_EQ(g.function, "hidden(int)");
  EXPECT_EQ(g.offset, *vaddr);
}

TEST_F(SymbolizeSymbolizerUserTest, VdsoAndUnknownAddressesAreNamedNotNumbers) {
  const ProcessMaps maps = own_maps();
  Symbolizer s;
  const MapEntry* vdso = nullptr;
  for (const MapEntry& e : maps.entries()) {
    if (e.path == "[vdso]") vdso = &e;
  }
  if (vdso != nullptr) {  // every Linux x86-64/arm64 process has one
    const SymbolizedFrame f = s.user(own_pid(), maps, vdso->start + 0x10);
    EXPECT_FALSE(f.resolved);
    EXPECT_EQ(f.module, "[vdso]");
    EXPECT_EQ(f.function, "[vdso]+0x10");
    EXPECT_EQ(f.offset, 0x10u);
    EXPECT_EQ(f.map_start, vdso->start);
    EXPECT_EQ(f.unnamed, UnnamedReason::kAnonymous);
  } else {
    ADD_FAILURE() << "no [vdso] mapping in this process";
  }
  const SymbolizedFrame u = s.user(own_pid(), maps, 0x10);
  EXPECT_FALSE(u.resolved);
  EXPECT_EQ(u.module, "[unknown]");
  EXPECT_EQ(u.function, "[unknown]+0x10");
  EXPECT_EQ(u.map_start, 0u);
  EXPECT_EQ(u.unnamed, UnnamedReason::kNoMapping);
  EXPECT_EQ(s.stats().misses, 2u);
}

TEST_F(SymbolizeSymbolizerUserTest, RepeatedAddressesHitTheCache) {
  const ProcessMaps maps = own_maps();
  Symbolizer s;
  const auto addr = sym(lib_handle_, "_ZN7symtest6widgetEi");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.user(own_pid(), maps, addr).function, "symtest::widget(int)");
  s.user(own_pid(), maps, addr + 1);  // another address of the same binary
  const auto st = s.stats();
  EXPECT_EQ(st.cache_misses, 2u);
  EXPECT_EQ(st.cache_hits, 4u);
  EXPECT_EQ(st.binaries_loaded, 1u);
  EXPECT_EQ(st.binaries_cached, 1u);
  EXPECT_EQ(st.hits, 6u);
  EXPECT_GT(st.binary_bytes, 0u);
}

TEST_F(SymbolizeSymbolizerUserTest, BinaryCacheIsBounded) {
  const ProcessMaps maps = own_maps();
  Symbolizer::Options o;
  o.max_binaries = 1;
  Symbolizer s(o);
  const auto widget = sym(lib_handle_, "_ZN7symtest6widgetEi");
  const auto widget_stripped = sym(stripped_handle_, "_ZN7symtest6widgetEi");
  EXPECT_TRUE(s.user(own_pid(), maps, widget).resolved);
  EXPECT_TRUE(s.user(own_pid(), maps, widget_stripped).resolved);  // evicts libsymtest.so
  EXPECT_TRUE(s.user(own_pid(), maps, widget + 1).resolved);       // loads it again
  const auto st = s.stats();
  EXPECT_EQ(st.binaries_loaded, 3u);
  EXPECT_EQ(st.binaries_evicted, 2u);
  EXPECT_EQ(st.binaries_cached, 1u);
}

TEST_F(SymbolizeSymbolizerUserTest, BinaryCacheIsBoundedByBytes) {
  const ProcessMaps maps = own_maps();
  Symbolizer::Options o;
  o.max_binary_bytes = 1;  // every binary is heavier: only the newest stays
  Symbolizer s(o);
  EXPECT_TRUE(s.user(own_pid(), maps, sym(lib_handle_, "_ZN7symtest6widgetEi")).resolved);
  EXPECT_TRUE(s.user(own_pid(), maps, sym(stripped_handle_, "_ZN7symtest6widgetEi")).resolved);
  EXPECT_EQ(s.stats().binaries_cached, 1u);
  EXPECT_EQ(s.stats().binaries_evicted, 1u);
}

// ---- user: other processes ---------------------------------------------------

struct ChildAddresses {
  std::uint64_t alpha = 0, beta = 0, local = 0;
};

ChildAddresses read_addresses(Child& child) {
  ChildAddresses a;
  for (;;) {
    const auto line = child.read_line();
    if (!line) throw std::runtime_error("symtest_funcs ended early");
    if (*line == "ready") return a;
    const auto sp = line->find(' ');
    const std::string key = line->substr(0, sp);
    const std::uint64_t v = std::stoull(line->substr(sp + 1), nullptr, 16);
    if (key == "alpha") a.alpha = v;
    if (key == "beta") a.beta = v;
    if (key == "local") a.local = v;
  }
}

TEST(SymbolizeSymbolizerProcessTest, ResolvesAnotherProcessThroughProcfs) {
  const std::string prog = test_program("symtest_funcs");
  Child child(prog);
  const ChildAddresses a = read_addresses(child);
  auto maps = ProcessMaps::read(child.pid());
  ASSERT_TRUE(maps) << maps.error().line();
  Symbolizer s;
  const auto pid = static_cast<std::uint32_t>(child.pid());

  SymbolizedFrame f = s.user(pid, *maps, a.alpha + 4);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "symtest_alpha");
  EXPECT_EQ(f.module, "symtest_funcs");
  EXPECT_EQ(f.offset, *nm_address(prog, "symtest_alpha") + 4);
  EXPECT_EQ(f.build_id, readelf_build_id(prog));
  EXPECT_EQ(std::filesystem::canonical(f.path), std::filesystem::canonical(prog));

  f = s.user(pid, *maps, a.local);
  EXPECT_EQ(f.function, "symtest_local");  // static: from .symtab
  EXPECT_EQ(f.offset, *nm_address(prog, "symtest_local"));
  EXPECT_EQ(s.user(pid, *maps, a.beta).function, "symtest_beta");
  EXPECT_EQ(s.stats().binaries_loaded, 1u);
}

TEST(SymbolizeSymbolizerProcessTest, ProcessesOfOneBinaryShareCacheEntries) {
  const std::string prog = test_program("symtest_funcs");
  Child c1(prog), c2(prog);
  const ChildAddresses a1 = read_addresses(c1), a2 = read_addresses(c2);
  auto m1 = ProcessMaps::read(c1.pid());
  auto m2 = ProcessMaps::read(c2.pid());
  ASSERT_TRUE(m1 && m2);
  Symbolizer s;
  const SymbolizedFrame f1 = s.user(static_cast<std::uint32_t>(c1.pid()), *m1, a1.alpha);
  const SymbolizedFrame f2 = s.user(static_cast<std::uint32_t>(c2.pid()), *m2, a2.alpha);
  EXPECT_EQ(f1.function, "symtest_alpha");
  EXPECT_EQ(f2.function, "symtest_alpha");
  EXPECT_EQ(f1.offset, f2.offset);
  // Each frame carries its own process's mapping even when served from cache.
  EXPECT_EQ(f1.map_start, m1->find(a1.alpha)->start);
  EXPECT_EQ(f2.map_start, m2->find(a2.alpha)->start);
  EXPECT_EQ(s.stats().cache_hits, 1u);
  EXPECT_EQ(s.stats().binaries_loaded, 1u);
}

TEST(SymbolizeSymbolizerProcessTest, ExitedProcessFallsBackToThePlainPath) {
  const std::string prog = test_program("symtest_funcs");
  std::optional<ProcessMaps> maps;
  ChildAddresses a;
  std::uint32_t pid = 0;
  {
    Child child(prog);
    a = read_addresses(child);
    auto m = ProcessMaps::read(child.pid());
    ASSERT_TRUE(m);
    maps = std::move(m).value();
    pid = static_cast<std::uint32_t>(child.pid());
  }  // the child exits and is reaped: /proc/<pid> is gone
  Symbolizer s;
  const SymbolizedFrame f = s.user(pid, *maps, a.alpha);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "symtest_alpha");
}

TEST(SymbolizeSymbolizerProcessTest, NoProcfsUsesPlainPaths) {
  const std::string prog = test_program("symtest_funcs");
  Child child(prog);
  const ChildAddresses a = read_addresses(child);
  auto maps = ProcessMaps::read(child.pid());
  ASSERT_TRUE(maps);
  Symbolizer::Options o;
  o.procfs_root = "";
  Symbolizer s(o);
  EXPECT_EQ(s.user(static_cast<std::uint32_t>(child.pid()), *maps, a.beta + 1).function,
            "symtest_beta");
}

TEST(SymbolizeSymbolizerProcessTest, DeletedBinaryResolvesThroughMapFilesOrKeepsItsOffset) {
  TempDir dir;
  const std::string copy = dir.file("symtest_copy");
  std::filesystem::copy_file(test_program("symtest_funcs"), copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  Child child(copy);
  const ChildAddresses a = read_addresses(child);
  std::filesystem::remove(copy);
  auto maps = ProcessMaps::read(child.pid());
  ASSERT_TRUE(maps);
  const MapEntry* m = maps->find(a.alpha);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->deleted);

  // Whether map_files opens depends on privilege (CAP_SYS_ADMIN on most kernels):
  // ask the kernel directly, then expect the symbolizer to match.
  char range[64];
  std::snprintf(range, sizeof range, "/proc/%d/map_files/%llx-%llx", child.pid(),
                static_cast<unsigned long long>(m->start), static_cast<unsigned long long>(m->end));
  const int probe = ::open(range, O_RDONLY | O_CLOEXEC);
  const bool map_files_usable = probe >= 0;
  if (probe >= 0) ::close(probe);

  Symbolizer s;
  const SymbolizedFrame f = s.user(static_cast<std::uint32_t>(child.pid()), *maps, a.alpha);
  EXPECT_EQ(f.module, "symtest_copy");
  if (map_files_usable) {
    EXPECT_TRUE(f.resolved);
    EXPECT_EQ(f.function, "symtest_alpha");
    EXPECT_EQ(s.stats().binaries_loaded, 1u);
  } else {
    const std::uint64_t file_offset = a.alpha - m->start + m->offset;
    EXPECT_FALSE(f.resolved);
    EXPECT_EQ(f.function, "symtest_copy+" + hex(file_offset));
    EXPECT_EQ(s.stats().binary_load_failures, 1u);
  }
}

// ---- user: fixture maps (files that do not exist here) ------------------------

TEST(SymbolizeSymbolizerFixtureTest, UnreadableBinaryKeepsModuleAndFileOffset) {
  auto maps = ProcessMaps::read(4242, fixture_dir() + "/procfs");
  ASSERT_TRUE(maps);
  Symbolizer s(fixture_options());
  SymbolizedFrame f = s.user(4242, *maps, 0x5600a0e02010);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.module, "my app");
  EXPECT_EQ(f.path, "/usr/bin/my app");
  EXPECT_EQ(f.offset, 0x2010u);  // file offset: no ELF headers to translate with
  EXPECT_EQ(f.function, "my app+0x2010");
  EXPECT_EQ(f.map_start, 0x5600a0e02000u);
  EXPECT_EQ(f.map_limit, 0x5600a0e07000u);
  EXPECT_EQ(f.map_offset, 0x2000u);
  EXPECT_EQ(f.unnamed, UnnamedReason::kUnreadable);
  // A second address of the same binary and process does not retry the open...
  s.user(4242, *maps, 0x5600a0e02020);
  EXPECT_EQ(s.stats().binary_load_failures, 1u);
  // ...but another process may succeed where this one failed, so it retries.
  s.user(4243, *maps, 0x5600a0e02030);
  EXPECT_EQ(s.stats().binary_load_failures, 2u);
  EXPECT_EQ(s.stats().misses, 3u);
  EXPECT_EQ(s.stats().unnamed[static_cast<std::size_t>(UnnamedReason::kUnreadable)], 3u);
  EXPECT_EQ(s.stats().addresses_cached, 0u);  // failures are not cached per address
}

TEST(SymbolizeSymbolizerFixtureTest, AnonymousCodeIsNamedAnon) {
  auto maps = ProcessMaps::read(4242, fixture_dir() + "/procfs");
  ASSERT_TRUE(maps);
  Symbolizer s(fixture_options());
  const SymbolizedFrame f = s.user(4242, *maps, 0x7f1c00000020);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.module, "[anon]");
  EXPECT_EQ(f.function, "[anon]+0x20");
  EXPECT_EQ(f.offset, 0x20u);
  EXPECT_EQ(f.unnamed, UnnamedReason::kAnonymous);
  EXPECT_EQ(s.stats().binary_load_failures, 0u);  // nothing to open
}

}  // namespace
}  // namespace profbufd
