// Permission-error tests that hold as root too: root reads and writes whatever
// the mode bits say, so such a test, run as root (as `sudo make test` and CI
// run it), checks its case in a forked child that has become uid/gid 65534
// ("nobody") first. Run as anyone else, the check runs in this process.
#pragma once

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace profbufd::test {

inline constexpr uid_t kNobody = 65534;

// Gives `path` to nobody when this process is root, so that the mode bits the
// test sets are the owner's bits of the user the check runs as. Returns
// false if chown fails.
inline bool give_to_nobody(const std::string& path) {
  return ::geteuid() != 0 || ::chown(path.c_str(), kNobody, kNobody) == 0;
}

enum class Verdict { kPassed, kFailed, kCannotDrop };

// `check` as nobody (in a child, when root) or as this user; its result.
// Within `check`, no gtest assertions: it may run in a forked child.
inline Verdict as_nobody(const std::function<bool()>& check) {
  if (::geteuid() != 0) return check() ? Verdict::kPassed : Verdict::kFailed;
  const pid_t child = ::fork();
  if (child < 0) return Verdict::kCannotDrop;
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
        ::setresuid(kNobody, kNobody, kNobody) != 0)
      ::_exit(2);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return Verdict::kFailed;
  switch (WEXITSTATUS(status)) {
    case 0: return Verdict::kPassed;
    case 2: return Verdict::kCannotDrop;
    default: return Verdict::kFailed;
  }
}

}  // namespace profbufd::test
