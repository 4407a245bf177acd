#include "git/tree_diff.hpp"

#include "git/handles.hpp"

#include <fmt/core.h>

#include <array>
#include <cstring>

namespace cmtgen::git {

namespace {

std::string
hex(const unsigned char* raw)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string text(40, '0');
  for (std::size_t i = 0; i < 20; ++i) {
    text[2 * i] = k_digits[raw[i] >> 4];
    text[2 * i + 1] = k_digits[raw[i] & 0xf];
  }
  return text;
}

// Regular files (644/755), symlinks and submodules are different kinds: a change between
// kinds is a type change; 644 <-> 755 is a mode change of a modified file.
int
kind(std::uint32_t mode)
{
  switch (mode & 0170000) {
    case 0120000: return 1;
    case 0160000: return 2;
    default: return 0;
  }
}

class Walker
{
public:
  Walker(git_repository* repo, const IndexFile& index)
    : m_repo(repo)
    , m_entries(index.entries)
  {
  }

  void walk(const git_tree* tree, const std::string& prefix, const CacheTree* cache)
  {
    const std::size_t count = git_tree_entrycount(tree);
    for (std::size_t i = 0; i < count; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
      const std::string path = prefix + git_tree_entry_name(entry);
      const auto mode = static_cast<std::uint32_t>(git_tree_entry_filemode(entry));
      if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
        const std::string directory = path + "/";
        add_until(directory);
        const CacheTree* child = cache ? cache->child(git_tree_entry_name(entry)) : nullptr;
        if (!skip_unchanged(directory, child, *git_tree_entry_id(entry))) {
          git_tree* subtree = nullptr;
          check(git_tree_lookup(&subtree, m_repo, git_tree_entry_id(entry)), fmt::format("reading tree {}", path));
          const handle::Tree holder(subtree);
          walk(subtree, directory, child);
        }
        add_under(directory);
        continue;
      }
      add_until(path);
      const bool conflicted = skip_conflicts(path);
      if (m_next < m_entries.size() && m_entries[m_next].path == path) {
        const IndexEntry& now = m_entries[m_next++];
        if (now.intent_to_add) {
          // Not committed: the path stays as HEAD has it.
          continue;
        }
        if (now.mode != mode || std::memcmp(now.oid.data(), git_tree_entry_id(entry)->id, now.oid.size()) != 0) {
          FileChange change = make(path, mode, git_tree_entry_id(entry)->id, now);
          change.status = kind(mode) != kind(now.mode) ? Status::type_changed : Status::modified;
          m_changes.push_back(std::move(change));
        }
      } else if (!conflicted) {
        FileChange change;
        change.status = Status::deleted;
        change.path = path;
        change.old_path = path;
        change.old_mode = mode;
        change.old_oid = hex(git_tree_entry_id(entry)->id);
        m_changes.push_back(std::move(change));
      }
    }
  }

  // Index entries not matched by any tree entry: added.
  void add_rest() { add_until({}); }

  std::vector<FileChange> take() { return std::move(m_changes); }

private:
  // A directory whose cache tree says the index holds exactly HEAD's subtree: skip its
  // entries without reading a single tree object.
  bool skip_unchanged(const std::string& directory, const CacheTree* cache, const git_oid& oid)
  {
    if (!cache || !cache->valid() || std::memcmp(cache->oid.data(), oid.id, cache->oid.size()) != 0) {
      return false;
    }
    const auto count = static_cast<std::size_t>(cache->entries);
    // Trust the cache tree only where it agrees with the entries around it.
    if (count == 0 || m_next + count > m_entries.size() || !m_entries[m_next].path.starts_with(directory) ||
        !m_entries[m_next + count - 1].path.starts_with(directory) ||
        (m_next + count < m_entries.size() && m_entries[m_next + count].path.starts_with(directory))) {
      return false;
    }
    m_next += count;
    return true;
  }

  // Conflict stages of `path` (the index has no stage 0 for it): neither added nor deleted.
  bool skip_conflicts(const std::string& path)
  {
    bool found = false;
    while (m_next < m_entries.size() && m_entries[m_next].path == path && m_entries[m_next].stage > 0) {
      ++m_next;
      found = true;
    }
    return found;
  }

  // Emits as added every index entry that sorts before `limit` ("" = all of them).
  void add_until(const std::string& limit)
  {
    while (m_next < m_entries.size() && (limit.empty() || m_entries[m_next].path < limit)) {
      add(m_entries[m_next++]);
    }
  }

  // Emits as added the entries still inside `directory` after its tree was walked.
  void add_under(const std::string& directory)
  {
    while (m_next < m_entries.size() && m_entries[m_next].path.starts_with(directory)) {
      add(m_entries[m_next++]);
    }
  }

  void add(const IndexEntry& entry)
  {
    if (entry.stage > 0 || entry.intent_to_add) {
      return;
    }
    FileChange change = make(entry.path, 0, nullptr, entry);
    change.status = Status::added;
    m_changes.push_back(std::move(change));
  }

  static FileChange make(const std::string& path,
                         std::uint32_t old_mode,
                         const unsigned char* old_oid,
                         const IndexEntry& now)
  {
    FileChange change;
    change.path = path;
    change.old_path = path;
    change.old_mode = old_mode;
    change.new_mode = now.mode;
    if (old_oid) {
      change.old_oid = hex(old_oid);
    }
    change.new_oid = hex(now.oid.data());
    change.new_size = now.file_size;
    return change;
  }

  git_repository* m_repo;
  const std::vector<IndexEntry>& m_entries;
  std::size_t m_next = 0;
  std::vector<FileChange> m_changes;
};

} // namespace

std::vector<FileChange>
diff_tree_to_index(git_repository* repo, const git_tree* base, const IndexFile& index)
{
  Walker walker(repo, index);
  if (base) {
    const CacheTree* root = index.cache_tree.get();
    // The top directory can be skipped as a whole too: nothing staged at all.
    if (root && root->valid() && std::memcmp(root->oid.data(), git_tree_id(base)->id, root->oid.size()) == 0 &&
        static_cast<std::size_t>(root->entries) == index.entries.size()) {
      return {};
    }
    walker.walk(base, "", root);
  }
  walker.add_rest();
  return walker.take();
}

} // namespace cmtgen::git
