#pragma once

// Where git runs prepare-commit-msg from, and what is there now. Shared by install,
// uninstall and doctor.

#include "context.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  // ours, but not byte for byte what shim(binary) writes: someone changed it, so it is theirs.
  bool edited = false;
  // A directory (or a symlink to one, a fifo...) where a hook file belongs: git cannot run it.
  bool not_a_file = false;
  // foreign: a symlink (not to a cmtgen binary) whose target carries cmtgen's marker.
  bool link_to_shim = false;
  std::filesystem::path binary; // the cmtgen the shim runs (ours), the symlink's target (symlink)
  bool chained = false;         // prepare-commit-msg.cmtgen-chained exists
  bool husky_block = false;     // the tracked husky hook has a cmtgen block
};

// What prepare-commit-msg is, whether it chains a previous hook, and the husky block.
Inspection inspect(const Location& location);

// What one hook file is: state, executable, edited, not_a_file, link_to_shim, binary.
Inspection inspect_file(const std::filesystem::path& file);

// Whether git running `inspection`'s file would start cmtgen (a shim, edited or not, a
// symlink to one or to the binary), or fail to run it at all: never chain such a file.
bool unsafe_to_chain(const Inspection& inspection);

// The shim text with `binary` (absolute) filled in.
std::string shim(const std::filesystem::path& binary);

// The lines added to a tracked husky hook, ending in `eol` ("\n" or "\r\n"). With
// `after_added_break`, the comment says install also added the line break before them (the
// file did not end with one), so uninstall removes that too.
std::string husky_block(const std::filesystem::path& binary,
                        std::string_view eol = "\n",
                        bool after_added_break = false);

// A cmtgen block in a tracked husky hook: [begin, end) are byte offsets covering whole lines,
// terminators included, from the begin marker line to the end marker line.
struct HuskyBlock
{
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t line = 0;           // 1-based line of the begin marker
  bool edited = false;            // not exactly husky_block(<binary it names>)
  bool after_added_break = false; // install also added the line break before `begin`
};

struct HuskyScan
{
  std::vector<HuskyBlock> blocks;
  // Empty, or why the markers do not pair up (each on a line of its own, begin before end,
  // not nested); then `blocks` holds only the pairs before the problem.
  std::string problem;
};

// The cmtgen blocks of a tracked husky hook. Marker text inside a longer line is not a marker.
HuskyScan scan_husky(std::string_view content);

// This executable's absolute path (/proc/self/exe).
std::filesystem::path self_path();

// A global or system core.hooksPath that silently overrides the repository's own hooks.
bool global_hooks_path(const Location& location);

} // namespace cmtgen::hooks
