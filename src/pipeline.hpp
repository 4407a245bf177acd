#pragma once

// The steps `hook` and `preview` share: open the repository and its config, describe the
// staged change, build the prompt, run the backend (through the answer cache).

#include "backend/backend.hpp"
#include "config.hpp"
#include "context.hpp"
#include "git/repository.hpp"
#include "prompt.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cmtgen {

struct Session
{
  std::unique_ptr<git::Repository> repo;
  Config config;
};

// Opens the repository of `context` (GIT_DIR/GIT_INDEX_FILE honoured). Throws Error.
std::unique_ptr<git::Repository> open_repository(const Context& context, bool hook_mode);

// open_repository(), then the Config from its config levels, `git -c`, CMTGEN_* and
// `overrides`. Throws Error.
Session open_session(const Context& context, const Overrides& overrides, bool hook_mode);

struct Staged
{
  std::vector<git::FileChange> files;
  git::Head head;
};

Staged read_staged(Session& session, git::Base base);

// Throws Error(Failure::config) for a broken template.
prompt::Prompt make_prompt(Session& session, const Staged& staged, const std::string& previous_message);

// Runs the configured backend, or returns the cached answer for the same prompt.
backend::Generation generate(const Context& context,
                             Session& session,
                             const prompt::Prompt& prompt,
                             const Staged& staged,
                             bool use_cache);

// <common git dir>/cmtgen: the run log, the debug log and the answer cache live here.
std::filesystem::path state_directory(const git::Repository& repo);

} // namespace cmtgen
