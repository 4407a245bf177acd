// Opens a repository with libgit2 and never frees it. In the sanitizer build, ctest runs
// this with the suppressions of tests/lsan.supp and expects LeakSanitizer to fail it: the
// proof that a leaked handle cannot hide behind a suppression.
#include <git2.h>

#include <cstdio>

int
main(int argc, char** argv)
{
  git_libgit2_init();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, argc > 1 ? argv[1] : ".", 0, nullptr) != 0) {
    std::fprintf(stderr, "leak_check: no repository\n");
    return 2;
  }
  repo = nullptr; // leaked on purpose
  return 0;
}
