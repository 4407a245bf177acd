#include "backend/backend.hpp"
#include "backend/claude.hpp"
#include "backend/credentials.hpp"
#include "backend/offline.hpp"
#include "config.hpp"
#include "error.hpp"
#include "git/change.hpp"
#include "util/environment.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

using cmtgen::Auth;
using cmtgen::Config;
using cmtgen::Failure;
using cmtgen::backend::CredentialPlan;
using cmtgen::backend::Generation;
using cmtgen::backend::judge_claude;
using cmtgen::backend::offline_message;
using cmtgen::backend::plan_credentials;
using cmtgen::git::FileChange;
using cmtgen::git::Status;

// Failures print by name in assertion messages.
namespace Catch {
template<>
struct StringMaker<cmtgen::Failure>
{
  static std::string convert(cmtgen::Failure failure) { return std::string(cmtgen::failure_name(failure)); }
};
} // namespace Catch

namespace {

constexpr std::string_view k_key = "ANTHROPIC_API_KEY";
constexpr std::string_view k_token = "ANTHROPIC_AUTH_TOKEN";
constexpr std::string_view k_oauth = "CLAUDE_CODE_OAUTH_TOKEN";
constexpr std::string_view k_stored = "/home/u/.claude/.credentials.json";

util::Environment
environment(std::initializer_list<std::pair<const char*, const char*>> vars)
{
  util::Environment env;
  env.set("HOME", "/home/u");
  env.set("PATH", "/usr/bin:/bin");
  for (const auto& [name, value] : vars) {
    env.set(name, value);
  }
  return env;
}

bool
has(std::string_view text, std::string_view needle)
{
  return util::contains(text, needle);
}

util::RunResult
exited(int code, std::string out, std::string err = "")
{
  util::RunResult run;
  run.reason = util::RunReason::exited;
  run.exit_code = code;
  run.out = std::move(out);
  run.err = std::move(err);
  return run;
}

// The object `claude -p --output-format json` prints for an API failure (CLI 2.1.x). `result`
// must already be JSON-escaped.
std::string
api_error(std::string_view result, std::string_view status)
{
  return fmt::format(R"({{"type":"result","subtype":"success","is_error":true,"duration_ms":812,)"
                     R"("num_turns":1,"result":"{}","session_id":"5f0c","total_cost_usd":0,{})"
                     R"("usage":{{"input_tokens":0,"output_tokens":0}},"modelUsage":{{}},"permission_denials":[]}})",
                     result, status.empty() ? "" : fmt::format(R"("api_error_status":{},)", status));
}

Generation
judge(const util::RunResult& run, const CredentialPlan& plan, const Config& config = Config(), int candidates = 1)
{
  return judge_claude(run, plan, config, candidates);
}

CredentialPlan
api_key_plan()
{
  return plan_credentials(Auth::automatic, environment({{"ANTHROPIC_API_KEY", "sk-ant-api03-stale"}}), false);
}

CredentialPlan
login_plan()
{
  return plan_credentials(Auth::automatic, environment({}), true);
}

CredentialPlan
no_credential_plan()
{
  return plan_credentials(Auth::automatic, environment({}), false);
}

FileChange
change(std::string path, Status status, std::int64_t added = 1, std::int64_t removed = 0)
{
  FileChange file;
  file.path = path;
  file.old_path = std::move(path);
  file.status = status;
  file.old_mode = status == Status::added ? 0 : 0100644;
  file.new_mode = status == Status::deleted ? 0 : 0100644;
  file.added = added;
  file.removed = removed;
  return file;
}

std::string
subject_of(const std::string& message)
{
  return message.substr(0, message.find('\n'));
}

} // namespace

// ---- credentials ----------------------------------------------------------------------------

TEST_CASE("the stored login lives in CLAUDE_CONFIG_DIR, else in ~/.claude", "[backend]")
{
  CHECK(cmtgen::backend::credentials_file(environment({})) == "/home/u/.claude/.credentials.json");
  CHECK(cmtgen::backend::credentials_file(environment({{"CLAUDE_CONFIG_DIR", "/etc/claude-u"}})) ==
        "/etc/claude-u/.credentials.json");
  CHECK(cmtgen::backend::credentials_file(environment({{"CLAUDE_CONFIG_DIR", ""}})) ==
        "/home/u/.claude/.credentials.json");
}

TEST_CASE("auto mode removes an API key that would override a stored login", "[backend]")
{
  const auto plan = plan_credentials(Auth::automatic, environment({{"ANTHROPIC_API_KEY", "sk-ant-stale"}}), true);
  CHECK_FALSE(plan.env.get(k_key));
  CHECK(plan.login);
  CHECK_FALSE(plan.api_key);
  CHECK(has(plan.used, "subscription login"));
  CHECK(has(plan.used, k_stored));
  CHECK(has(plan.ignored, "ANTHROPIC_API_KEY"));
  CHECK(has(plan.ignored, k_stored));
  CHECK(has(plan.ignored, "cmtgen.auth=api-key"));
  CHECK_FALSE(plan.error);
  CHECK(plan.env.get("HOME") == "/home/u");
}

TEST_CASE("auto mode removes an API key that would override CLAUDE_CODE_OAUTH_TOKEN", "[backend]")
{
  const auto plan = plan_credentials(
    Auth::automatic,
    environment({{"ANTHROPIC_API_KEY", "sk-ant-stale"}, {"CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-x"}}), false);
  CHECK_FALSE(plan.env.get(k_key));
  CHECK(plan.env.get(k_oauth) == "sk-ant-oat01-x");
  CHECK(plan.login);
  CHECK(has(plan.used, "CLAUDE_CODE_OAUTH_TOKEN"));
  CHECK(has(plan.ignored, "ANTHROPIC_API_KEY"));
  CHECK(has(plan.ignored, "CLAUDE_CODE_OAUTH_TOKEN"));
}

