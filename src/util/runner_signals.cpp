#include "util/runner_internal.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace util {

namespace {

// The asynchronous signals whose default action ends this process and that can reach a
// hook: from the terminal (Ctrl-C, Ctrl-\, a closed terminal), from a parent or a user's
// kill (TERM, USR1, USR2), from cmtgen's own whole-run deadline (ALRM, util/deadline.hpp)
// and from a CPU-time limit (XCPU). Each ends the child's group before this process goes.
// SIGPIPE is ignored instead (below); SIGPROF and SIGVTALRM belong to profilers.
constexpr std::array k_forwarded_signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU};

std::atomic<int> g_signal_pipe{-1};
volatile std::sig_atomic_t g_caught_signal = 0;

void
on_forwarded_signal(int sig)
{
  const int saved_errno = errno;
  if (g_caught_signal == 0) {
    g_caught_signal = sig;
  }
  const auto byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] const auto written = ::write(g_signal_pipe.load(), &byte, 1);
  errno = saved_errno;
}

} // namespace

SignalScope::SignalScope()
{
  if (::pipe2(m_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(fmt::format("creating a pipe: {}", std::strerror(errno)));
  }
  m_active = true;
  g_caught_signal = 0;
  g_signal_pipe = m_pipe[1];

  struct sigaction forward = {};
  forward.sa_handler = on_forwarded_signal;
  sigfillset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  for (const int sig : k_forwarded_signals) {
    struct sigaction old = {};
    ::sigaction(sig, nullptr, &old);
    // An ignored signal (nohup, a background job) must not start killing children now.
    if ((old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_IGN) {
      continue;
    }
    replace(sig, forward);
  }

  // Pipes have no MSG_NOSIGNAL: a child that stops reading its stdin would kill this
  // process with SIGPIPE instead of handing the write an EPIPE.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  replace(SIGPIPE, ignore);

  // With SIGCHLD ignored the kernel reaps children itself and the exit status is lost.
  struct sigaction child = {};
  ::sigaction(SIGCHLD, nullptr, &child);
  if ((child.sa_flags & SA_NOCLDWAIT) != 0 || ((child.sa_flags & SA_SIGINFO) == 0 && child.sa_handler == SIG_IGN)) {
    struct sigaction default_action = {};
    default_action.sa_handler = SIG_DFL;
    replace(SIGCHLD, default_action);
  }
}

int
SignalScope::caught()
{
  return g_caught_signal;
}

void
SignalScope::replace(int sig, const struct sigaction& action)
{
  Saved saved{sig, {}};
  if (::sigaction(sig, &action, &saved.action) == 0) {
    m_saved.push_back(saved);
  }
}

void
SignalScope::restore()
{
  if (!m_active) {
    return;
  }
  m_active = false;
  for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
    ::sigaction(it->sig, &it->action, nullptr);
  }
  g_signal_pipe = -1;
  ::close(m_pipe[0]);
  ::close(m_pipe[1]);
}

BlockedSignals::BlockedSignals()
{
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &m_previous);
}

BlockedSignals::~BlockedSignals()
{
  ::pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
}

} // namespace util
