#include "backend/credentials.hpp"

#include "backend/claude.hpp"
#include "util/file.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace cmtgen::backend {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_api_key = "ANTHROPIC_API_KEY";
constexpr std::string_view k_auth_token = "ANTHROPIC_AUTH_TOKEN";
constexpr std::string_view k_oauth_token = "CLAUDE_CODE_OAUTH_TOKEN";

void
add_ignored(CredentialPlan& plan, const std::string& what)
{
  plan.ignored += plan.ignored.empty() ? "" : "; ";
  plan.ignored += what;
}

// What claude -p will authenticate with, given the environment it receives. Order measured
// on the CLI: ANTHROPIC_AUTH_TOKEN, ANTHROPIC_API_KEY, apiKeyHelper (not with
// --setting-sources=), CLAUDE_CODE_OAUTH_TOKEN, the stored login.
void
describe_used(CredentialPlan& plan, const util::Environment& env, bool stored_login, const fs::path& file)
{
  if (env.has_value(k_auth_token)) {
    plan.used = "ANTHROPIC_AUTH_TOKEN (a bearer token, e.g. a gateway's)";
    plan.auth_token = true;
  } else if (env.has_value(k_api_key)) {
    plan.used = "ANTHROPIC_API_KEY (API key billing)";
    plan.api_key = true;
  } else if (env.has_value(k_oauth_token)) {
    plan.used = "CLAUDE_CODE_OAUTH_TOKEN (subscription token from `claude setup-token`)";
    plan.login = true;
  } else if (stored_login) {
    plan.used = fmt::format("subscription login ({})", file.string());
    plan.login = true;
  } else {
    plan.used = "none: no login and no API key";
  }
}

fs::path
config_dir(const util::Environment& env)
{
  if (const auto dir = env.get("CLAUDE_CONFIG_DIR"); dir && !dir->empty()) {
    return *dir;
  }
  return fs::path(env.get("HOME").value_or("")) / ".claude";
}

} // namespace

fs::path
credentials_file(const util::Environment& env)
{
  return config_dir(env) / ".credentials.json";
}

namespace {

std::optional<nlohmann::json>
read_object(const fs::path& path)
{
  const util::ReadResult read = util::read_file(path, 1024 * 1024);
  nlohmann::json json;
  if (!read.ok() || read_json(read.content, json) != JsonRead::ok || !json.is_object()) {
    return std::nullopt;
  }
  return json;
}

void
read_login(const nlohmann::json& credentials, ClaudeSetup& setup)
{
  const auto oauth = credentials.find("claudeAiOauth");
  if (oauth == credentials.end() || !oauth->is_object()) {
    return;
  }
  if (const auto expires = oauth->find("expiresAt"); expires != oauth->end() && expires->is_number_integer()) {
    setup.expires = std::chrono::system_clock::time_point(std::chrono::milliseconds(expires->get<long long>()));
  }
  const auto token = oauth->find("accessToken");
  if (token == oauth->end() || !token->is_string() || token->get<std::string>().empty()) {
    return;
  }
  const auto scopes = oauth->find("scopes");
  setup.stored_login =
    scopes != oauth->end() && scopes->is_array() && std::any_of(scopes->begin(), scopes->end(), [](const auto& scope) {
      return scope.is_string() && scope.template get<std::string>() == "user:inference";
    });
}

void
read_settings(const nlohmann::json& settings, ClaudeSetup& setup)
{
  if (settings.contains("apiKeyHelper")) {
    setup.ignored_settings.emplace_back("apiKeyHelper");
  }
  if (const auto env = settings.find("env"); env != settings.end() && env->is_object()) {
    for (const char* key : {"ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY", "ANTHROPIC_MODEL",
                            "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"}) {
      if (env->contains(key)) {
        setup.ignored_settings.push_back(fmt::format("env.{}", key));
      }
    }
  }
}

} // namespace

ClaudeSetup
inspect_setup(const util::Environment& env)
{
  ClaudeSetup setup;
  setup.config_dir = config_dir(env);
  setup.credentials_file = credentials_file(env);
  std::error_code ec;
  setup.credentials_present = fs::exists(setup.credentials_file, ec);
  if (const auto credentials = setup.credentials_present ? read_object(setup.credentials_file) : std::nullopt) {
    read_login(*credentials, setup);
  }
  if (const auto settings = read_object(setup.config_dir / "settings.json")) {
    read_settings(*settings, setup);
  }
  return setup;
}

bool
stored_login_exists(const util::Environment& env)
{
  return inspect_setup(env).stored_login;
}

CredentialPlan
plan_credentials(Auth mode, const util::Environment& env, bool stored_login)
{
  CredentialPlan plan;
  plan.env = env;
  const fs::path file = credentials_file(env);
  const bool oauth_token = env.has_value(k_oauth_token);
  const bool login_exists = stored_login || oauth_token;

  auto remove = [&](std::string_view name, const std::string& why) {
    if (plan.env.get(name)) {
      plan.env.unset(name);
      add_ignored(plan, fmt::format("{} ({})", name, why));
    }
  };
  // A set-but-blank variable is never a credential; claude would still try some of them.
  auto remove_blank = [&](std::string_view name) {
    if (plan.env.get(name) && !plan.env.has_value(name)) {
      remove(name, "empty");
    }
  };

  switch (mode) {
    case Auth::inherit: break;
    case Auth::subscription:
      remove(k_api_key, "removed: cmtgen.auth=subscription");
      remove(k_auth_token, "removed: cmtgen.auth=subscription");
      remove_blank(k_oauth_token);
      break;
    case Auth::api_key:
      if (!env.has_value(k_api_key)) {
        plan.error = fmt::format("cmtgen.auth=api-key but ANTHROPIC_API_KEY is {}: export a valid key, or use `git "
                                 "config --global cmtgen.auth auto`",
                                 env.get(k_api_key) ? "empty" : "not set");
      }
      remove(k_auth_token, "removed: cmtgen.auth=api-key");
      break;
    case Auth::automatic:
      remove_blank(k_api_key);
      remove_blank(k_auth_token);
      remove_blank(k_oauth_token);
      if (plan.env.has_value(k_api_key) && login_exists) {
        // In -p mode the key beats the login: a stale key would turn every run into a
        // rejected API-key call although the user is logged in.
        remove(k_api_key, fmt::format("removed: it would override the subscription login in {}; "
                                      "set cmtgen.auth=api-key to use the key",
                                      oauth_token ? std::string(k_oauth_token) : file.string()));
      }
      break;
  }
  describe_used(plan, plan.env, stored_login, file);
  return plan;
}

} // namespace cmtgen::backend