TEST_CASE("auto mode keeps an API key when there is no login", "[backend]")
{
  const auto plan = plan_credentials(Auth::automatic, environment({{"ANTHROPIC_API_KEY", "sk-ant-real"}}), false);
  CHECK(plan.env.get(k_key) == "sk-ant-real");
  CHECK(plan.api_key);
  CHECK_FALSE(plan.login);
  CHECK(has(plan.used, "ANTHROPIC_API_KEY"));
  CHECK(plan.ignored.empty());
}

TEST_CASE("auto mode removes blank credentials, which are never credentials", "[backend]")
{
  for (const char* blank : {"", "  ", "\t"}) {
    INFO("'" << blank << "'");
    const auto plan = plan_credentials(
      Auth::automatic,
      environment({{"ANTHROPIC_API_KEY", blank}, {"ANTHROPIC_AUTH_TOKEN", blank}, {"CLAUDE_CODE_OAUTH_TOKEN", blank}}),
      true);
    CHECK_FALSE(plan.env.get(k_key));
    CHECK_FALSE(plan.env.get(k_token));
    CHECK_FALSE(plan.env.get(k_oauth));
    CHECK(has(plan.ignored, "ANTHROPIC_API_KEY (empty)"));
    CHECK(has(plan.ignored, "ANTHROPIC_AUTH_TOKEN (empty)"));
    CHECK(has(plan.ignored, "CLAUDE_CODE_OAUTH_TOKEN (empty)"));
    CHECK(has(plan.used, "subscription login"));
  }
}

TEST_CASE("a blank OAuth token does not count as a login", "[backend]")
{
  const auto plan = plan_credentials(
    Auth::automatic, environment({{"ANTHROPIC_API_KEY", "sk-ant-real"}, {"CLAUDE_CODE_OAUTH_TOKEN", " "}}), false);
  CHECK(plan.env.get(k_key) == "sk-ant-real");
  CHECK(plan.api_key);
  CHECK_FALSE(plan.login);
}

TEST_CASE("auto mode keeps a gateway's auth token, which claude uses first", "[backend]")
{
  const auto plan = plan_credentials(
    Auth::automatic, environment({{"ANTHROPIC_AUTH_TOKEN", "gw-token"}, {"ANTHROPIC_API_KEY", "sk-ant-stale"}}), true);
  CHECK(plan.env.get(k_token) == "gw-token");
  CHECK_FALSE(plan.env.get(k_key));
  CHECK(plan.auth_token);
  CHECK(has(plan.used, "ANTHROPIC_AUTH_TOKEN"));
}

TEST_CASE("auto mode with a stored login and nothing in the environment uses the login", "[backend]")
{
  const auto plan = login_plan();
  CHECK(plan.login);
  CHECK(has(plan.used, k_stored));
  CHECK(plan.ignored.empty());
}

TEST_CASE("auto mode without any credential says so", "[backend]")
{
  const auto plan = no_credential_plan();
  CHECK_FALSE(plan.login);
  CHECK_FALSE(plan.api_key);
  CHECK_FALSE(plan.auth_token);
  CHECK(has(plan.used, "none"));
  CHECK_FALSE(plan.error);
}

TEST_CASE("the login's path follows CLAUDE_CONFIG_DIR in what is used and ignored", "[backend]")
{
  const auto plan = plan_credentials(
    Auth::automatic, environment({{"ANTHROPIC_API_KEY", "sk"}, {"CLAUDE_CONFIG_DIR", "/srv/claude"}}), true);
  CHECK(has(plan.used, "/srv/claude/.credentials.json"));
  CHECK(has(plan.ignored, "/srv/claude/.credentials.json"));
}

TEST_CASE("subscription mode removes the API key and the auth token, set or blank", "[backend]")
{
  for (const bool stored : {true, false}) {
    INFO("stored login " << stored);
    const auto plan = plan_credentials(
      Auth::subscription, environment({{"ANTHROPIC_API_KEY", "sk-ant"}, {"ANTHROPIC_AUTH_TOKEN", ""}}), stored);
    CHECK_FALSE(plan.env.get(k_key));
    CHECK_FALSE(plan.env.get(k_token));
    CHECK(has(plan.ignored, "ANTHROPIC_API_KEY (removed: cmtgen.auth=subscription)"));
    CHECK(has(plan.ignored, "ANTHROPIC_AUTH_TOKEN (removed: cmtgen.auth=subscription)"));
    CHECK_FALSE(plan.api_key);
    CHECK(plan.login == stored);
    CHECK(has(plan.used, stored ? "subscription login" : "none"));
  }
}

TEST_CASE("subscription mode keeps an OAuth token and drops a blank one", "[backend]")
{
  const auto token = plan_credentials(Auth::subscription, environment({{"CLAUDE_CODE_OAUTH_TOKEN", "oat"}}), false);
  CHECK(token.env.get(k_oauth) == "oat");
  CHECK(has(token.used, "CLAUDE_CODE_OAUTH_TOKEN"));
  CHECK(token.ignored.empty());

  const auto blank = plan_credentials(Auth::subscription, environment({{"CLAUDE_CODE_OAUTH_TOKEN", ""}}), true);
  CHECK_FALSE(blank.env.get(k_oauth));
  CHECK(has(blank.used, "subscription login"));
}

TEST_CASE("api-key mode keeps the key, removes the auth token and ignores the login", "[backend]")
{
  const auto plan = plan_credentials(
    Auth::api_key, environment({{"ANTHROPIC_API_KEY", "sk-ant"}, {"ANTHROPIC_AUTH_TOKEN", "gw"}}), true);
  CHECK(plan.env.get(k_key) == "sk-ant");
  CHECK_FALSE(plan.env.get(k_token));
  CHECK(plan.api_key);
  CHECK(has(plan.used, "ANTHROPIC_API_KEY"));
  CHECK(has(plan.ignored, "ANTHROPIC_AUTH_TOKEN"));
  CHECK_FALSE(plan.error);
}

