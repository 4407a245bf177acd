#pragma once

// Where git runs prepare-commit-msg from, and what is there now. Shared by install,
// uninstall and doctor.

#include "pipeline.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cmtgen::hooks {

constexpr std::string_view k_hook_name = "prepare-commit-msg";
// The first comment line of the shim: how cmtgen recognizes its own hook.
constexpr std::string_view k_marker = "# cmtgen prepare-commit-msg hook";
// Where install moves a foreign hook; the shim runs it after cmtgen.
constexpr std::string_view k_chained_suffix = ".cmtgen-chained";
// Lines cmtgen adds to a tracked husky hook, between these markers.
constexpr std::string_view k_block_begin = "# >>> cmtgen >>>";
constexpr std::string_view k_block_end = "# <<< cmtgen <<<";

struct Location
{
  std::filesystem::path dir;        // the directory git will use (`git rev-parse --git-path hooks`)
  std::filesystem::path file;       // dir / prepare-commit-msg
  std::filesystem::path top;        // work tree top; empty when bare
  std::string hooks_path;           // core.hooksPath as configured, "" when unset
  std::string hooks_path_scope;     // "local", "global", "system", "worktree", "command"
  bool husky = false;               // core.hooksPath is husky v9's .husky/_
  std::filesystem::path husky_file; // top/.husky/prepare-commit-msg when husky
  bool lefthook = false;            // lefthook.yml and friends at the top
  bool pre_commit = false;          // .pre-commit-config.yaml at the top
};

// Asks git where hooks live for the repository of `context`. Throws Error(Failure::git)
// outside a repository.
Location locate(const Context& context);

enum class State {
  missing, // no prepare-commit-msg
  ours,    // cmtgen's shim
  symlink, // a symlink to a cmtgen binary (the argv[0] = prepare-commit-msg setup)
  foreign, // someone else's hook
};

struct Inspection
{
  State state = State::missing;
  bool executable = false;
  bool chained = false;         // a foreign hook was moved aside and is chained
  std::filesystem::path binary; // the cmtgen the shim runs (ours only)
  bool husky_block = false;     // the tracked husky hook calls cmtgen
};

Inspection inspect(const Location& location);

// The shim text with `binary` (absolute) filled in.
std::string shim(const std::filesystem::path& binary);

// The lines added to a tracked husky hook.
std::string husky_block(const std::filesystem::path& binary);

// This executable's absolute path (/proc/self/exe).
std::filesystem::path self_path();

// A global or system core.hooksPath that silently overrides the repository's own hooks.
bool global_hooks_path(const Location& location);

} // namespace cmtgen::hooks
