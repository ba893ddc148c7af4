#include "symbolize/demangle.h"

#include <gtest/gtest.h>

namespace profbufd::symbolize {
namespace {

TEST(SymbolizeDemangleTest, DemanglesItaniumNames) {
  EXPECT_EQ(demangle("_ZN7symtest6widgetEi"), "symtest::widget(int)");
  EXPECT_EQ(demangle("_ZNSt6vectorIiSaIiEE9push_backERKi"),
            "std::vector<int, std::allocator<int> >::push_back(int const&)");
  EXPECT_EQ(demangle("_ZL6hiddeni"), "hidden(int)");
}

TEST(SymbolizeDemangleTest, LeavesCNamesAlone) {
  EXPECT_EQ(demangle("main"), "main");
  EXPECT_EQ(demangle("i"), "i");  // would demangle as the type "int"
  EXPECT_EQ(demangle(""), "");
}

TEST(SymbolizeDemangleTest, KeepsNamesTheDemanglerRejects) {
  EXPECT_EQ(demangle("_Z"), "_Z");
  EXPECT_EQ(demangle("_ZN7symtest"), "_ZN7symtest");
  EXPECT_EQ(demangle("_Zgarbage!"), "_Zgarbage!");
}

}  // namespace
}  // namespace profbufd::symbolize