TEST_CASE("api-key mode without a usable key is an error that says how the key is wrong", "[backend]")
{
  const auto unset = plan_credentials(Auth::api_key, environment({}), true);
  REQUIRE(unset.error);
  CHECK(has(*unset.error, "ANTHROPIC_API_KEY is not set"));
  CHECK(has(*unset.error, "cmtgen.auth"));

  const auto blank = plan_credentials(Auth::api_key, environment({{"ANTHROPIC_API_KEY", "  "}}), false);
  REQUIRE(blank.error);
  CHECK(has(*blank.error, "ANTHROPIC_API_KEY is empty"));
}

TEST_CASE("inherit mode passes the environment through untouched", "[backend]")
{
  const auto env =
    environment({{"ANTHROPIC_API_KEY", ""}, {"ANTHROPIC_AUTH_TOKEN", "gw"}, {"CLAUDE_CODE_OAUTH_TOKEN", "  "}});
  for (const bool stored : {true, false}) {
    const auto plan = plan_credentials(Auth::inherit, env, stored);
    CHECK(plan.env.map() == env.map());
    CHECK(plan.ignored.empty());
    CHECK_FALSE(plan.error);
    CHECK(has(plan.used, "ANTHROPIC_AUTH_TOKEN"));
  }
  const auto key = plan_credentials(Auth::inherit, environment({{"ANTHROPIC_API_KEY", "sk"}}), true);
  CHECK(key.env.get(k_key) == "sk");
  CHECK(key.api_key);
}

TEST_CASE("every mode and environment gives a plan whose used credential is really in the environment", "[backend]")
{
  const std::vector<const char*> values = {nullptr, "", "value"};
  for (const Auth mode : {Auth::automatic, Auth::subscription, Auth::api_key, Auth::inherit}) {
    for (const char* key : values) {
      for (const char* token : values) {
        for (const char* oauth : values) {
          for (const bool stored : {true, false}) {
            util::Environment env = environment({});
            if (key) {
              env.set(std::string(k_key), key);
            }
            if (token) {
              env.set(std::string(k_token), token);
            }
            if (oauth) {
              env.set(std::string(k_oauth), oauth);
            }
            const auto plan = plan_credentials(mode, env, stored);
            INFO("mode " << cmtgen::auth_name(mode) << " key " << (key ? key : "(unset)") << " token "
                         << (token ? token : "(unset)") << " oauth " << (oauth ? oauth : "(unset)") << " stored "
                         << stored << " -> used: " << plan.used << "; ignored: " << plan.ignored);
            CHECK(plan.api_key == (plan.env.has_value(k_key) && !plan.env.has_value(k_token)));
            CHECK(plan.auth_token == plan.env.has_value(k_token));
            CHECK_FALSE(plan.used.empty());
            // Whatever was removed is named as ignored.
            for (const auto name : {k_key, k_token, k_oauth}) {
              if (env.get(name) && !plan.env.get(name)) {
                CHECK(has(plan.ignored, name));
              }
            }
            if (mode == Auth::subscription) {
              CHECK_FALSE(plan.env.get(k_key));
              CHECK_FALSE(plan.env.get(k_token));
            }
            if (mode == Auth::api_key) {
              CHECK(plan.error.has_value() == !(key && std::string_view(key) == "value"));
            } else {
              CHECK_FALSE(plan.error);
            }
            if (mode == Auth::automatic && key && std::string_view(key) == "value" &&
                (stored || (oauth && std::string_view(oauth) == "value"))) {
              CHECK_FALSE(plan.env.get(k_key));
            }
          }
        }
      }
    }
  }
}

// ---- claude's argv and environment ----------------------------------------------------------

TEST_CASE("claude runs with the exact hermetic argv", "[backend]")
{
  Config config;
  config.model = "sonnet";
  CHECK(cmtgen::backend::claude_arguments(config, "/tmp/x/system-prompt.txt") ==
        std::vector<std::string>{"-p", "--output-format", "json", "--tools=", "--setting-sources=",
                                 "--strict-mcp-config", "--no-session-persistence", "--max-turns", "1", "--model",
                                 "sonnet", "--system-prompt-file", "/tmp/x/system-prompt.txt"});

  config.setting_sources = "user";
  const auto arguments = cmtgen::backend::claude_arguments(config, "/p");
  CHECK(std::count(arguments.begin(), arguments.end(), "--setting-sources=user") == 1);
  CHECK(std::count(arguments.begin(), arguments.end(), "--tools=") == 1);
  CHECK(std::count(arguments.begin(), arguments.end(), "--tools") == 0);
}

TEST_CASE("claude's environment has no repo-local git variable and the fail-fast switches", "[backend]")
{
  // What this machine's git itself calls repository-local, plus the GIT_CONFIG_KEY_n /
  // VALUE_n pairs that `git -c` exports.
  util::RunRequest ask;
  ask.argv = {"git", "rev-parse", "--local-env-vars"};
  ask.timeout = std::chrono::seconds(30);
  const auto answer = util::system_runner().run(ask);
  REQUIRE(answer.succeeded());
  std::vector<std::string> local;
  for (const auto name : util::split_lines(answer.out)) {
    if (!util::trim(name).empty()) {
      local.emplace_back(util::trim(name));
    }
  }
  REQUIRE(local.size() >= 10);
  for (const char* name :
       {"GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_KEY_1", "GIT_CONFIG_VALUE_1", "GIT_CONFIG_KEY_12"}) {
    local.emplace_back(name);
  }
  util::Environment env = environment({{"CLAUDE_CODE_OAUTH_TOKEN", "oat"}, {"GIT_EDITOR", ":"}});
  for (const auto& name : local) {
    env.set(name, "x");
  }
  CredentialPlan plan = plan_credentials(Auth::automatic, env, false);
  Config config;
  config.timeout = std::chrono::seconds(60);
  const auto child = cmtgen::backend::claude_environment(plan, config);
  for (const auto& name : local) {
    INFO(name);
    CHECK_FALSE(child.get(name));
  }
  CHECK(child.get("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC") == "1");
  REQUIRE(child.get("CLAUDE_CODE_MAX_RETRIES"));
  CHECK(std::stoi(*child.get("CLAUDE_CODE_MAX_RETRIES")) <= 3);
  CHECK(child.get("HOME") == "/home/u");
  CHECK(child.get("PATH") == "/usr/bin:/bin");
  CHECK(child.get(k_oauth) == "oat");
  // Not repo-local: it says nothing about which repository.
  CHECK(child.get("GIT_EDITOR") == ":");
  // The CLI's own API timeout ends before cmtgen's deadline, so the failure has a name.
  REQUIRE(child.get("API_TIMEOUT_MS"));
  CHECK(std::stoll(*child.get("API_TIMEOUT_MS")) < 60000);
}

