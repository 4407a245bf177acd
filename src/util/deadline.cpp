#include "util/deadline.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <ctime>

namespace util::deadline {

namespace {

// Read by the handler: only plain memory it can use without locks or allocation.
std::array<char, 512> g_line{};
volatile std::sig_atomic_t g_line_size = 0;
volatile std::sig_atomic_t g_exit_code = 0;

// Runs in the main thread, either directly (nothing was running) or when the runner, having
// caught SIGALRM during a run, killed the child's group, removed the temporary directories,
// restored this handler and re-raised the signal (see runner_signals.cpp).
void
on_deadline(int /*sig*/)
{
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, g_line.data(), static_cast<std::size_t>(g_line_size));
  ::_exit(g_exit_code);
}

sigset_t
alarm_set()
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  return set;
}

} // namespace

void
arm(std::chrono::seconds after, std::string_view line, int exit_code)
{
  const sigset_t set = alarm_set();
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &set, &previous);

  const std::size_t size = std::min(line.size(), g_line.size() - 1);
  std::copy_n(line.data(), size, g_line.data());
  g_line[size] = '\n';
  g_line_size = static_cast<std::sig_atomic_t>(size + 1);
  g_exit_code = exit_code;

  struct sigaction action = {};
  action.sa_handler = on_deadline;
  sigfillset(&action.sa_mask);
  ::sigaction(SIGALRM, &action, nullptr);
  ::alarm(static_cast<unsigned>(std::max<std::chrono::seconds::rep>(after.count(), 1)));

  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void
disarm()
{
  const sigset_t set = alarm_set();
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &set, &previous);
  ::alarm(0);
  // A SIGALRM already pending (the deadline passed during a Hold) is taken off the queue.
  sigset_t pending;
  sigemptyset(&pending);
  if (::sigpending(&pending) == 0 && sigismember(&pending, SIGALRM) == 1) {
    const timespec zero{};
    ::sigtimedwait(&set, nullptr, &zero);
  }
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  ::sigaction(SIGALRM, &action, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

Hold::Hold()
{
  const sigset_t set = alarm_set();
  ::pthread_sigmask(SIG_BLOCK, &set, &m_previous);
}

Hold::~Hold()
{
  ::pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
}

} // namespace util::deadline
