// C++ symbol names as people read them ("ns::f(int)" rather than "_ZN2ns1fEi").
#pragma once

#include <string>
#include <string_view>

namespace profbufd::symbolize {

// Demangles an Itanium C++ ABI name (one starting with "_Z"). Anything else, and
// any name the demangler rejects, comes back unchanged: a mangled name is still
// more useful than none.
std::string demangle(std::string_view name);

}  // namespace profbufd::symbolize