TEST_CASE("claude's environment keeps the credential plan's removals", "[backend]")
{
  const auto plan = plan_credentials(Auth::subscription, environment({{"ANTHROPIC_API_KEY", "sk"}}), true);
  const auto child = cmtgen::backend::claude_environment(plan, Config());
  CHECK_FALSE(child.get(k_key));
}

// ---- judging claude's reply -----------------------------------------------------------------

TEST_CASE("a successful JSON reply gives the cleaned message, the cost and the model that answered", "[backend]")
{
  const std::string out =
    R"({"type":"result","subtype":"success","is_error":false,"duration_ms":2345,"num_turns":1,)"
    R"("result":"```\nFix the parser\n\nIt dropped the last line.\n```","session_id":"abc",)"
    R"("total_cost_usd":0.00123,"usage":{"input_tokens":812,"output_tokens":40},)"
    R"("modelUsage":{"claude-haiku-4-5-20251001":{"inputTokens":812,"outputTokens":40,"costUSD":0.00123}}})";
  Config config;
  config.model = "haiku";
  const auto generation = judge(exited(0, out), login_plan(), config);
  REQUIRE(generation.ok);
  CHECK(generation.messages == std::vector<std::string>{"Fix the parser\n\nIt dropped the last line."});
  REQUIRE(generation.cost_usd);
  CHECK(*generation.cost_usd == Approx(0.00123));
  CHECK(generation.model == "claude-haiku-4-5-20251001");
}

TEST_CASE("a successful reply with alternatives gives every candidate", "[backend]")
{
  const std::string out = R"({"type":"result","subtype":"success","is_error":false,"result":"Fix a\n=====\nFix b"})";
  const auto generation = judge(exited(0, out), login_plan(), Config(), 2);
  REQUIRE(generation.ok);
  CHECK(generation.messages == std::vector<std::string>{"Fix a", "Fix b"});
  CHECK(generation.model == "haiku"); // no modelUsage: the configured model
  CHECK_FALSE(generation.cost_usd);
}

TEST_CASE("a warning line before the JSON object is skipped", "[backend]")
{
  const std::string out = "Warning: something odd\n"
                          R"({"type":"result","subtype":"success","is_error":false,"result":"Fix a"})";
  const auto generation = judge(exited(0, out), login_plan());
  REQUIRE(generation.ok);
  CHECK(generation.messages == std::vector<std::string>{"Fix a"});
}

TEST_CASE("a rejected API key is api-key-rejected and names the key and the subscription fix", "[backend]")
{
  const auto plan = api_key_plan();
  const auto generation = judge(exited(1, api_error("Invalid API key · Fix external API key", "401")), plan);
  CHECK_FALSE(generation.ok);
  CHECK(generation.failure == Failure::api_key_rejected);
  CHECK(has(generation.diagnosis, "ANTHROPIC_API_KEY"));
  CHECK(has(generation.diagnosis, "cmtgen.auth subscription"));
  CHECK(has(generation.diagnosis, "credential used: ANTHROPIC_API_KEY"));
  CHECK(has(generation.raw, "Invalid API key"));

  // The same text with exit status 0 (the CLI sometimes exits 0 with is_error) is the same failure.
  CHECK(judge(exited(0, api_error("Invalid API key · Fix external API key", "401")), plan).failure ==
        Failure::api_key_rejected);
  // A 401 while claude sends the key, whatever the wording.
  CHECK(judge(exited(1, api_error("API Error: 401 unauthorized", "401")), plan).failure == Failure::api_key_rejected);
}

TEST_CASE("not logged in without a login is not-logged-in and says how to log in", "[backend]")
{
  const auto generation = judge(exited(1, api_error("Not logged in · Please run /login", "")), no_credential_plan());
  CHECK(generation.failure == Failure::not_logged_in);
  CHECK(has(generation.diagnosis, "/login"));
  CHECK(has(generation.diagnosis, "claude setup-token"));
  CHECK(has(generation.diagnosis, "credential used: none"));
}

TEST_CASE("not logged in although a login exists is login-expired", "[backend]")
{
  const auto generation = judge(exited(1, api_error("Not logged in · Please run /login", "")), login_plan());
  CHECK(generation.failure == Failure::login_expired);
  CHECK(has(generation.diagnosis, "/login"));
  CHECK(has(generation.diagnosis, k_stored));

  const auto expired = judge(
    exited(1, api_error("OAuth token has expired. Please obtain a new token or refresh your existing token.", "401")),
    login_plan());
  CHECK(expired.failure == Failure::login_expired);
}

TEST_CASE("a 403 is auth-forbidden and quotes the API's words", "[backend]")
{
  const auto generation = judge(
    exited(
      1,
      api_error(
        R"(Failed to authenticate. API Error: 403 {\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"OAuth authentication is currently not supported.\"}})",
        "403")),
    login_plan());
  CHECK(generation.failure == Failure::auth_forbidden);
  CHECK(has(generation.diagnosis, "403"));
  CHECK(has(generation.diagnosis, "Failed to authenticate"));
  CHECK(has(generation.diagnosis, "/login"));
}

TEST_CASE("a 404 for the model is model-unavailable and names the configured model", "[backend]")
{
  Config config;
  config.model = "claude-nope-9";
  const auto generation = judge(
    exited(1, api_error("There's an issue with the selected model (claude-nope-9). It may not exist or you may not "
                        "have access to it. Run --model to pick a different model.",
                        "404")),
    login_plan(), config);
  CHECK(generation.failure == Failure::model_unavailable);
  CHECK(has(generation.diagnosis, "claude-nope-9"));
  CHECK(has(generation.diagnosis, "cmtgen.model"));
}

