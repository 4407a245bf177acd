#include "error.hpp"

#include "util/strings.hpp"

#include <fmt/core.h>

#include <cstdio>

namespace cmtgen {

std::string_view
failure_name(Failure failure)
{
  switch (failure) {
    case Failure::usage: return "usage";
    case Failure::config: return "config";
    case Failure::git: return "git";
    case Failure::nothing_staged: return "nothing-staged";
    case Failure::claude_not_found: return "claude-not-found";
    case Failure::api_key_rejected: return "api-key-rejected";
    case Failure::api_key_missing: return "api-key-missing";
    case Failure::not_logged_in: return "not-logged-in";
    case Failure::login_expired: return "login-expired";
    case Failure::auth_forbidden: return "auth-forbidden";
    case Failure::rate_limited: return "rate-limited";
    case Failure::overloaded: return "overloaded";
    case Failure::model_unavailable: return "model-unavailable";
    case Failure::prompt_too_large: return "prompt-too-large";
    case Failure::timed_out: return "timed-out";
    case Failure::network: return "network";
    case Failure::malformed_reply: return "malformed-reply";
    case Failure::reply_too_large: return "reply-too-large";
    case Failure::empty_reply: return "empty-reply";
    case Failure::backend_failed: return "backend-failed";
    case Failure::install: return "install";
    case Failure::internal: return "internal";
  }
  return "internal";
}

int
exit_status(Failure failure)
{
  switch (failure) {
    case Failure::usage: return 2;
    case Failure::nothing_staged: return 3;
    default: return 1;
  }
}

int
report(Failure failure, std::string_view what)
{
  fmt::print(stderr, "cmtgen: error: {}: {}\n", failure_name(failure), util::strip_controls(what));
  return exit_status(failure);
}

Error::Error(Failure failure, const std::string& message)
  : std::runtime_error(message)
  , m_failure(failure)
{
}

} // namespace cmtgen
