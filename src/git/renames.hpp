#pragma once

// Rename and copy detection over a change list. Internal to git/.

#include "git/change.hpp"
#include "git/repository.hpp"

#include <git2.h>

#include <cstddef>
#include <vector>

namespace cmtgen::git {

// Pairs the files of `files` as renames (a deleted file and an added one) and, with
// Renames::copies, copies (an added file and a modified or deleted source): identical
// object ids first, then content similarity (libgit2's hashsig, the metric of its own
// rename search) of at least 50%, best pairs first. Blobs above `max_size` take part in
// exact matches only, so memory stays bounded; past 1000 x 1000 candidates only exact
// matches are looked for (git's diff.renameLimit). A rename replaces its two entries with
// one; order by path is kept.
void find_renames(git_repository* repo, std::vector<FileChange>& files, Renames mode, std::size_t max_size);

} // namespace cmtgen::git