TEST_CASE("a 429 is rate-limited", "[backend]")
{
  const auto generation =
    judge(exited(1, api_error("API Error: Request rejected (429) · This request would exceed the rate limit", "429")),
          login_plan());
  CHECK(generation.failure == Failure::rate_limited);
  CHECK(has(generation.diagnosis, "429"));
  CHECK(has(generation.diagnosis, "retry"));

  // Recognized by the wording too, without a status.
  CHECK(judge(exited(1, api_error("API Error: Request rejected (429) · slow down", "")), login_plan()).failure ==
        Failure::rate_limited);
}

TEST_CASE("a 529 is overloaded", "[backend]")
{
  const auto generation = judge(
    exited(
      1,
      api_error(
        R"(API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}})",
        "529")),
    login_plan());
  CHECK(generation.failure == Failure::overloaded);
  CHECK(has(generation.diagnosis, "retry"));
}

TEST_CASE("a connection failure is network and points at the network settings", "[backend]")
{
  const auto generation =
    judge(exited(1, api_error("API Error: Unable to connect to API (ConnectionRefused)", "")), login_plan());
  CHECK(generation.failure == Failure::network);
  CHECK(has(generation.diagnosis, "ConnectionRefused"));
  CHECK(has(generation.diagnosis, "ANTHROPIC_BASE_URL"));
}

TEST_CASE("an API timeout reported by claude is timed-out and suggests a longer cmtgen.timeout", "[backend]")
{
  Config config;
  config.timeout = std::chrono::seconds(45);
  const auto generation = judge(exited(1, api_error("Request timed out", "")), login_plan(), config);
  CHECK(generation.failure == Failure::timed_out);
  CHECK(has(generation.diagnosis, "cmtgen.timeout 90"));
}

TEST_CASE("a 413 is prompt-too-large and suggests a smaller cmtgen.maxPromptBytes", "[backend]")
{
  const auto generation = judge(exited(1, api_error("Request too large (max 32MB)", "413")), login_plan());
  CHECK(generation.failure == Failure::prompt_too_large);
  CHECK(has(generation.diagnosis, "cmtgen.maxPromptBytes"));
}

TEST_CASE("error_max_turns is backend-failed naming the subtype", "[backend]")
{
  const std::string out =
    R"j({"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":2,)j"
    R"j("errors":["Reached maximum number of turns (1)"],"total_cost_usd":0.0004,"modelUsage":{}})j";
  const auto generation = judge(exited(1, out), login_plan());
  CHECK_FALSE(generation.ok);
  CHECK(generation.failure == Failure::backend_failed);
  CHECK(has(generation.diagnosis, "error_max_turns"));
  REQUIRE(generation.cost_usd);
  CHECK(*generation.cost_usd == Approx(0.0004));

  // Even with exit status 0.
  CHECK(judge(exited(0, out), login_plan()).failure == Failure::backend_failed);
}

TEST_CASE("an error without a result text is classified from its errors list", "[backend]")
{
  const std::string out =
    R"({"type":"result","subtype":"error_during_execution","is_error":true,"errors":["API Error: 529 Overloaded"]})";
  CHECK(judge(exited(1, out), login_plan()).failure == Failure::overloaded);
}

TEST_CASE("stdout that is not claude's JSON with exit 0 is malformed-reply", "[backend]")
{
  for (const char* out : {"Fix the parser\n", "", "{not json", "[1, 2]", R"("just a string")"}) {
    INFO(out);
    const auto generation = judge(exited(0, out), login_plan());
    CHECK_FALSE(generation.ok);
    CHECK(generation.failure == Failure::malformed_reply);
    CHECK(has(generation.diagnosis, "cmtgen doctor"));
  }
}

TEST_CASE("exit 1 with empty stdout is backend-failed quoting stderr", "[backend]")
{
  const auto generation =
    judge(exited(1, "", "Error: Input must be provided either through stdin or as a prompt argument\n  at x\n"),
          login_plan());
  CHECK(generation.failure == Failure::backend_failed);
  CHECK(has(generation.diagnosis, "status 1"));
  CHECK(has(generation.diagnosis, "Error: Input must be provided either through stdin or as a prompt argument"));
  CHECK_FALSE(has(generation.diagnosis, "at x"));

  const auto silent = judge(exited(3, "", ""), login_plan());
  CHECK(silent.failure == Failure::backend_failed);
  CHECK(has(silent.diagnosis, "status 3"));
}

TEST_CASE("a run that timed out, was not found or was killed has its own failure", "[backend]")
{
  Config config;
  config.timeout = std::chrono::seconds(30);

  util::RunResult timed_out;
  timed_out.reason = util::RunReason::timed_out;
  const auto late = judge(timed_out, login_plan(), config);
  CHECK(late.failure == Failure::timed_out);
  CHECK(has(late.diagnosis, "30 s"));
  CHECK(has(late.diagnosis, "cmtgen.timeout 60"));

  util::RunResult missing;
  missing.reason = util::RunReason::not_found;
  missing.error = "/opt/claude: No such file or directory";
  const auto not_found = judge(missing, login_plan(), config);
  CHECK(not_found.failure == Failure::claude_not_found);
  CHECK(has(not_found.diagnosis, "/opt/claude"));

  util::RunResult spawn;
  spawn.reason = util::RunReason::spawn_failed;
  spawn.error = "Permission denied";
  CHECK(judge(spawn, login_plan(), config).failure == Failure::claude_not_found);

  util::RunResult killed;
  killed.reason = util::RunReason::signaled;
  killed.signal = 9;
  const auto signaled = judge(killed, login_plan(), config);
  CHECK(signaled.failure == Failure::backend_failed);
  CHECK(has(signaled.diagnosis, "signal 9"));
}

