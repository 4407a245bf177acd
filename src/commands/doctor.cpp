// `cmtgen doctor [--live]`: one line per check, then a verdict. Exit 0 only when a commit in
// this repository would get a message.
#include "backend/claude.hpp"
#include "backend/credentials.hpp"
#include "commands/commands.hpp"
#include "error.hpp"
#include "hooks.hpp"
#include "runlog.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <system_error>

namespace cmtgen::commands {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum class Mark { ok, warn, fail, info };

class Report
{
public:
  void line(Mark mark, const std::string& text)
  {
    const char* symbol = mark == Mark::ok ? "[✓]" : mark == Mark::warn ? "[!]" : mark == Mark::fail ? "[✗]" : "[·]";
    fmt::print("{} {}\n", symbol, text);
    if (mark == Mark::fail) {
      m_blocking = true;
    }
  }
  void block() { m_blocking = true; }
  bool blocking() const { return m_blocking; }

private:
  bool m_blocking = false;
};

// The same hermetic run as the hook's model call: a repository's .claude/settings.json must
// not decide what doctor reports.
util::RunResult
run_claude(const Context& context,
           const fs::path& claude,
           std::vector<std::string> args,
           const backend::CredentialPlan& plan,
           const Config& config)
{
  const backend::ClaudeScratch scratch;
  util::RunRequest request = backend::claude_request(claude, std::move(args), plan, config, scratch);
  request.timeout = std::chrono::seconds(15);
  request.output_cap = 1024 * 1024;
  return context.runner->run(request);
}

backend::CredentialPlan
credential_plan(const Context& context, const Config& config)
{
  return backend::plan_credentials(config.auth, context.env, backend::stored_login_exists(context.env));
}

void
check_hook(const Context& context, Report& report)
{
  hooks::Location location;
  try {
    location = hooks::locate(context);
  } catch (const Error& e) {
    report.line(Mark::fail, fmt::format("cannot tell where git looks for hooks: {}", e.what()));
    return;
  }
  const hooks::Inspection inspection = hooks::inspect(location);
  const fs::path self = hooks::self_path();
  if (location.husky) {
    if (inspection.husky_block) {
      report.line(Mark::ok, fmt::format("hook: called from {} (husky)", location.husky_file.string()));
    } else {
      report.line(Mark::fail, fmt::format("hook: husky is in use and {} does not call cmtgen: run `cmtgen install`",
                                          location.husky_file.string()));
    }
    return;
  }
  if (hooks::global_hooks_path(location)) {
    report.line(Mark::warn, fmt::format("git runs hooks from {} ({} core.hooksPath) for every repository",
                                        location.dir.string(), location.hooks_path_scope));
  }
  switch (inspection.state) {
    case hooks::State::missing:
      report.line(Mark::fail, fmt::format("hook: not installed in {}: run `cmtgen install`", location.dir.string()));
      return;
    case hooks::State::foreign:
      report.line(Mark::fail, fmt::format("hook: {} belongs to another tool: run `cmtgen install` to chain it",
                                          location.file.string()));
      return;
    case hooks::State::symlink:
      report.line(Mark::ok,
                  fmt::format("hook: {} is a symlink to {}", location.file.string(), inspection.binary.string()));
      return;
    case hooks::State::ours: break;
  }
  if (!inspection.executable) {
    report.line(Mark::fail,
                fmt::format("hook: {} is not executable (git skips it): run `cmtgen install`", location.file.string()));
    return;
  }
  std::error_code ec;
  const bool same = !inspection.binary.empty() && fs::equivalent(inspection.binary, self, ec);
  const bool runnable = !inspection.binary.empty() && ::access(inspection.binary.c_str(), X_OK) == 0;
  if (same) {
    report.line(Mark::ok, fmt::format("hook: {} runs this cmtgen{}", location.file.string(),
                                      inspection.chained ? " (then the previous hook, chained)" : ""));
  } else if (runnable) {
    report.line(Mark::warn, fmt::format("hook: {} runs another cmtgen ({}); `cmtgen install` points it here",
                                        location.file.string(), inspection.binary.string()));
  } else if (util::find_executable("cmtgen", context.env.get("PATH").value_or(""))) {
    report.line(Mark::warn, fmt::format("hook: {} points at {}, which is gone (it falls back to cmtgen on PATH); "
                                        "run `cmtgen install`",
                                        location.file.string(), inspection.binary.string()));
  } else {
    report.line(Mark::fail, fmt::format("hook: {} points at {}, which is gone, and no cmtgen is on PATH: commits "
                                        "get no message; run `cmtgen install`",
                                        location.file.string(), inspection.binary.string()));
  }
}

void
check_settings(const Config& config, const backend::ClaudeSetup& setup, Report& report)
{
  if (util::contains(config.setting_sources, "user") || setup.ignored_settings.empty()) {
    return;
  }
  report.line(Mark::warn, fmt::format("your claude user settings set {}, which cmtgen's hermetic run ignores: "
                                      "`git config --global cmtgen.settingSources user` uses them",
                                      util::join(setup.ignored_settings, ", ")));
}

void
check_credentials(const Context& context, const Config& config, const fs::path& claude, Report& report)
{
  const util::Environment& env = context.env;
  const backend::ClaudeSetup setup = backend::inspect_setup(env);
  const fs::path& file = setup.credentials_file;
  const bool stored = setup.stored_login;
  if (const auto dir = env.get("CLAUDE_CONFIG_DIR")) {
    report.line(Mark::info, fmt::format("CLAUDE_CONFIG_DIR={}", *dir));
  }
  for (const char* name : {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"}) {
    if (const auto value = env.get(name)) {
      report.line(util::trim(*value).empty() ? Mark::warn : Mark::info,
                  fmt::format("{} is set{}", name, util::trim(*value).empty() ? " but empty (cmtgen removes it)" : ""));
    }
  }
  if (stored) {
    const bool expired = setup.expires && *setup.expires < std::chrono::system_clock::now();
    report.line(expired ? Mark::warn : Mark::ok,
                fmt::format("stored login: {}{}", file.string(),
                            expired ? "; its access token has expired (claude refreshes it on use; if requests fail, "
                                      "run `claude` then /login)"
                                    : ""));
  } else if (setup.credentials_present) {
    report.line(Mark::warn,
                fmt::format("{} holds no usable login (no access token with the user:inference scope)", file.string()));
  }

  const backend::CredentialPlan plan = backend::plan_credentials(config.auth, env, stored);
  if (plan.error) {
    report.line(Mark::fail, fmt::format("credential: {}", *plan.error));
    return;
  }
  const bool none = !plan.api_key && !plan.auth_token && !plan.login;
  report.line(none ? Mark::fail : Mark::ok,
              fmt::format("credential (cmtgen.auth={}): {}{}", auth_name(config.auth), plan.used,
                          none ? ": run `claude` then /login, or `claude setup-token` for headless machines" : ""));
  if (!plan.ignored.empty()) {
    report.line(Mark::warn, fmt::format("ignored: {}", plan.ignored));
  } else if (plan.api_key && stored) {
    report.line(Mark::warn, "ANTHROPIC_API_KEY overrides the stored login in -p mode (cmtgen.auth keeps it)");
  }

  // What claude itself says, run the way the hook runs it.
  const auto status = run_claude(context, claude, backend::auth_status_arguments(config), plan, config);
  const auto brace = status.out.find('{');
  json parsed;
  if (brace == std::string::npos || status.out_truncated ||
      backend::read_json(std::string_view(status.out).substr(brace), parsed) != backend::JsonRead::ok) {
    parsed = json();
  }
  if (parsed.is_object()) {
    const bool logged_in = parsed.value("loggedIn", false);
    std::string method = parsed.value("authMethod", "");
    if (parsed.contains("apiKeySource") && parsed["apiKeySource"].is_string()) {
      method += fmt::format(" from {}", parsed["apiKeySource"].get<std::string>());
    }
    report.line(logged_in ? Mark::ok : Mark::fail,
                fmt::format("`claude auth status`: {}{}", logged_in ? "logged in" : "not logged in",
                            method.empty() ? "" : fmt::format(" ({})", method)));
  } else if (status.reason == util::RunReason::exited) {
    report.line(Mark::warn, fmt::format("`claude auth status` gave no JSON (exit {}): {}", status.exit_code,
                                        backend::quoted_line(status.err)));
  }
}

void
check_command(const Context& context, const Config& config, Report& report)
{
  if (config.command.empty()) {
    report.line(Mark::fail, "backend command: cmtgen.command is unset or not found on PATH");
    return;
  }
  const std::string& program = config.command.front();
  if (backend::is_relative_program_path(program)) {
    report.line(Mark::fail, fmt::format("config: {}", backend::relative_program_diagnosis(
                                                        backend::setting_origin(config, "cmtgen.command"), program)));
    return;
  }
  const auto found =
    util::find_executable(backend::expand_home(program, context.env), context.env.get("PATH").value_or(""));
  report.line(found ? Mark::ok : Mark::fail, found ? fmt::format("backend command: {}", util::join(config.command, " "))
                                                   : "backend command: cmtgen.command is unset or not found on PATH");
}

void
check_live(const Context& context, Session& session, Report& report)
{
  backend::Request request;
  request.system = "Reply with one word.";
  request.prompt = "Say OK.";
  git::FileChange change;
  change.path = "README";
  std::vector<git::FileChange> files = {change};
  request.files = &files;
  auto backend = backend::make_backend(session.config, *context.runner, context.env);
  const auto started = std::chrono::steady_clock::now();
  const auto generation = backend->generate(request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (generation.ok) {
    report.line(Mark::ok, fmt::format("live request: answered in {:.1f} s by {} ({}){}", seconds, generation.backend,
                                      generation.model,
                                      generation.cost_usd ? fmt::format(", ${:.6f}", *generation.cost_usd) : ""));
  } else {
    report.line(Mark::fail, fmt::format("live request: {} after {:.1f} s: {}", failure_name(generation.failure),
                                        seconds, generation.diagnosis));
  }
}

} // namespace

int
run_doctor(const Context& context, bool live)
{
  Report report;
  report.line(Mark::ok, fmt::format("cmtgen {} at {}", CMTGEN_VERSION, hooks::self_path().string()));

  std::optional<Session> session;
  try {
    auto repo = open_repository(context, false);
    report.line(Mark::ok,
                fmt::format("repository: {} (read with {})",
                            (repo->workdir().empty() ? repo->git_dir() : repo->workdir()).string(), repo->reader()));
    session.emplace();
    session->repo = std::move(repo);
  } catch (const Error& e) {
    report.line(Mark::fail, fmt::format("repository: {}", e.what()));
  }

  // An invalid setting is its own finding; the checks below then use the defaults.
  Config config;
  try {
    config = build_config(session ? session->repo->config(config_prefixes())
                                  : git::global_config(context.env, config_prefixes()),
                          context.env, {});
  } catch (const Error& e) {
    report.line(Mark::fail, fmt::format("config: {}", e.what()));
  }
  if (session) {
    session->config = config;
  }
  for (const auto& warning : config.warnings) {
    report.line(Mark::warn, warning);
  }
  if (!config.enabled) {
    report.line(Mark::fail, "cmtgen is disabled (cmtgen.enabled=false or CMTGEN_SKIP is set)");
  }
  if (session) {
    check_hook(context, report);
  }

  if (config.backend == BackendKind::claude) {
    const auto location = backend::locate_claude(config, context.env);
    if (!location.refused.empty()) {
      report.line(Mark::fail, fmt::format("config: {}", location.refused));
    } else if (!location.path) {
      report.line(Mark::fail, backend::not_found_diagnosis(location));
    } else {
      const auto version = run_claude(context, *location.path, {"--version"}, credential_plan(context, config), config);
      if (version.succeeded()) {
        report.line(Mark::ok, fmt::format("claude {} at {}", util::trim(version.out), location.path->string()));
        check_credentials(context, config, *location.path, report);
        check_settings(config, backend::inspect_setup(context.env), report);
      } else {
        report.line(Mark::fail, fmt::format("{} does not run: {}", location.path->string(),
                                            version.error.empty() ? backend::quoted_line(version.err) : version.error));
      }
    }
  } else if (config.backend == BackendKind::command) {
    check_command(context, config, report);
  } else {
    report.line(Mark::warn, "backend offline: messages are drafts from the file list, not a model's");
  }

  if (session) {
    const auto failures = runlog::recent_failures(state_directory(*session->repo), 3);
    for (const auto& entry : failures) {
      report.line(Mark::warn,
                  fmt::format("hook {} at {}: {} {}", entry.outcome, entry.time, entry.failure, entry.detail));
    }
  }
  if (live && session && !report.blocking()) {
    check_live(context, *session, report);
  } else if (live) {
    report.line(Mark::info, "live request skipped: fix the [✗] lines first");
  }

  if (!session) {
    report.block();
  }
  fmt::print("{}\n", report.blocking() ? "A commit here would not get a message from cmtgen: fix the [✗] lines."
                                       : "A commit here would get a message from cmtgen.");
  return report.blocking() ? 1 : 0;
}

} // namespace cmtgen::commands
