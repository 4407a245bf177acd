#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmtgen::git {

// One attributes file: its text and the directory it governs ("" for the top, "a/b" for
// a/b/.gitattributes; "" too for info/attributes and core.attributesFile).
struct AttributeFile
{
  std::string directory;
  std::string content;
  bool may_define_macros = false; // the top .gitattributes, info/attributes, global files
};

// What cmtgen asks of a path's attributes.
struct PathAttributes
{
  bool generated = false; // linguist-generated (set or "true")
  bool no_diff = false;   // -diff, or a macro that unsets diff (binary)
};

// The gitattributes rules cmtgen needs, resolved the way git resolves them: files in
// increasing precedence (core.attributesFile, then .gitattributes from the top down to the
// deepest directory, then $GIT_DIR/info/attributes), later lines beating earlier ones;
// patterns as in .gitignore relative to their file's directory (no '/' matches the base
// name at any depth), except that a pattern ending in '/' matches nothing; `[attr]` macros
// and the built-in `binary` macro (-diff -merge -text). Pure: the caller reads the files,
// which keeps this cheap (libgit2's own lookup stats the file system for every path).
class Attributes
{
public:
  Attributes() = default;
  // `files` in increasing precedence.
  explicit Attributes(const std::vector<AttributeFile>& files);

  PathAttributes lookup(std::string_view path) const;
  bool empty() const { return m_rules.empty(); }

private:
  enum class State { set, unset, unspecified, value };
  struct Assignment
  {
    std::string name;
    State state = State::set;
    std::string value;
  };
  struct Rule
  {
    std::string directory; // "" or "a/b"
    std::string pattern;
    std::vector<Assignment> assignments;
  };

  void parse(const AttributeFile& file);
  void expand(const Assignment& assignment, std::vector<Assignment>& out, int depth) const;

  std::vector<Rule> m_rules; // in increasing precedence
  std::map<std::string, std::vector<Assignment>, std::less<>> m_macros;
};

// An in-tree .gitattributes read from the work tree as git reads it: never through a
// symbolic link (git opens it with O_NOFOLLOW) and only when it is a regular file, so that a
// committed link to /dev/tty or a FIFO cannot block the hook. nullopt when it is absent or
// refused (git then reads the index's copy).
std::optional<std::string> read_worktree_attributes(const std::filesystem::path& path);

// Whether an index entry of this mode may hold attributes: git ignores a .gitattributes
// that is a symbolic link (or a gitlink) in the index too.
inline bool
attributes_entry_usable(std::uint32_t mode)
{
  return (mode & 0170000U) == 0100000U;
}

} // namespace cmtgen::git
