// ProgramLinks without BPF: a linker that hands out null links (which
// bpf_link__destroy ignores) counts its linkings, so sharing, unlinking at
// the last release, relinking and the hooks' order are seen.
#include "capture/program_links.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace profbufd::capture {
namespace {

struct Counts {
  int links = 0;
  std::vector<std::string> calls;
};

std::shared_ptr<ProgramLinks> make(Counts& c, bool fail = false) {
  auto linker = [&c, fail]() -> Result<std::vector<bpf_link*>> {
    c.calls.push_back("link");
    if (fail) return make_error(ExitCode::kBpfLoad, "attaching on_switch", "No such device");
    ++c.links;
    return std::vector<bpf_link*>{nullptr};
  };
  return std::make_shared<ProgramLinks>(
      "the block profile", nullptr, linker,
      ProgramLinks::Hooks{.before = [&c] { c.calls.push_back("before"); },
                          .after = [&c] { c.calls.push_back("after"); }});
}

TEST(ProgramLinks, OnDemandTheFirstHoldLinksTheLastUnlinksAndTheNextRelinks) {
  Counts c;
  auto links = make(c);
  EXPECT_FALSE(links->active());
  Hold a = links->acquire();
  ASSERT_EQ(a.refusal, Hold::Refusal::kNone);
  EXPECT_NE(a.keep, nullptr);
  Hold b = links->acquire();
  EXPECT_EQ(b.keep, a.keep) << "shared";
  EXPECT_EQ(c.links, 1);
  EXPECT_TRUE(links->active());
  a = {};
  EXPECT_TRUE(links->active()) << "b still holds it";
  b = {};
  EXPECT_FALSE(links->active());
  Hold again = links->acquire();
  EXPECT_EQ(c.links, 2);
  EXPECT_TRUE(links->active());
  EXPECT_EQ(c.calls, (std::vector<std::string>{"before", "link", "after", "before", "link", "after"}));
}

TEST(ProgramLinks, LinkedForTheRunRequestsHoldNothing) {
  Counts c;
  auto links = make(c);
  ASSERT_TRUE(links->link_now());
  EXPECT_TRUE(links->active());
  const Hold h = links->acquire();
  EXPECT_EQ(h.refusal, Hold::Refusal::kNone);
  EXPECT_EQ(h.keep, nullptr);
  EXPECT_EQ(c.links, 1);
  links->detach_all();
  EXPECT_FALSE(links->active());
}

TEST(ProgramLinks, DetachAllUnlinksWhatRequestsHoldAndRefusesTheNext) {
  Counts c;
  auto links = make(c);
  Hold held = links->acquire();
  links->detach_all();
  EXPECT_FALSE(links->active()) << "unlinked though still held";
  const Hold late = links->acquire();
  EXPECT_EQ(late.refusal, Hold::Refusal::kUnsupported);
  EXPECT_NE(late.error.line().find("stopping"), std::string::npos) << late.error.line();
}

TEST(ProgramLinks, AFailedLinkingIsRefusedWithTheKindAndTheCause) {
  Counts c;
  auto links = make(c, /*fail=*/true);
  const Hold h = links->acquire();
  EXPECT_EQ(h.refusal, Hold::Refusal::kUnsupported);
  EXPECT_EQ(h.error.line(), "profbufd: the block profile: attaching on_switch: No such device");
  EXPECT_FALSE(links->active());
  EXPECT_FALSE(links->link_now());
}

}  // namespace
}  // namespace profbufd::capture
