// A live child process for the ProcessPublisher tests: symtest_funcs (built
// by make), which reports where its functions are and then waits for its
// stdin to close, so its /proc/<pid>/maps is stable while a test reads it.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "unwind_test_util.h"

namespace profbufd::unwind::testing {

class PublisherChild {
 public:
  PublisherChild() : path_(test_program("symtest_funcs")), child_(path_) {
    for (;;) {
      const auto line = child_.read_line();
      if (!line) throw std::runtime_error(path_ + " exited before it was ready");
      if (*line == "ready") break;
      std::istringstream in(*line);
      std::string name, hex;
      if (in >> name >> hex && name == "alpha") alpha_ = std::stoull(hex, nullptr, 16);
    }
    if (alpha_ == 0) throw std::runtime_error(path_ + " did not report alpha");
  }

  std::uint32_t pid() const { return static_cast<std::uint32_t>(child_.pid()); }
  const std::string& path() const { return path_; }
  // The runtime address of symtest_alpha in the child.
  std::uint64_t alpha() const { return alpha_; }

 private:
  std::string path_;
  symbolize::testing::Child child_;
  std::uint64_t alpha_ = 0;
};

}  // namespace profbufd::unwind::testing
