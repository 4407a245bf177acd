#pragma once

#include <git2.h>

#include <memory>
#include <string_view>

// libgit2 handles as unique_ptr with stateless deleters. Wrap only what we own (out
// parameters); never free what a getter returns.
namespace cmtgen::git {

template<auto F>
struct Deleter
{
  template<typename T>
  void operator()(T* p) const
  {
    F(p);
  }
};

namespace handle {
using Repository = std::unique_ptr<git_repository, Deleter<git_repository_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference_free>>;
using Patch = std::unique_ptr<git_patch, Deleter<git_patch_free>>;
using Blob = std::unique_ptr<git_blob, Deleter<git_blob_free>>;
using Config = std::unique_ptr<git_config, Deleter<git_config_free>>;
using ConfigIterator = std::unique_ptr<git_config_iterator, Deleter<git_config_iterator_free>>;
using Revwalk = std::unique_ptr<git_revwalk, Deleter<git_revwalk_free>>;
using Odb = std::unique_ptr<git_odb, Deleter<git_odb_free>>;
} // namespace handle

// Throws cmtgen::Error(Failure::git) with "<what>: <libgit2 message>" when rc < 0.
void check(int rc, std::string_view what);

// libgit2 init/shutdown. init costs milliseconds (it loads the system's CA bundle for
// HTTPS), so it happens on first use, never on the hook's skip path: call library() before
// any other libgit2 function. Shutdown runs at exit.
class Library
{
public:
  Library();
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
};

void library();

} // namespace cmtgen::git
