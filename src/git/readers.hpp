#pragma once

// The two readers behind open_repository(). Internal to git/.

#include "error.hpp"
#include "git/handles.hpp"
#include "git/repository.hpp"

#include <memory>

namespace cmtgen::git {

// libgit2 cannot read this repository or its index although git can (split or sparse
// index, SHA-256, an extension it refuses): the one error that sends open_repository() to
// the git CLI. Anything else (no repository, a missing GIT_INDEX_FILE) is final.
class Unreadable : public Error
{
public:
  explicit Unreadable(const std::string& message)
    : Error(Failure::git, message)
  {
  }
};

// Reads with libgit2. Throws Unreadable when libgit2 cannot open the repository or read its
// index, Error(Failure::git) when there is no repository or no index to read.
std::unique_ptr<Repository> open_with_libgit2(const OpenRequest& request);

// Reads by running git, which honours the hook's environment. Throws Error(Failure::git)
// when git cannot find a repository either.
std::unique_ptr<Repository> open_with_cli(const OpenRequest& request);

// The config files git would read (system, XDG, global, local, worktree; honouring
// GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM), each at its level. libgit2
// 1.5.1 has no worktree level and ignores those variables. `repo` (may be null) makes
// includeIf conditions work; an empty common_dir means outside any repository.
handle::Config open_config(const util::Environment& env,
                           git_repository* repo,
                           const std::filesystem::path& common_dir,
                           const std::filesystem::path& git_dir);

// The entries of `config` matching `prefixes`, lowest level first, then `git -c`.
std::vector<ConfigEntry> read_entries(git_config* config,
                                      const util::Environment& env,
                                      const std::vector<std::string>& prefixes);

// "cmtgen.", exact "core.commentchar" -> a git config regex: ^(cmtgen\.|core\.commentchar$).
std::string prefixes_regex(const std::vector<std::string>& prefixes);

bool matches_prefixes(std::string_view key, const std::vector<std::string>& prefixes);

} // namespace cmtgen::git
