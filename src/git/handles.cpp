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
  git_libgit2_init();
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
