#include "git/handles.hpp"

#include "error.hpp"

#include <fmt/core.h>

namespace cmtgen::git {

void
check(int rc, std::string_view what)
{
  if (rc >= 0) {
    return;
  }
  const git_error* error = git_error_last();
  throw Error(Failure::git,
              fmt::format("{}: {}", what, error && error->message ? error->message : "unknown libgit2 error"));
}

Library::Library()
{
  // libgit2 1.5 built with mbedTLS (Debian's) parses the system CA bundle here for HTTPS,
  // which cmtgen never uses: a few milliseconds that no supported option avoids, paid only
  // when a repository is read: the hook's skip path never initialises libgit2.
  git_libgit2_init();
  // cmtgen reads each tree and blob once: libgit2's object cache (256 MiB by default)
  // would only hold memory.
  git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
  // Pack files are mapped in windows of 1 GiB, up to 8 GiB in all, which shows as resident
  // memory once read. 4 MiB windows, 32 MiB in all, read a 100,000-file change as fast.
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, std::size_t{4} * 1024 * 1024);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, std::size_t{32} * 1024 * 1024);
}

Library::~Library()
{
  git_libgit2_shutdown();
}

void
library()
{
  static const Library instance;
}

} // namespace cmtgen::git