TEST_CASE("an empty result is empty-reply", "[backend]")
{
  for (const char* result : {"", "   ", R"(```\n```)", R"(\n\n)"}) {
    INFO(result);
    const std::string out =
      fmt::format(R"({{"type":"result","subtype":"success","is_error":false,"result":"{}"}})", result);
    const auto generation = judge(exited(0, out), login_plan());
    CHECK_FALSE(generation.ok);
    CHECK(generation.failure == Failure::empty_reply);
  }
}

TEST_CASE("an unrecognized API error is backend-failed quoting its first line", "[backend]")
{
  const auto generation = judge(exited(1, api_error(R"(Something new happened\nsecond line)", "")), login_plan());
  CHECK(generation.failure == Failure::backend_failed);
  CHECK(has(generation.diagnosis, "Something new happened"));
  CHECK_FALSE(has(generation.diagnosis, "second line"));
}

// ---- hostile output ----------------------------------------------------------------------

namespace {

std::string
nested(std::size_t depth, char open = '[')
{
  const char close = open == '[' ? ']' : '}';
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) {
    text += open == '[' ? "[" : R"({"a":)";
  }
  text += open == '[' ? "" : "null";
  text.append(depth, close);
  return text;
}

std::string
error_with_errors(std::string_view errors, std::string_view subtype = "success")
{
  return fmt::format(R"({{"type":"result","subtype":"{}","is_error":true,"errors":{}}})", subtype, errors);
}

} // namespace

TEST_CASE("JSON from outside nesting deeper than 64 levels is refused before parsing", "[backend]")
{
  using cmtgen::backend::JsonRead;
  using cmtgen::backend::k_max_json_depth;
  using cmtgen::backend::read_json;
  nlohmann::json value;
  CHECK(read_json(nested(k_max_json_depth), value) == JsonRead::ok);
  CHECK(read_json(nested(k_max_json_depth + 1), value) == JsonRead::too_deep);
  CHECK(read_json(nested(k_max_json_depth, '{'), value) == JsonRead::ok);
  CHECK(read_json(nested(k_max_json_depth + 1, '{'), value) == JsonRead::too_deep);
  CHECK(read_json(nested(100000), value) == JsonRead::too_deep);
  CHECK(read_json(std::string(200000, '{'), value) == JsonRead::too_deep);
  // Brackets in strings, escaped quotes included, are text.
  const std::string in_string = fmt::format(R"({{"result":"{}\"{}"}})", std::string(1000, '['), std::string(1000, '{'));
  REQUIRE(read_json(in_string, value) == JsonRead::ok);
  CHECK(value["result"].get<std::string>().size() == 2001);
  CHECK(read_json("{not json", value) == JsonRead::invalid);
  // Deep but closed again: only the depth at one point counts.
  std::string wide;
  for (int i = 0; i < 1000; ++i) {
    wide += nested(10) + ",";
  }
  CHECK(read_json("[" + wide + "1]", value) == JsonRead::ok);
}

TEST_CASE("claude's error result nesting 100,000 levels deep is malformed-reply, not a crash", "[backend]")
{
  for (const auto& errors : {"[" + nested(100000) + "]", "[" + nested(100000, '{') + "]", nested(100000)}) {
    for (const char* subtype : {"success", "error_during_execution", "error_max_turns"}) {
      INFO(subtype);
      const auto generation = judge(exited(1, error_with_errors(errors, subtype)), login_plan());
      CHECK_FALSE(generation.ok);
      CHECK(generation.failure == Failure::malformed_reply);
      CHECK(has(generation.diagnosis, "deeper than 64 levels"));
      CHECK(generation.raw.size() <= cmtgen::backend::k_max_quoted_bytes + 3);
    }
  }
  // Exit 0 and a success subtype do not make a deep document acceptable.
  const std::string success =
    fmt::format(R"({{"type":"result","subtype":"success","is_error":false,"result":"Fix it","x":{}}})", nested(65));
  CHECK(judge(exited(0, success), login_plan()).failure == Failure::malformed_reply);
  // A reasonably nested errors list is still classified by its words.
  CHECK(judge(exited(1, error_with_errors(R"([["API Error: 529 Overloaded"]])")), login_plan()).failure ==
        Failure::overloaded);
}

TEST_CASE("stdout cut at the capture cap is reply-too-large even when the cut text looks complete", "[backend]")
{
  const std::string out = R"({"type":"result","subtype":"success","is_error":false,"result":"Fix the parser"})";
  util::RunResult run = exited(0, out);
  run.out_truncated = true;
  const auto generation = judge(run, login_plan());
  CHECK_FALSE(generation.ok);
  CHECK(generation.failure == Failure::reply_too_large);
  CHECK(generation.messages.empty());
  CHECK(has(generation.diagnosis, "more than"));

  run.exit_code = 1;
  CHECK(judge(run, login_plan()).failure == Failure::reply_too_large);
  // A cut stderr is harmless: only its first line is ever quoted.
  util::RunResult noisy = exited(0, out);
  noisy.err_truncated = true;
  CHECK(judge(noisy, login_plan()).ok);
  CHECK(cmtgen::failure_name(Failure::reply_too_large) == "reply-too-large");
}

TEST_CASE("a one-megabyte error line is quoted in at most 300 bytes, cut on a character boundary", "[backend]")
{
  std::string line = "API Error: ";
  for (int i = 0; i < 500000; ++i) {
    line += "é";
  }
  const auto generation = judge(exited(1, api_error(line, "")), login_plan());
  CHECK(generation.failure == Failure::backend_failed);
  CHECK(generation.diagnosis.size() < 400);
  CHECK(generation.raw.size() <= cmtgen::backend::k_max_quoted_bytes + 3);
  const std::string quoted = cmtgen::backend::quoted_line(line);
  CHECK(quoted.ends_with("…"));
  CHECK(quoted.size() <= cmtgen::backend::k_max_quoted_bytes + 3);
  CHECK(quoted.size() % 2 == 0); // "API Error: " is 11 bytes, each é 2, "…" 3: whole characters only
  CHECK(cmtgen::backend::quoted_line("  short\nsecond") == "short");
}

