#include "common/heap_policy.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace profbufd {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcMalloc = false;  // the sanitizer's allocator replaces malloc
#else
constexpr bool kGlibcMalloc = true;
#endif
#define REQUIRE_GLIBC_MALLOC() \
  if (!kGlibcMalloc) GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc here"

// Resident anonymous + file pages of this process, from /proc/self/statm.
long resident_kb() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// How many arenas malloc_info() reports (one <heap nr=...> each).
int arenas() {
  char* buf = nullptr;
  std::size_t len = 0;
  FILE* f = ::open_memstream(&buf, &len);
  ::malloc_info(0, f);
  std::fclose(f);
  int n = 0;
  for (const char* p = buf; (p = std::strstr(p, "<heap nr=")) != nullptr; ++p) ++n;
  std::free(buf);
  return n;
}

// 8 threads that each allocate and free: by default each may get an arena.
void allocate_on_threads() {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([] {
      std::vector<void*> blocks;
      for (int i = 0; i < 2000; ++i) blocks.push_back(std::malloc(512));
      for (void* b : blocks) std::free(b);
    });
  for (auto& t : threads) t.join();
}

constexpr const char* kFreshProcessEnv = "PROFBUFD_HEAP_POLICY_FRESH";

TEST(HeapPolicy, LimitsTheArenasThreadsGet) {
  REQUIRE_GLIBC_MALLOC();
  if (std::getenv(kFreshProcessEnv) != nullptr) {  // the fresh process below
    limit_malloc_arenas();
    allocate_on_threads();
    ::_exit(arenas() <= kMallocArenas ? 0 : 10 + arenas());
  }
  // In a fresh process: this test binary's own threads made arenas already,
  // and a forked child would inherit them.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setenv(kFreshProcessEnv, "1", 1);
    ::execl("/proc/self/exe", "unit_tests", "--gtest_filter=HeapPolicy.LimitsTheArenasThreadsGet",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "arenas: " << WEXITSTATUS(status) - 10
                                    << ", limit " << kMallocArenas;
}

TEST(HeapPolicy, ReleasingGivesBackTheFreedPagesBelowALiveBlock) {
  REQUIRE_GLIBC_MALLOC();
  // 64 MiB of small blocks with one kept at the top: free() alone cannot
  // shrink the heap past it, so the freed pages stay resident until released.
  std::vector<char*> blocks;
  for (int i = 0; i < 64 * 1024; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(1000)));
    std::memset(blocks.back(), 1, 1000);
  }
  char* top = static_cast<char*>(std::malloc(1000));
  for (char* b : blocks) std::free(b);
  const long held = resident_kb();
  release_free_heap();
  const long released = resident_kb();
  std::free(top);
  EXPECT_LT(released, held - 32 * 1024) << "resident " << held << " kB -> " << released << " kB";
}

}  // namespace
}  // namespace profbufd
