#include "util/deadline.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string k_line = "cmtgen: timed-out: the test ran out of time";

struct Outcome
{
  std::optional<int> exit_code; // nullopt: killed by a signal, or still running at the bound
  std::string err;
};

// Runs `body` in a forked child whose stderr goes to a file; the child ends with _exit(0)
// after body unless the deadline ends it first. The child is killed after `bound`.
Outcome
in_child(const fs::path& dir, const std::function<void()>& body, std::chrono::seconds bound = 15s)
{
  const fs::path err = dir / "stderr";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    try {
      body();
    } catch (const std::exception& e) {
      // Never back into Catch: the child must not run the rest of the tests.
      [[maybe_unused]] const auto written = ::write(STDERR_FILENO, e.what(), std::strlen(e.what()));
      ::_exit(99);
    }
    ::_exit(0);
  }
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("the child did not end within the bound");
    }
    std::this_thread::sleep_for(20ms);
  }
  Outcome outcome;
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  }
  std::ifstream in(err);
  outcome.err.assign(std::istreambuf_iterator<char>(in), {});
  return outcome;
}

// Not a util::TemporaryDirectory: the deadline removes all of those, in the child too.
class Scratch
{
public:
  Scratch()
  {
    std::string pattern = (fs::temp_directory_path() / "cmtgen-test-deadline-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()));
    m_path = pattern;
  }
  ~Scratch()
  {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

bool
alive(pid_t pid)
{
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("State:")) {
      return line.find('Z') == std::string::npos;
    }
  }
  return false;
}

} // namespace

TEST_CASE("the deadline ends a process blocked opening a FIFO, with its line and exit code")
{
  const Scratch dir;
  const fs::path fifo = dir.path() / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = in_child(dir.path(), [&] {
    util::deadline::arm(1s, k_line, 3);
    ::open(fifo.c_str(), O_RDONLY); // blocks: nobody opens the other end
  });
  CHECK(outcome.exit_code == 3);
  CHECK(outcome.err == k_line + "\n");
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("the deadline kills the process group of a child being run and removes temporary directories")
{
  const Scratch dir;
  const fs::path pid_file = dir.path() / "pid";
  const fs::path scratch_file = dir.path() / "scratch";
  const auto outcome = in_child(dir.path(), [&] {
    util::deadline::arm(1s, k_line, 0);
    const util::TemporaryDirectory scratch("cmtgen-test-scratch-");
    std::ofstream(scratch_file) << scratch.path().string();
    util::RunRequest request;
    // A grandchild in the same group, as the claude CLI has.
    request.argv = {"/bin/sh", "-c", "sleep 100 & echo $! > \"$0\"; wait", pid_file.string()};
    util::system_runner().run(request);
  });
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.err == k_line + "\n");
  std::string scratch;
  std::ifstream(scratch_file) >> scratch;
  REQUIRE_FALSE(scratch.empty());
  CHECK_FALSE(fs::exists(scratch));
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  REQUIRE(grandchild > 0);
  for (int i = 0; i < 100 && alive(grandchild); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  const bool left = alive(grandchild);
  if (left) {
    ::kill(grandchild, SIGKILL);
  }
  CHECK_FALSE(left);
}

TEST_CASE("a deadline that passes during a Hold waits for it, and disarm() then drops it")
{
  const Scratch dir;
  const fs::path marker = dir.path() / "written";

  SECTION("disarmed inside the hold")
  {
    const auto outcome = in_child(dir.path(), [&] {
      util::deadline::arm(1s, k_line, 3);
      {
        const util::deadline::Hold hold;
        std::this_thread::sleep_for(1500ms);
        std::ofstream(marker) << "done";
        util::deadline::disarm();
      }
      std::this_thread::sleep_for(500ms);
    });
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.err.empty());
    CHECK(fs::exists(marker));
  }
  SECTION("not disarmed: it acts when the hold ends")
  {
    const auto outcome = in_child(dir.path(), [&] {
      util::deadline::arm(1s, k_line, 3);
      {
        const util::deadline::Hold hold;
        std::this_thread::sleep_for(1500ms);
        std::ofstream(marker) << "done";
      }
      std::this_thread::sleep_for(5s);
    });
    CHECK(outcome.exit_code == 3);
    CHECK(fs::exists(marker));
  }
}

TEST_CASE("a re-armed deadline replaces the earlier one, and a disarmed one never acts")
{
  const Scratch dir;
  SECTION("re-armed later")
  {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = in_child(dir.path(), [&] {
      util::deadline::arm(1s, "first", 3);
      util::deadline::arm(2s, k_line, 4);
      std::this_thread::sleep_for(10s);
    });
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.err == k_line + "\n");
    CHECK(std::chrono::steady_clock::now() - start >= 1500ms);
  }
  SECTION("disarmed")
  {
    const auto outcome = in_child(dir.path(), [&] {
      const util::deadline::Scope scope(1s, k_line, 3);
      util::deadline::disarm();
      std::this_thread::sleep_for(1500ms);
    });
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.err.empty());
  }
}
