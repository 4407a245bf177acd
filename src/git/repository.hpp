#pragma once

#include "git/change.hpp"
#include "util/environment.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace util {
class Runner;
}

namespace cmtgen::git {

// One git config entry as read from a file or a `git -c` override. `key` is normalized as
// git does: section and name lowercased, subsection kept.
struct ConfigEntry
{
  std::string key;
  std::string value;
  std::string origin; // "global config", "git -c", ...
};

// Rename detection, as git's diff.renames: false, true (the default), "copies".
enum class Renames { off, renames, copies };

enum class Base {
  head,        // HEAD's tree, or nothing on an unborn branch: a normal commit
  head_parent, // HEAD's first parent, or nothing for a root commit: --amend
};

struct OpenRequest
{
  util::Environment env;                   // GIT_DIR, GIT_INDEX_FILE, GIT_WORK_TREE are honoured
  std::filesystem::path cwd;               // where discovery starts when GIT_DIR is unset
  bool trust_ownership = false;            // hook mode: git already checked safe.directory
  std::size_t max_file_size = 1024 * 1024; // blobs above this are never loaded
  util::Runner* runner = nullptr;          // for the git CLI fallback; system runner when null
};

// A repository and the index being committed. Opened with libgit2 where it can read the
// repository, else through the git CLI; both give the same model.
class Repository
{
public:
  virtual ~Repository() = default;

  // "libgit2" or "git": which reader is in use.
  virtual std::string_view reader() const = 0;

  virtual Head head() = 0;

  // Subjects of the last `count` first-parent commits from HEAD, newest first.
  virtual std::vector<std::string> recent_subjects(std::size_t count) = 0;

  // The change from `base` to the index, in git's order (sorted by path), renames (and
  // copies) found as `renames` says. Line counts and binary flags are filled in.
  virtual std::vector<FileChange> staged(Base base, Renames renames) = 0;

  // Patch of files[index] from the last staged() call, hunks added until `limit` bytes.
  virtual FilePatch patch(std::size_t index, std::size_t limit) = 0;

  // Entries of every config level (system, global, local, worktree, includes) whose key
  // matches one of `prefixes` ("cmtgen." or an exact "core.commentchar"), in increasing
  // precedence, then the `git -c` overrides from the environment.
  virtual std::vector<ConfigEntry> config(const std::vector<std::string>& prefixes) = 0;

  const std::filesystem::path& git_dir() const { return m_git_dir; }
  const std::filesystem::path& common_dir() const { return m_common_dir; }
  const std::filesystem::path& workdir() const { return m_workdir; } // empty when bare

protected:
  std::filesystem::path m_git_dir;
  std::filesystem::path m_common_dir;
  std::filesystem::path m_workdir;
};

// Opens the repository as docs/git-facts.md describes: $GIT_DIR without search when
// set (relative to cwd), else discovery from cwd; the index from $GIT_INDEX_FILE when set.
// Falls back to the git CLI when libgit2 refuses the repository or its index, with a debug
// log line. Throws Error(Failure::git) when neither can read it (not a repository).
std::unique_ptr<Repository> open_repository(const OpenRequest& request);

// Config entries outside any repository: system, XDG and global files, then `git -c`.
std::vector<ConfigEntry> global_config(const util::Environment& env, const std::vector<std::string>& prefixes);

// git's boolean spelling: true/yes/on/1 (and a key without value), false/no/off/0 and the
// empty string; nullopt otherwise.
std::optional<bool> parse_bool(std::string_view text);

// `git -c` overrides handed to hooks: GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n
// and GIT_CONFIG_PARAMETERS (libgit2 ignores both). Throws Error(Failure::config) when
// malformed.
std::vector<ConfigEntry> config_from_environment(const util::Environment& env);

} // namespace cmtgen::git