TEST_CASE("a relative cmtgen.claude with a slash is refused as a config error; a bare name uses PATH", "[backend]")
{
  using cmtgen::backend::is_relative_program_path;
  CHECK(is_relative_program_path("bin/claude"));
  CHECK(is_relative_program_path("./claude"));
  CHECK(is_relative_program_path("../tools/claude"));
  CHECK_FALSE(is_relative_program_path("claude-beta"));
  CHECK_FALSE(is_relative_program_path("/opt/claude"));
  CHECK_FALSE(is_relative_program_path("~/bin/claude"));

  Config config;
  config.claude = "bin/claude";
  config.origins.emplace_back("cmtgen.claude", "environment CMTGEN_CLAUDE");
  const auto location = cmtgen::backend::locate_claude(config, environment({}));
  CHECK_FALSE(location.path);
  CHECK(has(location.refused, "CMTGEN_CLAUDE=bin/claude is a relative path"));
  CHECK(has(location.refused, "absolute path"));

  config.origins = {{"cmtgen.claude", "global config"}};
  config.claude = "./claude";
  CHECK(has(cmtgen::backend::locate_claude(config, environment({})).refused,
            "cmtgen.claude (global config)=./claude is a relative path"));
}

TEST_CASE("claude found through a relative PATH entry is returned as an absolute path", "[backend]")
{
  namespace fs = std::filesystem;
  util::TemporaryDirectory dir("cmtgen-test-");
  const fs::path bin = dir.path() / "bin";
  fs::create_directory(bin);
  std::ofstream(bin / "claude") << "#!/bin/sh\n";
  fs::permissions(bin / "claude", fs::perms::owner_all);
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  Config config;
  const auto found = cmtgen::backend::locate_claude(config, environment({{"PATH", "bin"}}));
  config.claude = "claude";
  const auto named = cmtgen::backend::locate_claude(config, environment({{"PATH", "bin"}}));
  fs::current_path(before);
  REQUIRE(found.path);
  CHECK(found.path->is_absolute());
  CHECK(fs::equivalent(*found.path, bin / "claude"));
  REQUIRE(named.path);
  CHECK(named.path->is_absolute());
}

TEST_CASE("every claude run is hermetic: scratch cwd, claude's environment, auth status with setting sources",
          "[backend]")
{
  Config config;
  config.setting_sources = "user";
  CHECK(cmtgen::backend::auth_status_arguments(config) ==
        std::vector<std::string>{"--setting-sources=user", "auth", "status"});
  CHECK(cmtgen::backend::auth_status_arguments(Config()) ==
        std::vector<std::string>{"--setting-sources=", "auth", "status"});

  util::Environment env = environment({{"GIT_DIR", "/repo/.git"}, {"GIT_WORK_TREE", "/repo"}});
  const auto plan = plan_credentials(Auth::automatic, env, true);
  const cmtgen::backend::ClaudeScratch scratch;
  const auto request = cmtgen::backend::claude_request("/opt/claude", {"--version"}, plan, config, scratch);
  CHECK(request.argv == std::vector<std::string>{"/opt/claude", "--version"});
  CHECK(request.cwd == scratch.cwd());
  CHECK(std::filesystem::is_empty(scratch.cwd()));
  REQUIRE(request.env);
  CHECK_FALSE(request.env->get("GIT_DIR"));
  CHECK_FALSE(request.env->get("GIT_WORK_TREE"));
  CHECK(request.env->get("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC") == "1");
  // Files the run needs go beside the cwd, which stays empty.
  const auto file = scratch.write("system-prompt.txt", "text");
  CHECK(file.parent_path() == scratch.cwd().parent_path());
  CHECK(std::filesystem::is_empty(scratch.cwd()));
}

// ---- offline ------------------------------------------------------------------------------

TEST_CASE("the offline draft of one file names what happened to it", "[backend]")
{
  SECTION("added")
  {
    const auto message = offline_message({change("src/net/retry.cpp", Status::added, 40, 0)});
    CHECK(subject_of(message) == "Add src/net/retry.cpp");
    CHECK(message.ends_with("\n\n1 file changed, +40 -0 lines:\n- added: src/net/retry.cpp (+40 -0)"));
  }
  SECTION("modified")
  {
    CHECK(subject_of(offline_message({change("README.md", Status::modified, 3, 1)})) == "Update README.md");
  }
  SECTION("deleted")
  {
    const auto message = offline_message({change("old/tool.py", Status::deleted, 0, 12)});
    CHECK(subject_of(message) == "Remove old/tool.py");
    CHECK(has(message, "- deleted: old/tool.py (+0 -12)"));
  }
  SECTION("renamed")
  {
    FileChange file = change("src/new_name.cpp", Status::renamed, 0, 0);
    file.old_path = "src/old_name.cpp";
    file.similarity = 100;
    const auto message = offline_message({file});
    CHECK(subject_of(message) == "Rename src/old_name.cpp to src/new_name.cpp");
    CHECK(has(message, "- renamed: src/old_name.cpp -> src/new_name.cpp (+0 -0)"));
  }
  SECTION("copied")
  {
    FileChange file = change("b.txt", Status::copied, 0, 0);
    file.old_path = "a.txt";
    CHECK(subject_of(offline_message({file})) == "Copy a.txt to b.txt");
  }
  SECTION("type changed")
  {
    FileChange file = change("bin/tool", Status::type_changed, -1, -1);
    file.new_mode = cmtgen::git::k_mode_link;
    CHECK(subject_of(offline_message({file})) == "Turn bin/tool into a symlink");
    file.old_mode = cmtgen::git::k_mode_link;
    file.new_mode = 0100644;
    CHECK(subject_of(offline_message({file})) == "Turn bin/tool into a regular file");
  }
  SECTION("mode change")
  {
    FileChange file = change("build.sh", Status::modified, 0, 0);
    file.new_mode = cmtgen::git::k_mode_executable;
    CHECK(subject_of(offline_message({file})) == "Make build.sh executable");
    file.old_mode = cmtgen::git::k_mode_executable;
    file.new_mode = 0100644;
    CHECK(subject_of(offline_message({file})) == "Change the mode of build.sh");
  }
  SECTION("submodule")
  {
    FileChange file = change("vendor/lib", Status::modified, -1, -1);
    file.old_mode = cmtgen::git::k_mode_gitlink;
    file.new_mode = cmtgen::git::k_mode_gitlink;
    const auto message = offline_message({file});
    CHECK(subject_of(message) == "Update submodule vendor/lib");
    CHECK(has(message, "- modified: vendor/lib (submodule)"));
  }
  SECTION("binary")
  {
    FileChange file = change("logo.png", Status::added, -1, -1);
    file.binary = true;
    const auto message = offline_message({file});
    CHECK(subject_of(message) == "Add logo.png");
    CHECK(has(message, "- added: logo.png (binary)"));
    CHECK(has(message, "+0 -0 lines"));
  }
}

