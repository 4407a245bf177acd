#pragma once

#include "util/environment.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace util {

struct RunRequest
{
  // argv[0] is an absolute path, a path with '/', or a bare name searched in the PATH of
  // `env` (or of this process when env is nullopt). Never run through a shell.
  std::vector<std::string> argv;
  std::string stdin_data;                    // written while stdout/stderr are read; then stdin is closed
  std::optional<Environment> env;            // nullopt: inherit this process's environment
  std::filesystem::path cwd;                 // empty: inherit
  std::chrono::milliseconds timeout{0};      // wall clock; 0: none
  std::chrono::milliseconds grace{2000};     // between SIGTERM and SIGKILL of the group
  std::size_t output_cap = 16 * 1024 * 1024; // per stream; the rest is read and dropped
};

enum class RunReason {
  exited,       // exit_code is valid
  signaled,     // signal is valid
  timed_out,    // the deadline passed; the process group was terminated
  spawn_failed, // error says why (permission, exec format, ...)
  not_found,    // argv[0] could not be found
};

struct RunResult
{
  RunReason reason = RunReason::spawn_failed;
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;
  std::string error;
  std::chrono::milliseconds elapsed{0};

  bool succeeded() const { return reason == RunReason::exited && exit_code == 0; }
};

// Runs one child process. The child runs in its own process group; at the deadline the
// group gets SIGTERM, then SIGKILL after the grace period. If this process receives
// SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2 or SIGXCPU while a child
// runs, the child's group is killed, the temporary directories are removed and the signal
// is re-raised with the previous disposition, so a Ctrl-C or Ctrl-\ during `git commit`
// leaves no orphan.
class Runner
{
public:
  virtual ~Runner() = default;
  virtual RunResult run(const RunRequest& request) = 0;
};

// The real implementation (Boost.Process v2 + Asio).
Runner& system_runner();

// Whether `path` (symbolic links followed) is a regular file this process may execute: the
// one test of "executable" for every caller.
bool is_executable_file(const std::filesystem::path& path);

// The first executable file called `name` in the ':'-separated `path_list`, or nullopt.
// A name containing '/' is returned as is when it is an executable file.
std::optional<std::filesystem::path> find_executable(std::string_view name, std::string_view path_list);

std::string_view reason_name(RunReason reason);

} // namespace util
