#pragma once

// What a command runs in: the environment, the working directory and the process runner.
// Commands receive it from cli; tests build one with a fake runner and their own
// environment.

#include "util/environment.hpp"

#include <filesystem>

namespace util {
class Runner;
}

namespace cmtgen {

struct Context
{
  util::Environment env;
  std::filesystem::path cwd;
  util::Runner* runner = nullptr;
};

// This process's environment and working directory, and the real process runner.
Context current_context();

} // namespace cmtgen
