#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The staged change as a value: what every path in the commit does, without patch text.
// Built by a Repository (libgit2, or the git CLI where libgit2 cannot read the repository)
// and consumed by the prompt builder, the offline backend and `preview --json`.
namespace cmtgen::git {

enum class Status { added, modified, deleted, renamed, copied, type_changed };

std::string_view status_name(Status status); // "added", "renamed", ...
char status_letter(Status status);           // git's letters: A M D R C T

constexpr std::uint32_t k_mode_gitlink = 0160000;
constexpr std::uint32_t k_mode_link = 0120000;
constexpr std::uint32_t k_mode_executable = 0100755;

struct FileChange
{
  std::string path;     // new path ('/'-separated, relative to the top)
  std::string old_path; // differs from path for renames and copies
  Status status = Status::modified;
  int similarity = 0; // renames and copies, 0..100
  std::uint32_t old_mode = 0;
  std::uint32_t new_mode = 0;
  std::string old_oid; // hex; kept for submodule pointer moves
  std::string new_oid;
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  std::int64_t added = -1; // lines; -1 when unknown (binary, too large)
  std::int64_t removed = -1;
  bool binary = false;    // content or attributes (-diff, binary) say so
  bool too_large = false; // a side is larger than the diff size limit: never loaded
  bool generated = false; // .gitattributes linguist-generated
  bool no_diff = false;   // .gitattributes -diff / binary

  bool submodule() const { return old_mode == k_mode_gitlink || new_mode == k_mode_gitlink; }
  bool mode_changed() const
  {
    return old_mode != 0 && new_mode != 0 && old_mode != new_mode && status != Status::type_changed;
  }
  // Bytes of the larger side: the order in which diffs go into the prompt.
  std::uint64_t weight() const { return old_size > new_size ? old_size : new_size; }
};

struct Head
{
  std::string branch; // short name; empty when detached
  std::string oid;    // hex; empty when unborn
  bool unborn = false;
  bool detached = false;
};

// The diff of one file as text: a "diff --git" header block, then hunks, each starting
// with its "@@" line. Hunks are whole; `truncated` says that hunks were left out because
// the byte limit was reached.
struct FilePatch
{
  std::string header;
  std::vector<std::string> hunks;
  bool truncated = false;
};

} // namespace cmtgen::git
