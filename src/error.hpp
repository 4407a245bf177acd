#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace cmtgen {

// Every failure cmtgen reports has one of these classes. The name (failure_name) is what
// users see in `cmtgen: error: <class>: ...` lines, the run log and `--json` output.
enum class Failure {
  usage,
  config,
  git,
  nothing_staged,
  claude_not_found,
  api_key_rejected,
  api_key_missing,
  not_logged_in,
  login_expired,
  auth_forbidden,
  rate_limited,
  overloaded,
  model_unavailable,
  prompt_too_large,
  timed_out,
  network,
  malformed_reply,
  reply_too_large,
  empty_reply,
  backend_failed,
  install,
  internal,
};

// Stable kebab-case name, e.g. "api-key-rejected".
std::string_view failure_name(Failure failure);

// The exit status of a command that stops with `failure`: 2 for usage, 3 for nothing
// staged (preview), 1 for everything else.
int exit_status(Failure failure);

// The one error printer: `cmtgen: error: <class>: <what>` on stderr (control bytes removed,
// for `what` may quote another program). Returns exit_status(failure).
int report(Failure failure, std::string_view what);

// "Stop and report": thrown below cli, caught once at the top and printed as
// `cmtgen: error: <class>: <what()>`. what() is one line that says what to do.
class Error : public std::runtime_error
{
public:
  Error(Failure failure, const std::string& message);

  Failure failure() const { return m_failure; }

private:
  Failure m_failure;
};

} // namespace cmtgen
