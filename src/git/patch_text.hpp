#pragma once

// The diff of one file as git prints it, built from its blobs. Internal to git/.

#include "git/change.hpp"

#include <git2.h>

#include <cstddef>

namespace cmtgen::git {

// The `diff --git` header git would print for `file` (mode lines, rename or copy lines,
// the index line, ---/+++), then whole hunks of the content diff until `limit` bytes. The
// first hunk is kept in part (up to a line past the limit) when it alone is larger, so the
// start of a file with one huge hunk can still be shown. Blobs are read from `repo`.
FilePatch file_patch(git_repository* repo, const FileChange& file, std::size_t limit);

} // namespace cmtgen::git
