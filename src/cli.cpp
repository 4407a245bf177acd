#include "cli.hpp"

#include "commands/commands.hpp"
#include "error.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>

namespace cmtgen::cli {

namespace {

constexpr std::string_view k_version = CMTGEN_VERSION;

struct Command
{
  std::string_view name;
  std::string_view summary;
};

constexpr std::array k_commands = {
  Command{"hook", "prepare-commit-msg entry point: hook <msg-file> [<source> [<sha>]]"},
  Command{"install", "register the hook for this repository"},
  Command{"uninstall", "remove exactly what install added, restore what was there"},
  Command{"preview", "print the message for the staged change, write nothing"},
  Command{"doctor", "check binary, hook, claude and the credential path"},
};

// The hook takes git's arguments as they come, without an option parser: nothing git
// passes may turn into a usage error that blocks the commit.
int
hook_main(const std::vector<std::string>& args)
{
  commands::HookArguments arguments;
  if (args.empty()) {
    std::fputs("cmtgen: hook: expected <msg-file> [<source> [<sha>]] (git passes them)\n", stderr);
    return 0;
  }
  if (args[0] == "-h" || args[0] == "--help") {
    std::fputs("usage: cmtgen hook <msg-file> [<source> [<sha>]]\n"
               "git runs this as the prepare-commit-msg hook; see `cmtgen install`.\n",
               stdout);
    return 0;
  }
  Context context = current_context();
  arguments.message_file = args[0];
  arguments.source = args.size() > 1 ? args[1] : "";
  arguments.commit = args.size() > 2 ? args[2] : "";
  // The pre-commit framework passes only the file; the source and sha come in variables.
  if (args.size() == 1) {
    arguments.source = context.env.get("PRE_COMMIT_COMMIT_MSG_SOURCE").value_or("");
    arguments.commit = context.env.get("PRE_COMMIT_COMMIT_OBJECT_NAME").value_or("");
  }
  try {
    return commands::run_hook(context, arguments);
  } catch (const std::exception& e) {
    // run_hook handles its own failures; this is the last line of defence for the commit.
    fmt::print(stderr, "cmtgen: internal: {}\n", e.what());
    return 0;
  }
}

std::string
suggestion(std::string_view typed)
{
  std::vector<std::string_view> names;
  names.reserve(k_commands.size());
  for (const auto& command : k_commands) {
    names.push_back(command.name);
  }
  const std::string_view best = util::closest(typed, names, 3);
  return best.empty() ? std::string() : fmt::format("; did you mean `cmtgen {}`?", best);
}

int
dispatch(int argc, char** argv)
{
  CLI::App app("cmtgen writes git commit messages with Claude, through the claude CLI you are logged in to.", "cmtgen");
  app.set_version_flag("-V,--version", fmt::format("cmtgen {}", k_version));
  app.require_subcommand(1);
  app.footer("Run `cmtgen <command> --help` for a command's options. Configuration: git config cmtgen.* "
             "(see README.md).");

  std::function<int()> action;
  const Context context = current_context();

  for (const auto& command : k_commands) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    if (command.name == "hook") {
      auto args = std::make_shared<std::vector<std::string>>();
      sub->add_option("args", *args, "<msg-file> [<source> [<sha>]]");
      sub->callback([&action, args] { action = [args] { return hook_main(*args); }; });
    } else if (command.name == "install") {
      auto force = std::make_shared<bool>(false);
      sub->add_flag("-f,--force", *force, "install into a global core.hooksPath too");
      sub->callback([&, force] { action = [&, force] { return commands::run_install(context, *force); }; });
    } else if (command.name == "uninstall") {
      sub->callback([&] { action = [&] { return commands::run_uninstall(context); }; });
    } else if (command.name == "doctor") {
      auto live = std::make_shared<bool>(false);
      sub->add_flag("--live", *live, "spend one tiny request and report its outcome and latency");
      sub->callback([&, live] { action = [&, live] { return commands::run_doctor(context, *live); }; });
    } else if (command.name == "preview") {
      auto options = std::make_shared<commands::PreviewOptions>();
      auto template_name = std::make_shared<std::string>();
      auto model = std::make_shared<std::string>();
      auto candidates = std::make_shared<int>(0);
      auto no_cache = std::make_shared<bool>(false);
      sub->add_flag("--print-prompt", options->print_prompt, "print the exact prompt and stop; no model call");
      sub->add_flag("--json", options->json, "machine-readable output");
      sub->add_option("--template", *template_name, "built-in template name or path");
      sub->add_option("--model", *model, "model passed to claude --model");
      sub->add_option("-n", *candidates, "number of candidates (one request)")->check(CLI::Range(1, 5));
      sub->add_flag("--no-cache", *no_cache, "do not reuse the last answer");
      sub->callback([&, options, template_name, model, candidates, no_cache] {
        if (!template_name->empty()) {
          options->overrides.template_name = *template_name;
        }
        if (!model->empty()) {
          options->overrides.model = *model;
        }
        if (*candidates > 0) {
          options->overrides.candidates = *candidates;
        }
        if (*no_cache) {
          options->overrides.cache = false;
        }
        action = [&, options] { return commands::run_preview(context, *options); };
      });
    }
  }

  // An unknown command gets a hint instead of CLI11's generic complaint.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string_view typed = argv[1];
    const bool known =
      std::any_of(k_commands.begin(), k_commands.end(), [&](const Command& command) { return command.name == typed; });
    if (!known) {
      report(Failure::usage, fmt::format("unknown command '{}'{}", typed, suggestion(typed)));
      fmt::print(stderr, "Run `cmtgen --help` for the list of commands.\n");
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report(Failure::usage, e.what());
    fmt::print(stderr, "Run `cmtgen --help` for usage.\n");
    return 2;
  }
  return action ? action() : 2;
}

} // namespace

int
main(int argc, char** argv)
{
  // CMTGEN_DEBUG (anything but empty or 0) asks for the debug log.
  const char* debug = std::getenv("CMTGEN_DEBUG");
  util::log::request(debug && *debug && std::string_view(debug) != "0");

  const std::string_view program = argc > 0 ? argv[0] : "cmtgen";
  const auto slash = program.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? program : program.substr(slash + 1);

  // As a symlinked hook (.git/hooks/prepare-commit-msg -> cmtgen, also when another tool
  // renamed it, e.g. prepare-commit-msg.cmtgen-chained), or `cmtgen hook ...`.
  const bool as_hook = name.starts_with("prepare-commit-msg");
  if (as_hook || (argc > 1 && std::string_view(argv[1]) == "hook")) {
    const int first = as_hook ? 1 : 2;
    return hook_main(std::vector<std::string>(argv + first, argv + argc));
  }

  try {
    return dispatch(argc, argv);
  } catch (const Error& e) {
    return report(e.failure(), e.what());
  } catch (const std::exception& e) {
    return report(Failure::internal, e.what());
  }
}

} // namespace cmtgen::cli
