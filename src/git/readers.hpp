#pragma once

// The two readers behind open_repository(). Internal to git/.

#include "git/repository.hpp"

#include <memory>

namespace cmtgen::git {

// Reads with libgit2. Throws Error(Failure::git) when libgit2 cannot open the repository
// or read its index (split index, sparse index, SHA-256, refused extensions).
std::unique_ptr<Repository> open_with_libgit2(const OpenRequest& request);

// Reads by running git, which honours the hook's environment. Throws Error(Failure::git)
// when git cannot find a repository either.
std::unique_ptr<Repository> open_with_cli(const OpenRequest& request);

// "cmtgen.", exact "core.commentchar" -> a git config regex: ^(cmtgen\.|core\.commentchar$).
std::string prefixes_regex(const std::vector<std::string>& prefixes);

bool matches_prefixes(std::string_view key, const std::vector<std::string>& prefixes);

} // namespace cmtgen::git
