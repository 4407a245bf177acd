#include "util/file.hpp"
#include "util/runner_internal.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <string>

namespace util {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// A hook may start with stdin closed; a pipe created then would land on descriptor 0 and be
// clobbered by the dup2 calls in the child.
void
ensure_standard_fds_open()
{
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      [[maybe_unused]] const int opened = ::open("/dev/null", O_RDWR); // lowest free: fd
    }
  }
}

// An absolute path: execve runs after the child's chdir, so a relative one would change
// meaning there.
std::optional<fs::path>
resolve_executable(const RunRequest& request, RunResult& result)
{
  const std::string& name = request.argv.front();
  if (name.find('/') != std::string::npos) {
    // Relative to the child's working directory, as after a `cd` in a shell.
    const auto path = fs::absolute(request.cwd / name);
    if (::access(path.c_str(), F_OK) != 0) {
      result.reason = RunReason::not_found;
      result.error = fmt::format("cannot execute {}: {}", path.string(), std::strerror(errno));
      return std::nullopt;
    }
    return path;
  }
  std::optional<std::string> path_list;
  if (request.env) {
    path_list = request.env->get("PATH");
  } else if (const char* path = std::getenv("PATH")) {
    path_list = path;
  }
  if (!path_list) {
    result.reason = RunReason::not_found;
    result.error = fmt::format("{} not found: PATH is not set", name);
    return std::nullopt;
  }
  const auto found = find_executable(name, *path_list);
  if (!found) {
    result.reason = RunReason::not_found;
    result.error = fmt::format("{} not found in PATH ({})", name, *path_list);
    return std::nullopt;
  }
  return fs::absolute(*found);
}

// Returns the forwarded signal this process received during the run, 0 if none.
int
run_child(const RunRequest& request, const fs::path& executable, RunResult& result, steady_clock::time_point start)
{
  // Signal dispositions are process-wide, so runs are serialized.
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  try {
    ensure_standard_fds_open();
    SignalScope signals;
    run_session(request, executable, result, start, signals.wake_fd());
    signals.restore();
    return SignalScope::caught();
  } catch (const std::exception& e) {
    // run_session has killed and reaped the child by now.
    result.reason = RunReason::spawn_failed;
    result.error = fmt::format("running {}: {}", request.argv.front(), e.what());
    return SignalScope::caught();
  }
}

class SystemRunner final : public Runner
{
public:
  RunResult run(const RunRequest& request) override;
};

RunResult
SystemRunner::run(const RunRequest& request)
{
  const auto start = steady_clock::now();
  RunResult result;
  int caught = 0;
  if (request.argv.empty()) {
    result.error = "empty command line";
  } else if (const auto executable = resolve_executable(request, result)) {
    caught = run_child(request, *executable, result, start);
  }
  if (caught != 0) {
    // The child's group is gone and the previous disposition is back: with the default one
    // this process now dies of the signal, as it would have without a child. Destructors
    // will not run, so private temporary directories are removed first.
    remove_temporary_directories();
    ::raise(caught);
  }
  result.elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  return result;
}

} // namespace

void
fill_result(const RunRequest& request, RunResult& result, int status, const std::string& wait_error, bool timed_out)
{
  if (!wait_error.empty()) {
    result.reason = RunReason::spawn_failed;
    result.error = fmt::format("waiting for {}: {}", request.argv.front(), wait_error);
    return;
  }
  if (WIFEXITED(status)) {
    result.reason = RunReason::exited;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.reason = RunReason::signaled;
    result.signal = WTERMSIG(status);
  }
  // Timed out even when the child then exits by the signal, or catches it and exits 0.
  if (timed_out) {
    result.reason = RunReason::timed_out;
    result.error = fmt::format("timed out after {} ms", request.timeout.count());
  }
}

Runner&
system_runner()
{
  static SystemRunner runner;
  return runner;
}

std::string_view
reason_name(RunReason reason)
{
  switch (reason) {
    case RunReason::exited: return "exited";
    case RunReason::signaled: return "signaled";
    case RunReason::timed_out: return "timed-out";
    case RunReason::spawn_failed: return "spawn-failed";
    case RunReason::not_found: return "not-found";
  }
  return "unknown";
}

} // namespace util
