#include "util/runner.hpp"

// Boost 1.81's Process v2 headers use these without including them (with
// BOOST_PROCESS_USE_STD_FS); they must come first.
#include <boost/optional.hpp>
#include <boost/type_traits/decay.hpp>
#include <boost/type_traits/is_convertible.hpp>

// GCC 12 reports false null dereferences in Asio's scheduler and executor code once it is
// inlined here, although it sits in system headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#pragma GCC diagnostic pop

#include <fmt/core.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace util {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// How long grandchildren may keep stdout/stderr open after the direct child exited. A
// daemon that inherited the pipes would otherwise hold the run open forever.
constexpr milliseconds k_drain_time{ 200 };
// TERM-to-KILL grace when this process itself is interrupted: the user is waiting.
constexpr milliseconds k_interrupt_grace{ 500 };
constexpr std::size_t k_read_chunk = 64 * 1024;
constexpr std::array k_forwarded_signals = { SIGINT, SIGTERM, SIGHUP };
constexpr unsigned k_close_range_cloexec = 1U << 2; // CLOSE_RANGE_CLOEXEC, Linux 5.11

// ---- In the child, between fork and execve ----

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

[[noreturn]] void
child_fail(const ChildPlan& plan, ChildStage stage, int error)
{
  const ChildReport report{ static_cast<int>(stage), error };
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

// A Boost.Process initializer; it runs in the child after process_stdio's dup2 calls. It
// execs by itself because on failure Boost 1.81 leaves the child through exit(), which
// would run the parent's atexit handlers and flush its stdio buffers a second time.
struct ChildSetup
{
  const ChildPlan* plan;

  bp::error_code on_exec_setup(bp::posix::default_launcher& /*launcher*/,
                               const fs::path& /*executable*/,
                               const char* const* /*argv*/) const
  {
    exec_child(*plan);
  }
};

// ---- In the parent ----

std::atomic<int> g_signal_pipe{ -1 };
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

// Signal dispositions for the duration of one run; the previous ones come back afterwards.
class SignalScope
{
public:
  SignalScope();
  ~SignalScope() { restore(); }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

  // Readable when a forwarded signal arrived.
  int wake_fd() const { return m_pipe[0]; }
  // The first forwarded signal received, 0 if none.
  int caught() const { return g_caught_signal; }
  void restore();

private:
  void replace(int sig, const struct sigaction& action);

  struct Saved
  {
    int sig;
    struct sigaction action;
  };
  std::vector<Saved> m_saved;
  std::array<int, 2> m_pipe{ -1, -1 };
  bool m_active = false;
};

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

void
SignalScope::replace(int sig, const struct sigaction& action)
{
  Saved saved{ sig, {} };
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

// Blocks every signal in this thread across fork, so that the child starts with all of them
// blocked and no handler of ours can run in it before exec_child resets them.
class BlockedSignals
{
public:
  BlockedSignals()
  {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &m_previous);
  }
  ~BlockedSignals() { ::pthread_sigmask(SIG_SETMASK, &m_previous, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

private:
  sigset_t m_previous;
};

// A null-terminated char* array over owned strings, as execve wants it.
class CStringArray
{
public:
  explicit CStringArray(std::vector<std::string> strings)
    : m_strings(std::move(strings))
  {
    for (auto& string : m_strings) {
      m_pointers.push_back(string.data());
    }
    m_pointers.push_back(nullptr);
  }
  CStringArray(const CStringArray&) = delete;
  CStringArray& operator=(const CStringArray&) = delete;

  char* const* data() const { return m_pointers.data(); }

private:
  std::vector<std::string> m_strings;
  std::vector<char*> m_pointers;
};

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

struct Capture
{
  Capture(asio::io_context& io, std::string& into, bool& truncated_flag)
    : pipe(io)
    , text(into)
    , truncated(truncated_flag)
  {
  }

  asio::readable_pipe pipe;
  std::vector<char> buffer = std::vector<char>(k_read_chunk);
  std::string& text;
  bool& truncated;
  bool open = true;

  void close()
  {
    open = false;
    bp::error_code ignored;
    pipe.close(ignored);
  }
};

// One child: spawn, then an Asio loop that feeds stdin, drains stdout/stderr, and watches
// the exit, the deadline and forwarded signals.
class Session
{
public:
  Session(const RunRequest& request, RunResult& result, steady_clock::time_point start, int wake_fd);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // False when the child did not start; the result says why.
  bool spawn(const fs::path& executable);
  void run();

private:
  using Executor = asio::io_context::executor_type;

  bool spawn_failed(std::string error);
  void write_stdin();
  void read_more(Capture& capture);
  void wait_for_exit();
  void on_exit(const bp::error_code& ec, int status);
  void watch_signals();
  void arm_deadline();
  void terminate_group(milliseconds grace);
  void kill_group(int sig) const;
  void fill_result();

  asio::io_context m_io; // first: destroyed last, after every object that queued work on it
  const RunRequest& m_request;
  RunResult& m_result;
  steady_clock::time_point m_start;
  asio::writable_pipe m_stdin{ m_io };
  Capture m_out{ m_io, m_result.out, m_result.out_truncated };
  Capture m_err{ m_io, m_result.err, m_result.err_truncated };
  asio::posix::stream_descriptor m_wake;
  std::array<unsigned char, 16> m_wake_buffer{};
  asio::steady_timer m_deadline{ m_io };
  asio::steady_timer m_kill{ m_io };
  asio::steady_timer m_drain{ m_io };
  std::optional<bp::basic_process<Executor>> m_process;
  pid_t m_pid = -1; // also the process group id
  bool m_reaped = false;
  int m_status = 0;
  std::string m_wait_error;
  bool m_terminating = false;
  bool m_timed_out = false;
};

Session::Session(const RunRequest& request, RunResult& result, steady_clock::time_point start, int wake_fd)
  : m_request(request)
  , m_result(result)
  , m_start(start)
  , m_wake(m_io, ::fcntl(wake_fd, F_DUPFD_CLOEXEC, 3))
{
}

Session::~Session()
{
  // Only reached with a live child when something threw: never leave it behind.
  if (m_pid > 0 && !m_reaped) {
    kill_group(SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
}

bool
Session::spawn_failed(std::string error)
{
  m_result.reason = RunReason::spawn_failed;
  m_result.error = std::move(error);
  return false;
}

bool
Session::spawn(const fs::path& executable)
{
  const CStringArray argv(m_request.argv);
  const CStringArray envp(m_request.env ? m_request.env->entries() : std::vector<std::string>{});
  std::array<int, 2> report{ -1, -1 };
  if (::pipe2(report.data(), O_CLOEXEC) != 0) {
    return spawn_failed(fmt::format("creating a pipe: {}", std::strerror(errno)));
  }
  ChildPlan plan;
  plan.path = executable.c_str();
  plan.argv = argv.data();
  plan.envp = m_request.env ? envp.data() : ::environ;
  plan.cwd = m_request.cwd.empty() ? nullptr : m_request.cwd.c_str();
  plan.report_fd = report[1];
  plan.parent = ::getpid();

  bp::posix::default_launcher launcher;
  bp::error_code ec;
  std::optional<bp::basic_process<Executor>> process;
  std::string exception;
  try {
    const BlockedSignals blocked;
    // The argument list is Boost's only; exec_child uses plan.argv, which keeps argv[0] as
    // given where Boost would replace it with the executable's path.
    process.emplace(launcher(m_io.get_executor(), ec, executable, std::vector<std::string>{},
                             bp::process_stdio{ m_stdin, m_out.pipe, m_err.pipe }, ChildSetup{ &plan }));
  } catch (const std::exception& e) {
    // Constructing the process handle (pidfd_open) can throw after the child started.
    exception = e.what();
  }
  ::close(report[1]);

  ChildReport child_report{};
  ssize_t count = 0;
  do {
    count = ::read(report[0], &child_report, sizeof(child_report));
  } while (count < 0 && errno == EINTR);
  ::close(report[0]);

  if (!exception.empty() || ec || count == static_cast<ssize_t>(sizeof(child_report))) {
    // Boost 1.81 returns an empty process on failure and never reaps the child it forked.
    if (launcher.pid > 0) {
      ::kill(-launcher.pid, SIGKILL);
      ::kill(launcher.pid, SIGKILL);
      ::waitpid(launcher.pid, nullptr, 0);
    }
    if (process) {
      process->detach();
    }
    if (!exception.empty()) {
      return spawn_failed(fmt::format("starting {}: {}", executable.string(), exception));
    }
    if (ec) {
      return spawn_failed(fmt::format("starting {}: {}", executable.string(), ec.message()));
    }
    const char* reason = std::strerror(child_report.error);
    switch (static_cast<ChildStage>(child_report.stage)) {
      case ChildStage::chdir:
        return spawn_failed(fmt::format("cannot change to directory {}: {}", m_request.cwd.string(), reason));
      case ChildStage::exec: return spawn_failed(fmt::format("cannot execute {}: {}", executable.string(), reason));
      case ChildStage::setup: break;
    }
    return spawn_failed(fmt::format("setting up {}: {}", executable.string(), reason));
  }

  m_pid = process->id();
  m_process = std::move(process);
  return true;
}

void
Session::run()
{
  write_stdin();
  read_more(m_out);
  read_more(m_err);
  wait_for_exit();
  watch_signals();
  arm_deadline();

  while (!m_reaped || m_out.open || m_err.open) {
    if (m_io.run_one() == 0) {
      break;
    }
  }
  if (!m_reaped) {
    kill_group(SIGKILL);
    if (::waitpid(m_pid, &m_status, 0) == m_pid) {
      m_reaped = true;
    } else {
      m_wait_error = std::strerror(errno);
    }
  }
  // Whatever the child left running in its group belongs to this run, and ends with it.
  kill_group(SIGKILL);
  fill_result();
}

void
Session::write_stdin()
{
  if (m_request.stdin_data.empty()) {
    bp::error_code ignored;
    m_stdin.close(ignored);
    return;
  }
  asio::async_write(m_stdin, asio::buffer(m_request.stdin_data),
                    [this](const bp::error_code& /*ec*/, std::size_t /*written*/) {
                      // An error is EPIPE: the child stopped reading, which it may. Its
                      // exit status tells the rest.
                      bp::error_code ignored;
                      m_stdin.close(ignored);
                    });
}

void
Session::read_more(Capture& capture)
{
  capture.pipe.async_read_some(asio::buffer(capture.buffer),
                               [this, &capture](const bp::error_code& ec, std::size_t count) {
                                 if (ec) {
                                   // EOF, or the pipe was closed at the end of the drain.
                                   capture.open = false;
                                   return;
                                 }
                                 const std::size_t cap = m_request.output_cap;
                                 const std::size_t room = cap > capture.text.size() ? cap - capture.text.size() : 0;
                                 const std::size_t kept = std::min(room, count);
                                 capture.text.append(capture.buffer.data(), kept);
                                 if (kept < count) {
                                   capture.truncated = true;
                                 }
                                 read_more(capture);
                               });
}

void
Session::wait_for_exit()
{
  m_process->handle().async_wait([this](const bp::error_code& ec, int status) { on_exit(ec, status); });
}

void
Session::on_exit(const bp::error_code& ec, int status)
{
  m_reaped = true;
  if (ec) {
    m_wait_error = ec.message();
  } else {
    m_status = status;
  }
  m_deadline.cancel();
  if (m_out.open || m_err.open) {
    // Grandchildren may hold the pipes; give their output a moment, then end them.
    m_drain.expires_after(k_drain_time);
    m_drain.async_wait([this](const bp::error_code& timer_ec) {
      if (timer_ec) {
        return;
      }
      // Ends the loop; the group is killed right after it.
      m_out.close();
      m_err.close();
    });
  }
}

void
Session::watch_signals()
{
  m_wake.async_read_some(asio::buffer(m_wake_buffer), [this](const bp::error_code& ec, std::size_t /*count*/) {
    if (ec) {
      return;
    }
    if (!m_reaped) {
      terminate_group(std::min(m_request.grace, k_interrupt_grace));
    }
    watch_signals();
  });
}

void
Session::arm_deadline()
{
  if (m_request.timeout <= milliseconds::zero()) {
    return;
  }
  m_deadline.expires_at(m_start + m_request.timeout);
  m_deadline.async_wait([this](const bp::error_code& ec) {
    if (ec || m_reaped) {
      return;
    }
    m_timed_out = true;
    terminate_group(m_request.grace);
  });
}

void
Session::terminate_group(milliseconds grace)
{
  const auto kill_at = steady_clock::now() + grace;
  if (m_terminating && m_kill.expiry() <= kill_at) {
    return;
  }
  if (!m_terminating) {
    m_terminating = true;
    kill_group(SIGTERM);
  }
  m_kill.expires_at(kill_at);
  m_kill.async_wait([this](const bp::error_code& ec) {
    if (!ec) {
      kill_group(SIGKILL);
    }
  });
}

void
Session::kill_group(int sig) const
{
  if (m_pid > 0) {
    ::kill(-m_pid, sig);
  }
}

void
Session::fill_result()
{
  if (!m_wait_error.empty()) {
    m_result.reason = RunReason::spawn_failed;
    m_result.error = fmt::format("waiting for {}: {}", m_request.argv.front(), m_wait_error);
    return;
  }
  if (WIFEXITED(m_status)) {
    m_result.reason = RunReason::exited;
    m_result.exit_code = WEXITSTATUS(m_status);
  } else if (WIFSIGNALED(m_status)) {
    m_result.reason = RunReason::signaled;
    m_result.signal = WTERMSIG(m_status);
  }
  // Timed out even when the child then exits by the signal, or catches it and exits 0.
  if (m_timed_out) {
    m_result.reason = RunReason::timed_out;
    m_result.error = fmt::format("timed out after {} ms", m_request.timeout.count());
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
    {
      Session session(request, result, start, signals.wake_fd());
      if (session.spawn(executable)) {
        session.run();
      }
    }
    signals.restore();
    return signals.caught();
  } catch (const std::exception& e) {
    // The Session destructor has killed and reaped the child by now.
    result.reason = RunReason::spawn_failed;
    result.error = fmt::format("running {}: {}", request.argv.front(), e.what());
    return g_caught_signal;
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
    // this process now dies of the signal, as it would have without a child.
    ::raise(caught);
  }
  result.elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  return result;
}

} // namespace

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
