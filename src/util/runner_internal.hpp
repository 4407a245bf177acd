#pragma once

// The parts of system_runner(), one file each. Internal to util/'s runner.
//   runner_child.cpp    the child between fork and execve, and the report it leaves
//   runner_signals.cpp  signal dispositions and masks in the parent during a run
//   runner_session.cpp  spawning one child and the Asio loop that watches it (the only
//                       file that includes Boost)
//   runner.cpp          the Runner itself: argv[0] lookup, one run at a time, the result,
//                       re-raising a signal that arrived during the run

#include "util/runner.hpp"

#include <signal.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace util {

// ---- The child, between fork and execve (runner_child.cpp)

// Everything the child needs is prepared before fork: until execve the child may only make
// system calls (fork copied one thread; another may have held the malloc lock).
struct ChildPlan
{
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr; // nullptr: inherit
  int report_fd = -1;        // close-on-exec; carries a ChildReport when exec did not happen
  pid_t parent = 0;
};

enum class ChildStage : int { setup = 1, chdir, exec };

struct ChildReport
{
  int stage;
  int error;
};

// Puts the child in a group of its own, resets its signals, marks inherited descriptors
// close-on-exec, changes to plan.cwd and execs. On failure writes a ChildReport to
// plan.report_fd and leaves with _exit(127). Call only in the child, with all signals blocked.
[[noreturn]] void exec_child(const ChildPlan& plan);

// Reads the report end of the pipe until the child execs (EOF: nullopt) or reports why it
// could not.
std::optional<ChildReport> read_child_report(int fd);

// The spawn error for a report: "cannot execute <executable>: <reason>", ...
std::string describe_child_report(const ChildReport& report,
                                  const std::filesystem::path& executable,
                                  const std::filesystem::path& cwd);

// A null-terminated char* array over owned strings, as execve wants it.
class CStringArray
{
public:
  explicit CStringArray(std::vector<std::string> strings);
  CStringArray(const CStringArray&) = delete;
  CStringArray& operator=(const CStringArray&) = delete;

  char* const* data() const { return m_pointers.data(); }

private:
  std::vector<std::string> m_strings;
  std::vector<char*> m_pointers;
};

// ---- Signals in the parent (runner_signals.cpp)

// Signal dispositions for the duration of one run; the previous ones come back afterwards.
// SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2 and SIGXCPU (unless ignored)
// are caught and make wake_fd() readable;
// SIGPIPE is ignored; an ignored SIGCHLD is set to the default. Throws std::runtime_error
// when the wake pipe cannot be created.
class SignalScope
{
public:
  SignalScope();
  ~SignalScope() { restore(); }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

  // Readable when a forwarded signal arrived.
  int wake_fd() const { return m_pipe[0]; }
  // The first forwarded signal received since the latest scope began, 0 if none. Still
  // valid after the scope has ended.
  static int caught();
  void restore();

private:
  void replace(int sig, const struct sigaction& action);

  struct Saved
  {
    int sig;
    struct sigaction action;
  };
  std::vector<Saved> m_saved;
  std::array<int, 2> m_pipe{-1, -1};
  bool m_active = false;
};

// Blocks every signal in this thread across fork, so that the child starts with all of them
// blocked and no handler of ours can run in it before exec_child resets them.
class BlockedSignals
{
public:
  BlockedSignals();
  ~BlockedSignals();
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

private:
  sigset_t m_previous;
};

// ---- One child under the Asio loop (runner_session.cpp)

// Spawns `executable` (absolute) for `request` and runs it to the end: feeds stdin, reads
// stdout and stderr, enforces the deadline counted from `start`, and terminates the group
// when `wake_fd` becomes readable. Fills `result`; a child that did not start is a
// spawn_failed result. Throws std::exception when Asio itself fails; a child already
// started is killed and reaped first.
void run_session(const RunRequest& request,
                 const std::filesystem::path& executable,
                 RunResult& result,
                 std::chrono::steady_clock::time_point start,
                 int wake_fd);

// ---- The Runner (runner.cpp)

// Sets reason, exit_code or signal, and error from how waiting for the child ended: a
// non-empty `wait_error` when the wait failed, else its `status`. A child that `timed_out`
// is timed_out whatever its status.
void fill_result(const RunRequest& request,
                 RunResult& result,
                 int status,
                 const std::string& wait_error,
                 bool timed_out);

} // namespace util
