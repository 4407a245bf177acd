#pragma once

// Sizes, binary flags and line counts for every file of a change, read with libgit2 from
// blobs. Internal to git/.

#include "git/change.hpp"

#include <cstddef>
#include <filesystem>
#include <vector>

namespace cmtgen::git {

// Fills old_size, new_size, too_large, binary, added and removed of each file that is not
// a submodule, from its object ids. On entry new_size may hold the index's size of the new
// side (0 when unknown), which saves reading that object's header. Blobs above `max_size` are never loaded (their size
// comes from the object header). Files with no_diff set count as binary. The work is shared between two threads, each
// with its own repository handle opened from `git_dir` (libgit2 objects must not be shared between threads); no
// attribute lookups happen here.
void count_lines(const std::filesystem::path& git_dir, std::vector<FileChange>& files, std::size_t max_size);

} // namespace cmtgen::git
