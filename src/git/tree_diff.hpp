#pragma once

// HEAD's tree against the index, as `git diff-index --cached` computes it. Internal to git/.

#include "git/change.hpp"
#include "git/index_file.hpp"

#include <git2.h>

#include <vector>

namespace cmtgen::git {

// Every path whose mode or object differs between `base` (null: nothing, an unborn branch
// or a root commit's parent) and the index, in git's order, as added, deleted, modified or
// type-changed FileChange values (ids and modes filled in; no renames, sizes or line
// counts yet). Directories whose cache-tree entry is valid and equal to the base's subtree
// are skipped without reading them, which is what makes git's own diff fast in big
// repositories. Conflicted and intent-to-add entries are left out, as git commits neither.
std::vector<FileChange> diff_tree_to_index(git_repository* repo, const git_tree* base, const IndexFile& index);

} // namespace cmtgen::git
