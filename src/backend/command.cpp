// backend=command: any CLI that reads the prompt on stdin and prints the message (llm,
// `ollama run`, another agent's CLI). Same runner, deadline and cleaning as claude.
#include "backend/backends.hpp"
#include "backend/claude.hpp"
#include "config.hpp"
#include "message.hpp"
#include "util/log.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

namespace cmtgen::backend {

namespace {

class CommandBackend : public Backend
{
public:
  CommandBackend(const Config& config, util::Runner& runner, const util::Environment& env)
    : m_config(config)
    , m_runner(runner)
    , m_env(env)
  {
  }

  Generation generate(const Request& request) override
  {
    Generation generation;
    generation.backend = "command";
    generation.model = m_config.command.empty() ? "" : m_config.command.front();
    generation.credential_used = "whatever the command uses";
    if (m_config.command.empty()) {
      return fail(
        std::move(generation), Failure::config,
        "cmtgen.backend=command needs cmtgen.command, e.g. `git config cmtgen.command \"llm -m gpt-4o-mini\"`");
    }

    const std::string& argv0 = m_config.command.front();
    if (is_relative_program_path(argv0)) {
      return fail(std::move(generation), Failure::config,
                  relative_program_diagnosis(setting_origin(m_config, "cmtgen.command"), argv0));
    }

    util::RunRequest run;
    run.argv = m_config.command;
    run.argv.front() = expand_home(argv0, m_env);
    // A generic CLI has no separate system channel: the instructions come first.
    run.stdin_data = request.system + "\n\n" + request.prompt;
    run.env = m_env;
    run.timeout = m_config.timeout;
    run.output_cap = 8 * 1024 * 1024;
    const util::RunResult result = m_runner.run(run);
    generation.elapsed = result.elapsed;
    CMTGEN_LOG("command {}: {} exit {}", m_config.command.front(), util::reason_name(result.reason), result.exit_code);

    const std::string program = m_config.command.front();
    switch (result.reason) {
      case util::RunReason::not_found:
      case util::RunReason::spawn_failed:
        return fail(std::move(generation), Failure::backend_failed,
                    fmt::format("cannot run cmtgen.command `{}`: {}", program, result.error));
      case util::RunReason::timed_out:
        return fail(std::move(generation), Failure::timed_out,
                    fmt::format("`{}` did not answer within {} s (cmtgen.timeout): raise it with "
                                "`git config --global cmtgen.timeout {}`",
                                program, m_config.timeout.count(), m_config.timeout.count() * 2));
      case util::RunReason::signaled:
        return fail(std::move(generation), Failure::backend_failed,
                    fmt::format("`{}` was killed by signal {}", program, result.signal));
      case util::RunReason::exited: break;
    }
    if (result.exit_code != 0) {
      const std::string why = quoted_line(result.err);
      return fail(
        std::move(generation), Failure::backend_failed,
        fmt::format("`{}` exited with status {}{}{}", program, result.exit_code, why.empty() ? "" : ": ", why));
    }
    if (result.out_truncated) {
      // Cut at the cap: committing the first 8 MiB would be a message nobody wrote.
      return fail(std::move(generation), Failure::reply_too_large,
                  fmt::format("`{}` printed more than {} MiB, which no commit message needs: its answer was not used",
                              program, result.out.size() / (1024 * 1024)));
    }
    generation.messages = message::clean_reply(result.out, request.candidates);
    if (generation.messages.empty()) {
      return fail(std::move(generation), Failure::empty_reply, fmt::format("`{}` printed no message", program));
    }
    generation.ok = true;
    return generation;
  }

private:
  static Generation fail(Generation generation, Failure kind, std::string diagnosis)
  {
    generation.ok = false;
    generation.failure = kind;
    generation.diagnosis = std::move(diagnosis);
    return generation;
  }

  const Config& m_config;
  util::Runner& m_runner;
  util::Environment m_env;
};

} // namespace

std::unique_ptr<Backend>
make_command_backend(const Config& config, util::Runner& runner, const util::Environment& env)
{
  return std::make_unique<CommandBackend>(config, runner, env);
}

} // namespace cmtgen::backend
