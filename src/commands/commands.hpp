#pragma once

// One entry point per subcommand (cmd_*.cpp). They coordinate; the work is in the modules.
// Each returns the process exit status (README, "Commands"): 0 success, 1 failure, 2 usage,
// 3 nothing staged (preview).

#include "pipeline.hpp"

#include <optional>
#include <string>

namespace cmtgen::commands {

struct PreviewOptions
{
  bool print_prompt = false;
  bool json = false;
  Overrides overrides;
};

struct HookArguments
{
  std::string message_file;
  std::string source; // "" for a plain commit
  std::string commit; // $3
};

int run_hook(const Context& context, const HookArguments& arguments);
int run_preview(const Context& context, const PreviewOptions& options);
int run_install(const Context& context, bool force);
int run_uninstall(const Context& context);
int run_doctor(const Context& context, bool live);

} // namespace cmtgen::commands
