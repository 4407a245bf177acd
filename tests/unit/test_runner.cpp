#include "util/runner.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using util::RunReason;
using util::RunRequest;
using util::RunResult;

namespace fs = std::filesystem;

namespace {

RunResult
run(RunRequest request)
{
  return util::system_runner().run(request);
}

RunRequest
sh(std::string script)
{
  RunRequest request;
  request.argv = {"/bin/sh", "-c", std::move(script)};
  request.timeout = 10s; // a safety net: a broken runner fails the test instead of hanging
  return request;
}

class TempDir
{
public:
  TempDir()
  {
    std::string pattern = (fs::temp_directory_path() / "cmtgen-runner-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir()
  {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

void
write_file(const fs::path& path, const std::string& content, fs::perms perms)
{
  std::ofstream(path, std::ios::binary) << content;
  fs::permissions(path, perms);
}

// Dead, or a zombie nobody reaps (PID 1 in a container may not): either way not running.
bool
is_running(pid_t pid)
{
  if (::kill(pid, 0) != 0) {
    return false;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// SIGKILL is asynchronous; give the kernel a moment to finish the job.
bool
is_gone_soon(pid_t pid)
{
  for (int i = 0; i < 200; ++i) {
    if (!is_running(pid)) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t
first_pid(const std::string& text)
{
  return static_cast<pid_t>(std::stol(text));
}

// A forked copy of the test process that runs one request through the runner, in a process
// group of its own so that nothing sent to it reaches the test runner.
class RunnerProcess
{
public:
  RunnerProcess(const RunRequest& request, int default_signal)
  {
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::setpgid(0, 0);
      ::signal(default_signal, SIG_DFL); // Catch2 installs its own handlers during a test
      auto copy = request;
      copy.timeout = 20s;
      util::system_runner().run(copy);
      ::_exit(99);
    }
  }
  ~RunnerProcess()
  {
    if (!m_reaped) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  RunnerProcess(const RunnerProcess&) = delete;
  RunnerProcess& operator=(const RunnerProcess&) = delete;

  pid_t pid() const { return m_pid; }

  // The wait status, or nullopt when it did not end within 5 s.
  std::optional<int> wait() const
  {
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_reaped = true;
        return status;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

private:
  pid_t m_pid = -1;
  mutable bool m_reaped = false;
};

// The child writes the file with a rename, so it is never seen half-written.
pid_t
wait_for_pid_file(const fs::path& path)
{
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid) {
      return pid;
    }
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

} // namespace

TEST_CASE("a child's exit code, stdout and stderr are returned")
{
  const auto result = run(sh("echo out; echo err >&2; exit 7"));
  CHECK(result.reason == RunReason::exited);
  CHECK(result.exit_code == 7);
  CHECK(result.out == "out\n");
  CHECK(result.err == "err\n");
  CHECK(result.error.empty());
  CHECK_FALSE(result.succeeded());

  CHECK(run(sh("true")).succeeded());
}

TEST_CASE("stdin is written to the child and then closed")
{
  RunRequest request;
  request.argv = {"cat"};
  request.stdin_data = "hello\nworld";
  request.timeout = 10s;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out == "hello\nworld");
}

TEST_CASE("an empty stdin reads as end of file at once")
{
  RunRequest request;
  request.argv = {"cat"};
  request.timeout = 10s;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out.empty());
}

TEST_CASE("50 MB go through cat in both directions without a pipe deadlock")
{
  std::string data(50 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>('a' + i % 23);
  }
  RunRequest request;
  request.argv = {"cat"};
  request.stdin_data = data;
  request.output_cap = 64 * 1024 * 1024;
  request.timeout = 30s;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out.size() == data.size());
  CHECK(result.out == data);
  CHECK_FALSE(result.out_truncated);
}

TEST_CASE("a child that writes a lot to stdout and stderr before reading stdin does not deadlock")
{
  auto request = sh("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2; wc -c");
  request.stdin_data = std::string(3000000, 'x');
  const auto result = run(request);
  REQUIRE(result.succeeded());
  CHECK(result.out.size() == 3000000 + 8);
  CHECK(result.out.substr(3000000) == "3000000\n");
  CHECK(result.err.size() == 2000000);
}

TEST_CASE("a child that closes stdin early is not an error")
{
  RunRequest request;
  request.argv = {"head", "-c", "10"};
  request.stdin_data = std::string(20 * 1024 * 1024, 'y');
  request.timeout = 10s;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out == std::string(10, 'y'));
}

TEST_CASE("a child that closes stdout early is still waited for")
{
  const auto result = run(sh("exec >&-; sleep 0.2; echo late >&2; exit 3"));
  CHECK(result.reason == RunReason::exited);
  CHECK(result.exit_code == 3);
  CHECK(result.out.empty());
  CHECK(result.err == "late\n");
  CHECK(result.elapsed >= 200ms);
}

TEST_CASE("a child that sleeps forever is killed at the deadline")
{
  RunRequest request;
  request.argv = {"sleep", "30"};
  request.timeout = 300ms;
  const auto result = run(request);
  CHECK(result.reason == RunReason::timed_out);
  CHECK(result.signal == SIGTERM);
  CHECK_THAT(result.error, Catch::Contains("timed out"));
  CHECK(result.elapsed >= 300ms);
  CHECK(result.elapsed < 1300ms);
}

TEST_CASE("a child that ignores SIGTERM is killed after the grace period")
{
  auto request = sh("trap '' TERM; sleep 30");
  request.timeout = 200ms;
  request.grace = 300ms;
  const auto result = run(request);
  CHECK(result.reason == RunReason::timed_out);
  CHECK(result.signal == SIGKILL);
  CHECK(result.elapsed >= 500ms);
  CHECK(result.elapsed < 1500ms);
}

TEST_CASE("a child that spawns a grandchild and hangs is killed with its whole group")
{
  // The grandchild ignores SIGTERM, so only the group-wide SIGKILL ends it.
  auto request = sh("(trap '' TERM; exec sleep 30) & echo $!; wait");
  request.timeout = 300ms;
  request.grace = 200ms;
  const auto result = run(request);
  CHECK(result.reason == RunReason::timed_out);
  CHECK(result.elapsed < 1500ms);
  REQUIRE_FALSE(result.out.empty());
  CHECK(is_gone_soon(first_pid(result.out)));
}

TEST_CASE("a child that exits while a grandchild holds stdout open returns promptly")
{
  const auto result = run(sh("sleep 30 & echo $!"));
  CHECK(result.reason == RunReason::exited);
  CHECK(result.exit_code == 0);
  CHECK(result.elapsed < 1000ms);
  REQUIRE_FALSE(result.out.empty());
  CHECK(is_gone_soon(first_pid(result.out)));
}

TEST_CASE("a background grandchild that closed its pipes does not outlive the run")
{
  const auto result = run(sh("sleep 30 >/dev/null 2>&1 </dev/null & echo $!"));
  CHECK(result.succeeded());
  CHECK(result.elapsed < 1000ms);
  REQUIRE_FALSE(result.out.empty());
  CHECK(is_gone_soon(first_pid(result.out)));
}

TEST_CASE("death by a signal is reported with the signal number")
{
  const auto result = run(sh("kill -USR1 $$"));
  CHECK(result.reason == RunReason::signaled);
  CHECK(result.signal == SIGUSR1);
  CHECK_FALSE(result.succeeded());
}

TEST_CASE("the child starts with default signal dispositions and an empty signal mask")
{
  // Both survive execve: an ignored signal, and the mask of the thread that forks.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_usr1 = {};
  REQUIRE(::sigaction(SIGUSR1, &ignore, &old_usr1) == 0);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigset_t old_mask;
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &usr2, &old_mask) == 0);

  RunRequest request;
  request.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  request.timeout = 10s;
  const auto result = run(request);

  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);

  CHECK(result.succeeded());
  CHECK(result.out == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_CASE("the child inherits no descriptors beyond stdin, stdout and stderr")
{
  // Not close-on-exec, one low and one high: Boost 1.81 alone leaks the low one.
  const int low = ::open("/dev/null", O_RDONLY);
  REQUIRE(low >= 3);
  const int high = ::fcntl(low, F_DUPFD, 100);
  REQUIRE(high >= 100);

  auto request = sh(R"(for fd in "$@"; do [ -e /proc/$$/fd/$fd ] && echo $fd; done; true)");
  for (const int fd : {0, 1, 2, low, high}) {
    request.argv.push_back(std::to_string(fd));
  }
  request.argv.insert(request.argv.begin() + 3, "sh");
  const auto result = run(request);
  ::close(low);
  ::close(high);

  CHECK(result.succeeded());
  CHECK(result.out == "0\n1\n2\n");
}

TEST_CASE("a missing executable is not found and the error says where it looked")
{
  RunRequest request;
  request.argv = {"cmtgen-no-such-program"};
  request.env = util::Environment();
  request.env->set("PATH", "/nonexistent-a:/nonexistent-b");
  auto result = run(request);
  CHECK(result.reason == RunReason::not_found);
  CHECK_THAT(result.error, Catch::Contains("cmtgen-no-such-program"));
  CHECK_THAT(result.error, Catch::Contains("/nonexistent-a:/nonexistent-b"));

  request.env->unset("PATH");
  result = run(request);
  CHECK(result.reason == RunReason::not_found);
  CHECK_THAT(result.error, Catch::Contains("PATH is not set"));

  request.argv = {"/nonexistent/cmtgen-no-such-program"};
  result = run(request);
  CHECK(result.reason == RunReason::not_found);
  CHECK_THAT(result.error, Catch::Contains("/nonexistent/cmtgen-no-such-program"));
}

TEST_CASE("a file that cannot be executed fails to spawn with the reason")
{
  const TempDir dir;
  const auto script = dir.path() / "script";
  write_file(script, "#!/bin/sh\necho hi\n", fs::perms::owner_read | fs::perms::owner_write);
  RunRequest request;
  request.argv = {script.string()};
  auto result = run(request);
  CHECK(result.reason == RunReason::spawn_failed);
  CHECK_THAT(result.error, Catch::Contains(script.string()));
  CHECK_THAT(result.error, Catch::Contains("Permission denied"));

  // No shell falls back to running it as a script.
  const auto garbage = dir.path() / "garbage";
  write_file(garbage, std::string("\x7f\x01\x02garbage", 10), fs::perms::owner_all);
  request.argv = {garbage.string()};
  result = run(request);
  CHECK(result.reason == RunReason::spawn_failed);
  CHECK_THAT(result.error, Catch::Contains("Exec format error"));
}

TEST_CASE("an empty command line fails to spawn")
{
  const auto result = run(RunRequest{});
  CHECK(result.reason == RunReason::spawn_failed);
  CHECK_FALSE(result.error.empty());
}

TEST_CASE("the child gets exactly the environment given")
{
  RunRequest request;
  request.argv = {"env"};
  request.env = util::Environment();
  request.env->set("PATH", "/usr/bin:/bin");
  request.env->set("CMTGEN_TEST", "a value with spaces");
  request.timeout = 10s;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out == "CMTGEN_TEST=a value with spaces\nPATH=/usr/bin:/bin\n");
}

TEST_CASE("without an environment the child inherits this process's")
{
  ::setenv("CMTGEN_RUNNER_TEST", "inherited", 1);
  const auto result = run(sh("echo \"$CMTGEN_RUNNER_TEST\""));
  ::unsetenv("CMTGEN_RUNNER_TEST");
  CHECK(result.out == "inherited\n");
}

TEST_CASE("the child runs in the given working directory")
{
  const TempDir dir;
  RunRequest request;
  request.argv = {"pwd"};
  request.cwd = dir.path();
  request.timeout = 10s;
  auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out == fs::canonical(dir.path()).string() + "\n");

  // A relative path with a slash is relative to that directory, as after `cd`.
  write_file(dir.path() / "hello", "#!/bin/sh\necho hello\n", fs::perms::owner_all);
  request.argv = {"./hello"};
  result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out == "hello\n");

