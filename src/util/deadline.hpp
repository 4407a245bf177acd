#pragma once

#include <signal.h>

#include <chrono>
#include <string_view>

// One deadline for the whole process, for a hook that must end even when something it
// reads or runs never answers. It uses SIGALRM (alarm()), which nothing else in cmtgen uses.
namespace util::deadline {

// Arms the deadline `after` from now (at least 1 s), replacing an earlier one. When it
// passes, a child that system_runner() is running has its process group killed and the
// temporary directories are removed (as on SIGINT); then `line` (one line, '\n' added)
// goes to stderr and the process ends with _exit(exit_code) from wherever it was.
void arm(std::chrono::seconds after, std::string_view line, int exit_code);

// Cancels the deadline, including one that passed during a Hold and has not acted yet.
void disarm();

// While a Hold exists the deadline cannot act in this thread (around writing a file that
// must not be left half-written). A deadline that passed meanwhile acts when the Hold ends,
// unless disarm() ran.
class Hold
{
public:
  Hold();
  ~Hold();
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;

private:
  sigset_t m_previous;
};

// Arms on construction and disarms on destruction.
class Scope
{
public:
  Scope(std::chrono::seconds after, std::string_view line, int exit_code) { arm(after, line, exit_code); }
  ~Scope() { disarm(); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
};

} // namespace util::deadline
