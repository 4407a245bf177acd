#include "util/runner_internal.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace util {

namespace {

constexpr unsigned k_close_range_cloexec = 1U << 2; // CLOSE_RANGE_CLOEXEC, Linux 5.11

[[noreturn]] void
child_fail(const ChildPlan& plan, ChildStage stage, int error)
{
  const ChildReport report{static_cast<int>(stage), error};
  [[maybe_unused]] const auto written = ::write(plan.report_fd, &report, sizeof(report));
  // _exit, not exit: atexit handlers and static destructors belong to the parent.
  ::_exit(127);
}

// Marks rather than closes: the report pipe must survive until execve. Boost 1.81's own
// close_all skips the descriptors between its whitelist entries (it compares an entry with
// itself), so anything numbered below its error pipe would leak into the child.
void
mark_inherited_fds_cloexec()
{
  if (::syscall(SYS_close_range, 3U, ~0U, k_close_range_cloexec) == 0) {
    return;
  }
  // Kernels before 5.11: every possible descriptor.
  struct rlimit limit = {};
  rlim_t end = 4096;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    end = limit.rlim_cur;
  }
  for (rlim_t fd = 3; fd < end; ++fd) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
}

} // namespace

[[noreturn]] void
exec_child(const ChildPlan& plan)
{
  // A group of its own, so that a deadline or an interrupt reaches the descendants too.
  if (::setpgid(0, 0) != 0) {
    child_fail(plan, ChildStage::setup, errno);
  }
  // Backstop for a parent killed with SIGKILL; the getppid check closes the window in which
  // the parent died before prctl.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    child_fail(plan, ChildStage::setup, errno);
  }
  if (::getppid() != plan.parent) {
    ::_exit(127);
  }
  // Ignored signals survive execve, and the parent ignores SIGPIPE during a run. All
  // signals are still blocked (see BlockedSignals), so none can arrive half-way.
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      ::sigaction(sig, &default_action, nullptr);
    }
  }
  mark_inherited_fds_cloexec();
  if (plan.cwd && ::chdir(plan.cwd) != 0) {
    child_fail(plan, ChildStage::chdir, errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.path, plan.argv, plan.envp);
  child_fail(plan, ChildStage::exec, errno);
}

std::optional<ChildReport>
read_child_report(int fd)
{
  ChildReport report{};
  ssize_t count = 0;
  do {
    count = ::read(fd, &report, sizeof(report));
  } while (count < 0 && errno == EINTR);
  if (count == static_cast<ssize_t>(sizeof(report))) {
    return report;
  }
  return std::nullopt;
}

std::string
describe_child_report(const ChildReport& report,
                      const std::filesystem::path& executable,
                      const std::filesystem::path& cwd)
{
  const char* reason = std::strerror(report.error);
  switch (static_cast<ChildStage>(report.stage)) {
    case ChildStage::chdir: return fmt::format("cannot change to directory {}: {}", cwd.string(), reason);
    case ChildStage::exec: return fmt::format("cannot execute {}: {}", executable.string(), reason);
    case ChildStage::setup: break;
  }
  return fmt::format("setting up {}: {}", executable.string(), reason);
}

CStringArray::CStringArray(std::vector<std::string> strings)
  : m_strings(std::move(strings))
{
  for (auto& string : m_strings) {
    m_pointers.push_back(string.data());
  }
  m_pointers.push_back(nullptr);
}

} // namespace util
