#include "util/runner_internal.hpp"

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
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
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
constexpr milliseconds k_drain_time{200};
// TERM-to-KILL grace when this process itself is interrupted: the user is waiting.
constexpr milliseconds k_interrupt_grace{500};
constexpr std::size_t k_read_chunk = 64 * 1024;

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

  asio::io_context m_io; // first: destroyed last, after every object that queued work on it
  const RunRequest& m_request;
  RunResult& m_result;
  steady_clock::time_point m_start;
  asio::writable_pipe m_stdin{m_io};
  Capture m_out{m_io, m_result.out, m_result.out_truncated};
  Capture m_err{m_io, m_result.err, m_result.err_truncated};
  asio::posix::stream_descriptor m_wake;
  std::array<unsigned char, 16> m_wake_buffer{};
  asio::steady_timer m_deadline{m_io};
  asio::steady_timer m_kill{m_io};
  asio::steady_timer m_drain{m_io};
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
  std::array<int, 2> report{-1, -1};
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
                             bp::process_stdio{m_stdin, m_out.pipe, m_err.pipe}, ChildSetup{&plan}));
  } catch (const std::exception& e) {
    // Constructing the process handle (pidfd_open) can throw after the child started.
    exception = e.what();
  }
  ::close(report[1]);

  const auto child_report = read_child_report(report[0]);
  ::close(report[0]);

  if (!exception.empty() || ec || child_report) {
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
    return spawn_failed(describe_child_report(*child_report, executable, m_request.cwd));
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
  fill_result(m_request, m_result, m_status, m_wait_error, m_timed_out);
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

} // namespace

void
run_session(const RunRequest& request,
            const fs::path& executable,
            RunResult& result,
            steady_clock::time_point start,
            int wake_fd)
{
  Session session(request, result, start, wake_fd);
  if (session.spawn(executable)) {
    session.run();
  }
}

} // namespace util
