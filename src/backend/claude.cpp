#include "backend/claude.hpp"

#include "backend/backends.hpp"
#include "message.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>

namespace cmtgen::backend {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// `git rev-parse --local-env-vars` (git 2.39): they point into the repository being
// committed; the CLI runs git in its cwd and must not see them.
constexpr std::array k_git_local_vars = {
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_OBJECT_DIRECTORY",
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_IMPLICIT_WORK_TREE",
  "GIT_GRAFT_FILE",
  "GIT_INDEX_FILE",
  "GIT_NO_REPLACE_OBJECTS",
  "GIT_REPLACE_REF_BASE",
  "GIT_PREFIX",
  "GIT_INTERNAL_SUPER_PREFIX",
  "GIT_SHALLOW_FILE",
  "GIT_COMMON_DIR",
};

// Whether arrays and objects in `text` nest deeper than `limit`; brackets inside strings do
// not count. One pass, no recursion, stops at the first level too deep.
bool
nests_deeper_than(std::string_view text, std::size_t limit)
{
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) {
        return true;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

Generation
failure(Failure kind, std::string diagnosis, std::string raw)
{
  Generation generation;
  generation.ok = false;
  generation.failure = kind;
  generation.diagnosis = std::move(diagnosis);
  generation.raw = std::move(raw);
  return generation;
}

std::string
with_credential(std::string line, const CredentialPlan& plan)
{
  line += fmt::format(" (credential used: {}", plan.used);
  if (!plan.ignored.empty()) {
    line += fmt::format("; ignored: {}", plan.ignored);
  }
  line += ')';
  return line;
}

// The CLI reports API failures as text in `result` plus the HTTP status; the wording was
// measured on 2.1.x (notes/claude-cli.md). Status codes first, wording second.
Generation
classify(const std::string& message, std::optional<int> status, const CredentialPlan& plan, const Config& config)
{
  const auto has = [&](std::string_view needle) { return util::icontains(message, needle); };
  const std::string quoted = quoted_line(message);

  if (has("invalid api key") || (status == 401 && plan.api_key)) {
    return failure(
      Failure::api_key_rejected,
      with_credential("claude rejected ANTHROPIC_API_KEY, which in -p mode overrides a subscription login: "
                      "unset it, or run `git config --global cmtgen.auth subscription`",
                      plan),
      quoted);
  }
  if (has("expired") && (status == 401 || has("oauth") || has("token"))) {
    return failure(Failure::login_expired,
                   with_credential("the claude login has expired: run `claude` then /login, or on a headless machine "
                                   "`claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN",
                                   plan),
                   quoted);
  }
  if (has("not logged in") || has("/login") || status == 401) {
    if (plan.login) {
      return failure(Failure::login_expired,
                     with_credential("claude's login was refused (expired or revoked): run `claude` then /login, or "
                                     "`claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN",
                                     plan),
                     quoted);
    }
    return failure(Failure::not_logged_in,
                   with_credential("claude is not logged in: run `claude` then /login, or on a headless machine "
                                   "`claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN",
                                   plan),
                   quoted);
  }
  if (status == 403 || has("failed to authenticate") || has("forbidden")) {
    return failure(Failure::auth_forbidden,
                   with_credential(fmt::format("the API refused the credential (403: {}): check the account's access, "
                                               "or log in again with `claude` then /login",
                                               quoted),
                                   plan),
                   quoted);
  }
  if (status == 429 || has("rate limit") || has("usage limit") || has("(429)")) {
    return failure(Failure::rate_limited,
                   "rate limited by the API (429): retry in a moment; a subscription's usage limit resets on its own "
                   "schedule",
                   quoted);
  }
  const int code = status.value_or(0);
  if (code == 529 || code == 500 || code == 502 || code == 503 || has("overloaded")) {
    return failure(Failure::overloaded, fmt::format("the API is overloaded or failing ({}): retry in a minute", quoted),
                   quoted);
  }
  if (status == 404 || has("selected model") || has("model not found") || has("not_found_error")) {
    return failure(Failure::model_unavailable,
                   fmt::format("model '{}' is not available to this credential: choose another with "
                               "`git config --global cmtgen.model sonnet`",
                               config.model),
                   quoted);
  }
  if (status == 413 || has("too large") || has("too long")) {
    return failure(Failure::prompt_too_large,
                   "the API refused the prompt as too large: lower it with `git config cmtgen.maxPromptBytes 30000`",
                   quoted);
  }
  // The API answered 200 with something that is not a message stream.
  if (has("malformed response") || has("stream ended without receiving")) {
    return failure(Failure::malformed_reply,
                   fmt::format("the API's answer was not a valid message stream ({}): check ANTHROPIC_BASE_URL or "
                               "the gateway in between",
                               quoted),
                   quoted);
  }
  if (has("timed out") || has("timeout")) {
    return failure(Failure::timed_out,
                   fmt::format("the API did not answer in time ({}): retry, or raise `git config cmtgen.timeout {}`",
                               quoted, config.timeout.count() * 2),
                   quoted);
  }
  if (has("unable to connect") || has("connection") || has("econnrefused") || has("enotfound") || has("network") ||
      has("getaddrinfo") || has("socket")) {
    return failure(
      Failure::network,
      fmt::format("claude cannot reach the API ({}): check the network, proxy or ANTHROPIC_BASE_URL", quoted), quoted);
  }
  return failure(Failure::backend_failed, fmt::format("claude failed: {}", quoted.empty() ? "no message" : quoted),
                 quoted);
}

} // namespace

JsonRead
read_json(std::string_view text, json& out)
{
  if (nests_deeper_than(text, k_max_json_depth)) {
    return JsonRead::too_deep;
  }
  out = json::parse(text.begin(), text.end(), nullptr, false);
  return out.is_discarded() ? JsonRead::invalid : JsonRead::ok;
}

std::string
setting_origin(const Config& config, std::string_view key)
{
  std::string origin(key);
  for (const auto& [name, where] : config.origins) {
    if (name == key) {
      origin = where.starts_with("environment ") ? where.substr(12) : fmt::format("{} ({})", key, where);
    }
  }
  return origin;
}

bool
is_relative_program_path(std::string_view value)
{
  return value.find('/') != std::string_view::npos && !value.starts_with('/') && !value.starts_with("~/");
}

std::string
expand_home(std::string_view value, const util::Environment& env)
{
  if (!value.starts_with("~/")) {
    return std::string(value);
  }
  return (fs::path(env.get("HOME").value_or("")) / value.substr(2)).string();
}

std::string
relative_program_diagnosis(std::string_view origin, std::string_view value)
{
  return fmt::format("{}={} is a relative path, which would name a different file in the hook (run from the top "
                     "level), preview and doctor: give an absolute path (or ~/...), or a bare name to look up on PATH",
                     origin, value);
}

std::string
quoted_line(std::string_view text)
{
  text = util::trim(text);
  text = text.substr(0, std::min(text.find('\n'), text.size()));
  if (text.size() <= k_max_quoted_bytes) {
    return std::string(text);
  }
  // Cut on a UTF-8 character boundary.
  std::size_t end = k_max_quoted_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  return std::string(text.substr(0, end)) + "…";
}

ClaudeLocation
locate_claude(const Config& config, const util::Environment& env)
{
  ClaudeLocation location;
  if (!config.claude.empty()) {
    location.explicit_setting = true;
    const fs::path path = expand_home(config.claude, env);
    const std::string origin = setting_origin(config, "cmtgen.claude");
    location.searched.push_back(fmt::format("{}={}", origin, config.claude));
    if (is_relative_program_path(config.claude)) {
      location.refused = relative_program_diagnosis(origin, config.claude);
    } else if (config.claude.find('/') == std::string::npos) {
      location.path = util::find_executable(config.claude, env.get("PATH").value_or(""));
    } else if (util::is_executable_file(path)) {
      location.path = path;
    }
    if (location.path) {
      // A relative PATH entry: the run happens in a scratch directory.
      location.path = fs::absolute(*location.path);
    }
    return location;
  }

  location.searched.emplace_back("PATH");
  if (auto found = util::find_executable("claude", env.get("PATH").value_or(""))) {
    location.path = fs::absolute(*found);
    return location;
  }
  const fs::path home = env.get("HOME").value_or("");
  std::vector<fs::path> candidates = {
    home / ".claude/local/claude", home / ".local/bin/claude", home / ".npm-global/bin/claude",
    home / ".volta/bin/claude",    home / ".bun/bin/claude",   "/usr/local/bin/claude",
    "/opt/homebrew/bin/claude",    "/usr/bin/claude",
  };
  // nvm keeps one bin directory per Node version.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(home / ".nvm/versions/node", ec)) {
    candidates.push_back(entry.path() / "bin/claude");
  }
  for (const auto& candidate : candidates) {
    const std::string text = candidate.string();
    location.searched.push_back(
      !home.empty() && text.starts_with(home.string() + "/") ? "~" + text.substr(home.string().size()) : text);
    if (util::is_executable_file(candidate)) {
      location.path = candidate;
      return location;
    }
  }
  return location;
}

