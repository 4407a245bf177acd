#pragma once

// A reader for git's index file (versions 2, 3 and 4) and its cache tree. Internal to git/.
//
// Why not libgit2's: git_index_read verifies the whole file's SHA-1 with the
// collision-detecting implementation and builds a hash map of every path, about 1 µs per
// entry (20 ms for 20,000 files), while the only thing cmtgen needs is a sorted list it
// can merge with HEAD's tree, plus the cache tree that lets it skip unchanged directories
// the way git's own diff-index does.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cmtgen::git {

using RawOid = std::array<unsigned char, 20>;

struct IndexEntry
{
  std::string path;
  std::uint32_t mode = 0;
  RawOid oid{};
  std::uint32_t file_size = 0; // the work tree size git recorded (a hint of the blob size)
  int stage = 0;               // 1-3 in a conflict
  bool intent_to_add = false;  // `git add -N`: not committed
};

// One directory of the cache tree (the TREE extension): the tree object the index holds
// for it, when still valid.
struct CacheTree
{
  std::string name;          // the directory's own name ("" for the top)
  std::int64_t entries = -1; // index entries below it; -1 when invalidated
  RawOid oid{};
  std::vector<CacheTree> children;

  bool valid() const { return entries >= 0; }
  const CacheTree* child(std::string_view name) const;
};

struct IndexFile
{
  std::vector<IndexEntry> entries;       // in git's order: bytewise by path, then by stage
  std::unique_ptr<CacheTree> cache_tree; // null when the index has none
};

// Reads the index at `path`. Throws Unreadable (readers.hpp) for what libgit2 1.5.1 and
// this reader do not handle (split index, sparse index, unknown versions, a malformed
// file): git itself then reads the repository.
IndexFile read_index(const std::filesystem::path& path);

// The same for the bytes of an index file (read_index() reads the file, then this).
IndexFile parse_index(std::string_view data);

} // namespace cmtgen::git
