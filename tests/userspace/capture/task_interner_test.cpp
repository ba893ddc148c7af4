#include "capture/task_interner.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace profbufd::capture {
namespace {

using Comm = std::array<char, PROFBUFD_COMM_LEN>;

Comm comm(std::string_view name) {
  Comm c{};
  std::memcpy(c.data(), name.data(), std::min(name.size(), c.size()));
  return c;
}

TEST(TaskInternerTest, SameCommSamePointer) {
  TaskInterner t;
  const TaskIdentity* a = t.intern(comm("bash"));
  const TaskIdentity* b = t.intern(comm("bash"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a->name(), "bash");
  EXPECT_EQ(t.size(), 1u);
}

TEST(TaskInternerTest, DifferentCommsDifferentPointers) {
  TaskInterner t;
  const TaskIdentity* a = t.intern(comm("bash"));
  const TaskIdentity* b = t.intern(comm("bas"));
  const TaskIdentity* c = t.intern(comm("bash2"));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(b, c);
  EXPECT_EQ(b->name(), "bas");
  EXPECT_EQ(t.size(), 3u);
}

TEST(TaskInternerTest, FullSixteenByteCommWithoutNul) {
  TaskInterner t;
  const Comm full = comm("0123456789abcdef");
  const TaskIdentity* a = t.intern(full);
  EXPECT_EQ(a->name(), "0123456789abcdef");
  EXPECT_EQ(t.intern(full), a);
}

TEST(TaskInternerTest, BytesAfterTheNulAreIgnored) {
  TaskInterner t;
  Comm dirty = comm("sh");
  dirty[5] = 'x';  // stale bytes the kernel may leave behind the terminator
  const TaskIdentity* a = t.intern(comm("sh"));
  EXPECT_EQ(t.intern(dirty), a);
  EXPECT_EQ(a->comm[5], '\0');
}

TEST(TaskInternerTest, PointersAndContentsStayStableAcrossGrowth) {
  TaskInterner t(100000);
  std::vector<const TaskIdentity*> first;
  for (int i = 0; i < 5000; ++i) first.push_back(t.intern(comm("task" + std::to_string(i))));
  // Many more insertions force several rehashes and deque growth.
  for (int i = 5000; i < 50000; ++i) t.intern(comm("task" + std::to_string(i)));
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(t.intern(comm("task" + std::to_string(i))), first[i]);
    EXPECT_EQ(first[i]->name(), "task" + std::to_string(i));
  }
  EXPECT_EQ(t.size(), 50000u);
  EXPECT_EQ(t.overflowed(), 0u);
}

TEST(TaskInternerTest, NoGrowthPastTheBound) {
  TaskInterner t(10);
  std::set<const TaskIdentity*> seen;
  for (int i = 0; i < 10; ++i) seen.insert(t.intern(comm("p" + std::to_string(i))));
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.count(t.other()), 0u);

  for (int i = 10; i < 1000; ++i)
    EXPECT_EQ(t.intern(comm("p" + std::to_string(i))), t.other());
  EXPECT_EQ(t.size(), 10u);
  EXPECT_EQ(t.overflowed(), 990u);
  EXPECT_EQ(t.other()->name(), TaskInterner::kOtherName);

  // Known identities are still found once the table is full.
  EXPECT_NE(t.intern(comm("p3")), t.other());
  EXPECT_EQ(t.intern(comm("p3"))->name(), "p3");
  EXPECT_EQ(t.overflowed(), 990u);
}

TEST(TaskInternerTest, EmptyCommIsAnIdentityToo) {
  TaskInterner t;
  const TaskIdentity* e = t.intern(Comm{});
  EXPECT_EQ(e->name(), "");
  EXPECT_EQ(t.intern(Comm{}), e);
}

}  // namespace
}  // namespace profbufd::capture