std::string
not_found_diagnosis(const ClaudeLocation& location)
{
  if (location.explicit_setting) {
    return fmt::format(
      "{} is not an executable claude: fix it with `git config --global cmtgen.claude /path/to/claude`",
      location.searched.front());
  }
  return fmt::format("claude not found (looked in {}): install Claude Code, or set "
                     "`git config --global cmtgen.claude /path/to/claude`",
                     util::join(location.searched, ", "));
}

std::vector<std::string>
claude_arguments(const Config& config, const fs::path& system_prompt_file)
{
  return {
    "-p",
    "--output-format",
    "json",
    // --tools is variadic: a separate empty argument would swallow what follows.
    "--tools=",
    fmt::format("--setting-sources={}", config.setting_sources),
    "--strict-mcp-config",
    "--no-session-persistence",
    "--max-turns",
    "1",
    "--model",
    config.model,
    "--system-prompt-file",
    system_prompt_file.string(),
  };
}

util::Environment
claude_environment(const CredentialPlan& plan, const Config& config)
{
  util::Environment env = plan.env;
  for (const char* name : k_git_local_vars) {
    env.unset(name);
  }
  for (const auto& [name, value] : plan.env.map()) {
    if (name.starts_with("GIT_CONFIG_KEY_") || name.starts_with("GIT_CONFIG_VALUE_")) {
      env.unset(name);
    }
  }
  env.set("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
  // The CLI's default of 10 retries turns a rejected key into three minutes of silence.
  env.set("CLAUDE_CODE_MAX_RETRIES", "2");
  // Let the CLI give up on a silent server before cmtgen's own deadline kills it, so the
  // failure has a name.
  const auto api_timeout = std::max<long long>(1000, static_cast<long long>(config.timeout.count()) * 1000 - 1500);
  env.set("API_TIMEOUT_MS", std::to_string(api_timeout));
  env.set("CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK", "1");
  return env;
}

std::vector<std::string>
auth_status_arguments(const Config& config)
{
  // Measured on 2.1.332: `auth status --setting-sources=` is an unknown option, while the
  // global option before the subcommand is honoured (an apiKeyHelper in a project's
  // .claude/settings.json then no longer counts as a login).
  return {fmt::format("--setting-sources={}", config.setting_sources), "auth", "status"};
}

ClaudeScratch::ClaudeScratch()
  : m_dir("cmtgen-")
  , m_cwd(m_dir.path() / "cwd")
{
  fs::create_directory(m_cwd);
}

fs::path
ClaudeScratch::write(std::string_view name, std::string_view content) const
{
  fs::path path = m_dir.path() / name;
  util::write_file_atomic(path, content, 0600);
  return path;
}

util::RunRequest
claude_request(const fs::path& claude,
               std::vector<std::string> arguments,
               const CredentialPlan& plan,
               const Config& config,
               const ClaudeScratch& scratch)
{
  util::RunRequest request;
  request.argv.reserve(arguments.size() + 1);
  request.argv.push_back(claude.string());
  for (auto& argument : arguments) {
    request.argv.push_back(std::move(argument));
  }
  request.env = claude_environment(plan, config);
  request.cwd = scratch.cwd();
  return request;
}

Generation
judge_claude(const util::RunResult& run, const CredentialPlan& plan, const Config& config, int candidates)
{
  switch (run.reason) {
    case util::RunReason::not_found:
    case util::RunReason::spawn_failed:
      return failure(Failure::claude_not_found, fmt::format("cannot run claude: {}", run.error), run.error);
    case util::RunReason::timed_out:
      return failure(Failure::timed_out,
                     fmt::format("claude did not answer within {} s (cmtgen.timeout): raise it with "
                                 "`git config --global cmtgen.timeout {}`",
                                 config.timeout.count(), config.timeout.count() * 2),
                     quoted_line(run.err));
    case util::RunReason::signaled:
      return failure(Failure::backend_failed, fmt::format("claude was killed by signal {}", run.signal),
                     quoted_line(run.err));
    case util::RunReason::exited: break;
  }

  if (run.out_truncated) {
    // A cut JSON document cannot be read, and a cut answer must never become a message.
    return failure(Failure::reply_too_large,
                   fmt::format("claude printed more than {} MiB, which no commit message needs: its answer was not "
                               "read; check ANTHROPIC_BASE_URL or the gateway in between, then retry",
                               run.out.size() / (1024 * 1024)),
                   quoted_line(run.out));
  }

  // --output-format json prints one object; anything before it (a warning) is skipped.
  const auto brace = run.out.find('{');
  json reply;
  JsonRead read = JsonRead::invalid;
  if (brace != std::string::npos) {
    read = read_json(std::string_view(run.out).substr(brace), reply);
  }
  if (read == JsonRead::too_deep) {
    return failure(Failure::malformed_reply,
                   fmt::format("claude's JSON result nests deeper than {} levels, which its result never does: it "
                               "was not read; check the installation with `cmtgen doctor`",
                               k_max_json_depth),
                   quoted_line(run.out));
  }
  if (read != JsonRead::ok || !reply.is_object()) {
    if (run.exit_code != 0) {
      const std::string why = quoted_line(run.err.empty() ? run.out : run.err);
      return failure(Failure::backend_failed,
                     fmt::format("claude exited with status {}: {}", run.exit_code,
                                 why.empty() ? "no output (run `cmtgen doctor`)" : why),
                     why);
    }
    return failure(Failure::malformed_reply,
                   "claude printed something that is not its JSON result: check the installation with `cmtgen doctor`",
                   quoted_line(run.out));
  }

  const std::string subtype = reply.value("subtype", "");
  const bool is_error = reply.value("is_error", true);
  std::string text;
  if (const auto it = reply.find("result"); it != reply.end() && it->is_string()) {
    text = it->get<std::string>();
  }

  Generation generation;
  if (run.exit_code == 0 && !is_error && subtype == "success") {
    generation.messages = message::clean_reply(text, candidates);
    if (generation.messages.empty()) {
      return failure(Failure::empty_reply, "claude returned an empty message: retry, or try another model", text);
    }
    generation.ok = true;
  } else if (subtype.starts_with("error_max_turns") || subtype.starts_with("error_max_budget")) {
    generation = failure(Failure::backend_failed, fmt::format("claude stopped early ({})", subtype), reply.dump());
  } else {
    std::optional<int> status;
    if (const auto it = reply.find("api_error_status"); it != reply.end() && it->is_number_integer()) {
      status = it->get<int>();
    }
    std::string what = text;
    if (what.empty()) {
      if (const auto errors = reply.find("errors"); errors != reply.end() && errors->is_array() && !errors->empty()) {
        what = errors->front().is_string() ? errors->front().get<std::string>() : errors->front().dump();
      }
    }
    generation = classify(what.empty() ? subtype : what, status, plan, config);
  }

  if (const auto cost = reply.find("total_cost_usd"); cost != reply.end() && cost->is_number()) {
    generation.cost_usd = cost->get<double>();
  }
  generation.model = config.model;
  if (const auto usage = reply.find("modelUsage"); usage != reply.end() && usage->is_object() && !usage->empty()) {
    generation.model = usage->begin().key();
  }
  return generation;
}

namespace {

class ClaudeBackend : public Backend
{
public:
  ClaudeBackend(const Config& config, util::Runner& runner, const util::Environment& env)
    : m_config(config)
    , m_runner(runner)
    , m_env(env)
  {
  }

  Generation generate(const Request& request) override
  {
    const auto started = std::chrono::steady_clock::now();
    Generation generation = run(request);
    generation.backend = "claude";
    if (generation.model.empty()) {
      generation.model = m_config.model;
    }
    generation.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return generation;
  }

private:
  Generation run(const Request& request)
  {
    const ClaudeLocation location = locate_claude(m_config, m_env);
    const bool stored_login = stored_login_exists(m_env);
    const CredentialPlan plan = plan_credentials(m_config.auth, m_env, stored_login);
    auto describe = [&](Generation generation) {
      generation.credential_used = plan.used;
      generation.credential_ignored = plan.ignored;
      return generation;
    };
    if (plan.error) {
      return describe(failure(Failure::api_key_missing, *plan.error, ""));
    }
    if (!location.refused.empty()) {
      return describe(failure(Failure::config, location.refused, ""));
    }
    if (!location.path) {
      return describe(failure(Failure::claude_not_found, not_found_diagnosis(location), ""));
    }
    CMTGEN_LOG("claude: {}; credential: {}; ignored: {}", location.path->string(), plan.used,
               plan.ignored.empty() ? "nothing" : plan.ignored);

    const ClaudeScratch scratch;
    const fs::path system_file = scratch.write("system-prompt.txt", request.system);
    util::RunRequest run =
      claude_request(*location.path, claude_arguments(m_config, system_file), plan, m_config, scratch);
    run.stdin_data = request.prompt;
    run.timeout = m_config.timeout;
    run.output_cap = 8 * 1024 * 1024;
    const util::RunResult result = m_runner.run(run);
    CMTGEN_LOG("claude: {} exit {} in {} ms; stderr: {}", util::reason_name(result.reason), result.exit_code,
               result.elapsed.count(), quoted_line(result.err));
    Generation generation = judge_claude(result, plan, m_config, request.candidates);
    if (!generation.ok) {
      CMTGEN_LOG("claude failure {}: {}", failure_name(generation.failure), generation.raw);
    }
    return describe(std::move(generation));
  }

  const Config& m_config;
  util::Runner& m_runner;
  util::Environment m_env;
};

} // namespace

std::unique_ptr<Backend>
make_claude_backend(const Config& config, util::Runner& runner, const util::Environment& env)
{
  return std::make_unique<ClaudeBackend>(config, runner, env);
}

} // namespace cmtgen::backend
