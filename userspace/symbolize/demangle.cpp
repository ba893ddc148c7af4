#include "symbolize/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace profbufd::symbolize {

std::string demangle(std::string_view name) {
  // Only "_Z..." names are mangled; plain C names like "main" must not go to the
  // demangler, which would try to read them as type names.
  if (!name.starts_with("_Z")) return std::string(name);
  const std::string mangled(name);  // the demangler needs a NUL-terminated string
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || out == nullptr) return mangled;
  return std::string(out.get());
}

}  // namespace profbufd::symbolize