  request.cwd = dir.path() / "missing";
  request.argv = {"pwd"};
  result = run(request);
  CHECK(result.reason == RunReason::spawn_failed);
  CHECK_THAT(result.error, Catch::Contains("missing"));
}

TEST_CASE("argv[0] reaches the child as given")
{
  const auto result = run(sh("tr '\\0' '\\n' < /proc/$$/cmdline | head -n 1"));
  CHECK(result.out == "/bin/sh\n");

  RunRequest request;
  request.argv = {"sh", "-c", "tr '\\0' '\\n' < /proc/$$/cmdline | head -n 1"};
  CHECK(run(request).out == "sh\n");
}

TEST_CASE("output beyond the cap is read and dropped")
{
  auto request = sh("head -c 1000000 /dev/zero; head -c 500 /dev/zero >&2");
  request.output_cap = 1000;
  const auto result = run(request);
  CHECK(result.succeeded());
  CHECK(result.out.size() == 1000);
  CHECK(result.out_truncated);
  CHECK(result.err.size() == 500);
  CHECK_FALSE(result.err_truncated);
}

TEST_CASE("the parent's signal dispositions are restored after a run")
{
  struct sigaction before[3] = {};
  const int signals[3] = {SIGPIPE, SIGINT, SIGCHLD};
  for (int i = 0; i < 3; ++i) {
    ::sigaction(signals[i], nullptr, &before[i]);
  }
  run(sh("true"));
  for (int i = 0; i < 3; ++i) {
    struct sigaction after = {};
    ::sigaction(signals[i], nullptr, &after);
    CHECK(after.sa_handler == before[i].sa_handler);
  }
}

TEST_CASE("an interrupted parent kills the child's group and dies of the signal")
{
  const int sig = GENERATE(SIGINT, SIGTERM, SIGHUP);
  const TempDir dir;
  // A grandchild: PR_SET_PDEATHSIG, which also ends the direct child, is not inherited.
  const auto file = util::shell_quote((dir.path() / "pid").string());
  const RunnerProcess parent(sh("sleep 30 & echo $! > " + file + ".tmp; mv " + file + ".tmp " + file + "; wait"), sig);
  const pid_t sleeper = wait_for_pid_file(dir.path() / "pid");
  REQUIRE(sleeper > 0);
  REQUIRE(::kill(parent.pid(), sig) == 0);

  const auto status = parent.wait();
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == sig);
  CHECK(is_gone_soon(sleeper));
  if (is_running(sleeper)) {
    ::kill(sleeper, SIGKILL);
  }
}