TEST_CASE("the offline draft of two or three files names each of them", "[backend]")
{
  CHECK(subject_of(offline_message({change("docs/a.md", Status::modified), change("src/b.cpp", Status::added)})) ==
        "Update a.md and add b.cpp");
  CHECK(subject_of(offline_message({change("README.md", Status::modified), change("src/b.cpp", Status::modified),
                                    change("tests/c.cpp", Status::deleted)})) ==
        "Update README.md, update b.cpp and remove c.cpp");
}

TEST_CASE("the offline draft of two or three files with long names falls back to their directory", "[backend]")
{
  const std::string name(30, 'n');
  const auto message = offline_message(
    {change("src/net/" + name + "1.cpp", Status::added), change("src/net/" + name + "2.cpp", Status::added)});
  CHECK(subject_of(message) == "Add 2 files in src/net");
}

TEST_CASE("the offline draft of many files in one directory names the directory", "[backend]")
{
  const auto added = offline_message({change("src/net/a.cpp", Status::added), change("src/net/b.cpp", Status::added),
                                      change("src/net/c.hpp", Status::added), change("src/net/d.hpp", Status::added)});
  CHECK(subject_of(added) == "Add 4 files in src/net");
  CHECK(has(added, "4 files changed, +4 -0 lines:"));

  const auto nested =
    offline_message({change("src/net/a.cpp", Status::modified, 2, 1), change("src/util/b.cpp", Status::deleted, 0, 5),
                     change("src/util/c.cpp", Status::added, 1, 0), change("src/d.cpp", Status::modified, 1, 1)});
  CHECK(subject_of(nested) == "Update 4 files in src");

  const auto removed = offline_message({change("old/a", Status::deleted), change("old/b", Status::deleted),
                                        change("old/c", Status::deleted), change("old/d", Status::deleted)});
  CHECK(subject_of(removed) == "Remove 4 files in old");
}

TEST_CASE("the offline draft of many files across directories names them or counts them", "[backend]")
{
  CHECK(subject_of(offline_message({change("docs/a.md", Status::modified), change("docs/b.md", Status::modified),
                                    change("src/c.cpp", Status::modified), change("src/d.cpp", Status::modified)})) ==
        "Update 4 files in docs and src");
  CHECK(subject_of(offline_message({change("README.md", Status::modified), change("src/b.cpp", Status::modified),
                                    change("tests/c.cpp", Status::added), change("tests/d.cpp", Status::added)})) ==
        "Update 4 files in src, tests and the top directory");
  CHECK(subject_of(offline_message({change("a/1", Status::added), change("b/2", Status::added),
                                    change("c/3", Status::added), change("d/4", Status::added)})) ==
        "Add 4 files across 4 directories");
  // A shared name prefix is not a shared directory.
  CHECK(subject_of(offline_message({change("src/a", Status::added), change("src/b", Status::added),
                                    change("srcgen/c", Status::added), change("srcgen/d", Status::added)})) ==
        "Add 4 files in src and srcgen");
}

TEST_CASE("the offline draft lists at most 30 files and counts the rest", "[backend]")
{
  std::vector<FileChange> files;
  for (int i = 0; i < 35; ++i) {
    files.push_back(change(fmt::format("gen/f{:02}.txt", i), Status::added, 2, 0));
  }
  const auto message = offline_message(files);
  CHECK(has(message, "35 files changed, +70 -0 lines:"));
  CHECK(has(message, "- added: gen/f29.txt"));
  CHECK_FALSE(has(message, "gen/f30.txt"));
  CHECK(message.ends_with("- and 5 more files"));
}

TEST_CASE("the offline subject stays within 72 characters even for very long paths", "[backend]")
{
  const std::string deep = "very/long/directory/structure/that/goes/on/and/on/for/quite/a/while/";
  const std::string long_name(100, 'x');
  const std::vector<std::vector<FileChange>> cases = {
    {change(deep + "file.cpp", Status::added)},
    {change(deep + long_name + ".cpp", Status::modified)},
    {change(long_name, Status::deleted)},
    {change(deep + "a.cpp", Status::added), change(deep + "b.cpp", Status::added)},
    {change(deep + long_name + "/a", Status::added), change(deep + long_name + "/b", Status::added)},
    {change(long_name + "/a", Status::added), change(long_name + "y/b", Status::added)},
  };
  for (const auto& files : cases) {
    const auto subject = subject_of(offline_message(files));
    INFO(subject);
    CHECK(subject.size() <= 72);
    CHECK_FALSE(subject.empty());
  }
  // A long path falls back to the file's name when that fits.
  CHECK(subject_of(offline_message({change(deep + "file.cpp", Status::added)})) == "Add file.cpp");
}

TEST_CASE("the offline draft is deterministic", "[backend]")
{
  const std::vector<FileChange> files = {change("src/a.cpp", Status::modified, 3, 2),
                                         change("docs/b.md", Status::added, 10, 0)};
  CHECK(offline_message(files) == offline_message(files));
  CHECK(offline_message({}).empty());
}
