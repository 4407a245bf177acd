#include "git/handles.hpp"

#include "error.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace {

std::atomic<bool> g_initializing{false};

} // namespace

// libgit2 1.5 (built with mbedTLS, as Debian's is) parses the system CA bundle inside
// git_libgit2_init() for HTTPS, which cmtgen never uses: about 6 ms of the 15 a small
// preview may take. While that init runs, stat() reports certificate locations as missing
// so libgit2 skips them; at every other moment, and for every other path, this is plain
// stat(). libgit2 finds this definition before glibc's (the executable comes first).
extern "C" int
stat(const char* __restrict path, struct stat* __restrict buffer) noexcept
{
  if (g_initializing.load(std::memory_order_relaxed) &&
      (std::strstr(path, "/ssl/") || std::strstr(path, "/pki/") || std::strstr(path, "cert"))) {
    errno = ENOENT;
    return -1;
  }
  return ::fstatat(AT_FDCWD, path, buffer, 0);
}

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
  g_initializing = true;
  git_libgit2_init();
  g_initializing = false;
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