TEST_CASE("a parent killed with SIGKILL takes its direct child along")
{
  const TempDir dir;
  const auto file = util::shell_quote((dir.path() / "pid").string());
  const RunnerProcess parent(sh("echo $$ > " + file + ".tmp; mv " + file + ".tmp " + file + "; exec sleep 30"),
                             SIGKILL);
  const pid_t sleeper = wait_for_pid_file(dir.path() / "pid");
  REQUIRE(sleeper > 0);
  REQUIRE(::kill(parent.pid(), SIGKILL) == 0);

  CHECK(parent.wait());
  CHECK(is_gone_soon(sleeper));
  if (is_running(sleeper)) {
    ::kill(sleeper, SIGKILL);
  }
}

TEST_CASE("find_executable searches the PATH list in order and skips what is not executable")
{
  const TempDir dir;
  const auto a = dir.path() / "a";
  const auto b = dir.path() / "b";
  const auto c = dir.path() / "c";
  fs::create_directories(a);
  fs::create_directories(b);
  fs::create_directories(c / "tool");
  write_file(a / "tool", "#!/bin/sh\n", fs::perms::owner_read | fs::perms::owner_write);
  write_file(b / "tool", "#!/bin/sh\n", fs::perms::owner_all);
  const auto list = c.string() + "::" + a.string() + ":" + b.string();

  CHECK(util::find_executable("tool", list) == b / "tool");
  CHECK(util::find_executable("tool", c.string()) == std::nullopt);
  CHECK(util::find_executable("tool", "") == std::nullopt);
  CHECK(util::find_executable("", list) == std::nullopt);
  CHECK(util::find_executable((b / "tool").string(), "") == b / "tool");
  CHECK(util::find_executable((a / "tool").string(), list) == std::nullopt);
}

TEST_CASE("reason names are the ones the CLI prints")
{
  CHECK(util::reason_name(RunReason::exited) == "exited");
  CHECK(util::reason_name(RunReason::signaled) == "signaled");
  CHECK(util::reason_name(RunReason::timed_out) == "timed-out");
  CHECK(util::reason_name(RunReason::spawn_failed) == "spawn-failed");
  CHECK(util::reason_name(RunReason::not_found) == "not-found");
}

TEST_CASE("system_runner is one process-wide instance")
{
  CHECK(&util::system_runner() == &util::system_runner());
}
