// The staged change model, read from real temporary repositories made with the git CLI.
#include "config.hpp"
#include "error.hpp"
#include "git/change.hpp"
#include "git/handles.hpp"
#include "git/readers.hpp"
#include "git/repository.hpp"
#include "sandbox.hpp"
#include "util/environment.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

using cmtgen::git::Base;
using cmtgen::git::ConfigEntry;
using cmtgen::git::FileChange;
using cmtgen::git::FilePatch;
using cmtgen::git::OpenRequest;
using cmtgen::git::Renames;
using cmtgen::git::Repository;
using cmtgen::git::Status;

namespace Catch {
template<>
struct StringMaker<Status>
{
  static std::string convert(Status status) { return std::string(cmtgen::git::status_name(status)); }
};
} // namespace Catch

using test::Sandbox;

namespace {

constexpr std::string_view k_submodule_oid = "0123456789abcdef0123456789abcdef01234567";

void
write(const fs::path& path, std::string_view content)
{
  fs::create_directories(path.parent_path());
  util::write_file_atomic(path, content);
}

std::string
numbered_lines(int count, std::string_view prefix = "line")
{
  std::string text;
  for (int i = 1; i <= count; ++i) {
    text += fmt::format("{} {} of the file, long enough to count for similarity\n", prefix, i);
  }
  return text;
}

const FileChange&
find(const std::vector<FileChange>& files, std::string_view path)
{
  for (const auto& file : files) {
    if (file.path == path) {
      return file;
    }
  }
  FAIL("no change for " << path);
  return files.front();
}

std::vector<std::string>
paths(const std::vector<FileChange>& files)
{
  std::vector<std::string> result;
  for (const auto& file : files) {
    result.push_back(file.path);
  }
  return result;
}

// A repository whose index holds one change of every kind against HEAD. Returns its top.
fs::path
every_kind_of_change(const Sandbox& box)
{
  const fs::path repo = box.init("kinds");
  write(repo / ".gitattributes", "gen.js linguist-generated\nnodiff.txt -diff\n");
  write(repo / "mod.txt", "one\ntwo\nthree\n");
  write(repo / "del.txt", "to be deleted\n");
  write(repo / "ren_old.txt", numbered_lines(20));
  write(repo / "tc", "a regular file that becomes a symlink\n");
  write(repo / "script.sh", "#!/bin/sh\necho hi\n");
  write(repo / "gen.js", "var a = 1;\n");
  write(repo / "nodiff.txt", "opaque 1\n");
  write(repo / "huge.txt", "h\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "Initial commit"});

  write(repo / "new.txt", "fresh\nlines\n");
  write(repo / "mod.txt", "one\n2\nthree\n");
  std::string renamed = numbered_lines(20);
  renamed.replace(renamed.find("line 7"), 6, "LINE 7");
  write(repo / "ren_new.txt", renamed);
  fs::remove(repo / "ren_old.txt");
  fs::remove(repo / "tc");
  fs::create_symlink("mod.txt", repo / "tc");
  constexpr char k_png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
  write(repo / "image.bin", std::string(k_png, sizeof(k_png) - 1));
  write(repo / "huge.txt", std::string(5000, 'h') + "\n");
  write(repo / "gen.js", "var a = 2;\nvar b = 3;\n");
  write(repo / "nodiff.txt", "opaque 2\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"rm", "-q", "del.txt"});
  box.git(repo, {"update-index", "--chmod=+x", "script.sh"});
  box.git(repo, {"update-index", "--add", "--cacheinfo", fmt::format("160000,{},sub", k_submodule_oid)});
  return repo;
}

// What every reader must say about every_kind_of_change(): paths, statuses, modes, line
// counts of text files and attributes.
void
check_every_kind(const std::vector<FileChange>& files)
{
  // git's order: sorted by (new) path.
  CHECK(paths(files) == std::vector<std::string>{"del.txt", "gen.js", "huge.txt", "image.bin", "mod.txt", "new.txt",
                                                 "nodiff.txt", "ren_new.txt", "script.sh", "sub", "tc"});

  const auto& added = find(files, "new.txt");
  CHECK(added.status == Status::added);
  CHECK(added.added == 2);
  CHECK(added.removed == 0);
  CHECK(added.old_mode == 0);
  CHECK(added.new_mode == 0100644);
  CHECK(added.old_oid.empty());
  CHECK_FALSE(added.new_oid.empty());
  CHECK_FALSE(added.binary);

  const auto& modified = find(files, "mod.txt");
  CHECK(modified.status == Status::modified);
  CHECK(modified.added == 1);
  CHECK(modified.removed == 1);

  const auto& deleted = find(files, "del.txt");
  CHECK(deleted.status == Status::deleted);
  CHECK(deleted.removed == 1);
  CHECK(deleted.added == 0);
  CHECK(deleted.new_mode == 0);
  CHECK(deleted.new_oid.empty());
  CHECK_FALSE(deleted.old_oid.empty());

  const auto& renamed = find(files, "ren_new.txt");
  CHECK(renamed.status == Status::renamed);
  CHECK(renamed.old_path == "ren_old.txt");
  CHECK(renamed.similarity >= 80);
  CHECK(renamed.similarity < 100);
  CHECK(renamed.added == 1);
  CHECK(renamed.removed == 1);

  const auto& type_changed = find(files, "tc");
  CHECK(type_changed.status == Status::type_changed);
  CHECK(type_changed.old_mode == 0100644);
  CHECK(type_changed.new_mode == cmtgen::git::k_mode_link);
  CHECK_FALSE(type_changed.mode_changed());

  const auto& mode = find(files, "script.sh");
  CHECK(mode.status == Status::modified);
  CHECK(mode.old_mode == 0100644);
  CHECK(mode.new_mode == cmtgen::git::k_mode_executable);
  CHECK(mode.mode_changed());
  CHECK(mode.added == 0);
  CHECK(mode.removed == 0);

  const auto& binary = find(files, "image.bin");
  CHECK(binary.status == Status::added);
  CHECK(binary.binary);
  CHECK(binary.added == -1);
  CHECK(binary.removed == -1);

  const auto& submodule = find(files, "sub");
  CHECK(submodule.status == Status::added);
  CHECK(submodule.submodule());
  CHECK(submodule.new_mode == cmtgen::git::k_mode_gitlink);
  CHECK(std::string_view(k_submodule_oid).starts_with(submodule.new_oid));

  const auto& huge = find(files, "huge.txt");
  CHECK(huge.status == Status::modified);
  CHECK(huge.added == -1);
  CHECK(huge.removed == -1);

  const auto& generated = find(files, "gen.js");
  CHECK(generated.generated);
  CHECK_FALSE(generated.binary);
  CHECK(generated.added == 2);

  const auto& no_diff = find(files, "nodiff.txt");
  CHECK(no_diff.no_diff);
  CHECK(no_diff.binary);
  CHECK(no_diff.added == -1);
  CHECK_FALSE(no_diff.generated);

  for (const auto& file : files) {
    if (file.path != "gen.js") {
      CHECK_FALSE(file.generated);
    }
  }
}

// Object ids, blob sizes and the size limit (max_file_size 4096) for every_kind_of_change().
void
check_every_kind_sizes(const std::vector<FileChange>& files)
{
  for (const auto& file : files) {
    INFO(file.path);
    for (const auto* oid : {&file.old_oid, &file.new_oid}) {
      CHECK((oid->empty() || oid->size() == 40));
    }
  }
  CHECK(find(files, "new.txt").new_size == 12);
  CHECK(find(files, "mod.txt").old_size == 14);
  CHECK(find(files, "mod.txt").new_size == 12);
  CHECK(find(files, "mod.txt").weight() == 14);
  CHECK(find(files, "del.txt").old_size == 14);
  CHECK(find(files, "image.bin").new_size == 20);
  CHECK(find(files, "sub").new_oid == k_submodule_oid);

  const auto& huge = find(files, "huge.txt");
  CHECK(huge.too_large);
  CHECK_FALSE(huge.binary);
  CHECK(huge.old_size == 2);
  CHECK(huge.new_size == 5001);
  for (const auto& file : files) {
    if (file.path != "huge.txt") {
      CHECK_FALSE(file.too_large);
    }
  }
}

// Two models agree on what every reader must report (see check_every_kind).
void
check_same_shape(const std::vector<FileChange>& a, const std::vector<FileChange>& b)
{
  REQUIRE(paths(a) == paths(b));
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].path);
    CHECK(a[i].old_path == b[i].old_path);
    CHECK(a[i].status == b[i].status);
    CHECK(a[i].old_mode == b[i].old_mode);
    CHECK(a[i].new_mode == b[i].new_mode);
    CHECK(a[i].generated == b[i].generated);
    CHECK(a[i].no_diff == b[i].no_diff);
    CHECK((a[i].similarity > 0) == (b[i].similarity > 0));
    if (!a[i].submodule() && a[i].status != Status::type_changed && !a[i].too_large) {
      CHECK(a[i].added == b[i].added);
      CHECK(a[i].removed == b[i].removed);
      CHECK(a[i].binary == b[i].binary);
    }
  }
}

// Two models are the same, field by field (similarity scores are each tool's own estimate).
void
check_same_model(const std::vector<FileChange>& a, const std::vector<FileChange>& b)
{
  REQUIRE(paths(a) == paths(b));
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].path);
    CHECK(a[i].old_path == b[i].old_path);
    CHECK(a[i].status == b[i].status);
    CHECK(a[i].old_mode == b[i].old_mode);
    CHECK(a[i].new_mode == b[i].new_mode);
    CHECK(a[i].old_oid == b[i].old_oid);
    CHECK(a[i].new_oid == b[i].new_oid);
    CHECK(a[i].old_size == b[i].old_size);
    CHECK(a[i].new_size == b[i].new_size);
    CHECK(a[i].added == b[i].added);
    CHECK(a[i].removed == b[i].removed);
    CHECK(a[i].binary == b[i].binary);
    CHECK(a[i].too_large == b[i].too_large);
    CHECK(a[i].generated == b[i].generated);
    CHECK(a[i].no_diff == b[i].no_diff);
    CHECK((a[i].similarity > 0) == (b[i].similarity > 0));
  }
}

std::string
joined(const FilePatch& patch)
{
  std::string text;
  for (const auto& hunk : patch.hunks) {
    text += hunk;
  }
  return text;
}

// A repository with one staged file of 100 lines where lines 10, 50 and 90 changed: three
// hunks.
fs::path
three_hunks(const Sandbox& box, const std::string& name)
{
  const fs::path repo = box.init(name);
  write(repo / "long.txt", numbered_lines(100));
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "Add long.txt"});
  std::string text = numbered_lines(100);
  for (const int line : {90, 50, 10}) {
    const auto pos = text.find(fmt::format("line {} of", line));
    text.replace(pos, 4, "LINE");
  }
  write(repo / "long.txt", text);
  box.git(repo, {"add", "-A"});
  return repo;
}

std::vector<std::string>
keys_and_values(const std::vector<ConfigEntry>& entries, std::string_view key)
{
  std::vector<std::string> result;
  for (const auto& entry : entries) {
    if (entry.key == key) {
      result.push_back(entry.value);
    }
  }
  return result;
}

} // namespace

TEST_CASE("every kind of staged change is described with libgit2", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  auto repository = cmtgen::git::open_repository(request);
  CHECK(repository->reader() == "libgit2");
  const auto files = repository->staged(Base::head, Renames::renames);
  check_every_kind(files);
  check_every_kind_sizes(files);
  CHECK(repository->workdir() == fs::path(repo.string() + "/").lexically_normal());
  CHECK(repository->git_dir() == (repo / ".git/").lexically_normal());
  CHECK(repository->common_dir() == repository->git_dir());
}

TEST_CASE("the git CLI reader agrees with libgit2 on paths, statuses, modes, line counts and attributes", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  auto libgit2 = cmtgen::git::open_with_libgit2(request);
  auto cli = cmtgen::git::open_with_cli(request);
  CHECK(cli->reader() == "git");
  const auto from_libgit2 = libgit2->staged(Base::head, Renames::renames);
  const auto from_cli = cli->staged(Base::head, Renames::renames);
  check_every_kind(from_cli);
  check_same_shape(from_libgit2, from_cli);

  CHECK(fs::path(cli->workdir().string() + "/").lexically_normal() == libgit2->workdir());
  const auto head_a = libgit2->head();
  const auto head_b = cli->head();
  CHECK(head_a.branch == head_b.branch);
  CHECK(head_a.oid == head_b.oid);
  CHECK(head_a.unborn == head_b.unborn);
  CHECK(head_a.detached == head_b.detached);
  CHECK(libgit2->recent_subjects(5) == cli->recent_subjects(5));

  // The same hunks for every file with a text diff.
  for (std::size_t i = 0; i < from_libgit2.size(); ++i) {
    const auto& file = from_libgit2[i];
    if (file.binary || file.too_large || file.submodule() || file.status == Status::type_changed) {
      continue;
    }
    INFO(file.path);
    const auto a = libgit2->patch(i, 100000);
    const auto b = cli->patch(i, 100000);
    CHECK(a.hunks == b.hunks);
    CHECK(a.truncated == b.truncated);
  }
}

// Guards a fixed bug: `git diff --raw` abbreviated the ids, so the CLI reader's sizes stayed 0
// and a file above max_file_size was reported as binary, not too large.
TEST_CASE("the git CLI reader gives full object ids, blob sizes and too-large files like libgit2", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  check_every_kind_sizes(cmtgen::git::open_with_cli(request)->staged(Base::head, Renames::renames));
}

TEST_CASE("the git CLI reader gives the same model as libgit2 for the same repository", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  auto libgit2 = cmtgen::git::open_with_libgit2(request);
  auto cli = cmtgen::git::open_with_cli(request);
  auto from_libgit2 = libgit2->staged(Base::head, Renames::renames);
  auto from_cli = cli->staged(Base::head, Renames::renames);
  // The sizes of a -diff file differ: see "the sizes of a file with the -diff attribute".
  for (auto* files : {&from_libgit2, &from_cli}) {
    for (auto& file : *files) {
      if (file.no_diff) {
        file.old_size = 0;
        file.new_size = 0;
      }
    }
  }
  check_same_model(from_libgit2, from_cli);
  for (std::size_t i = 0; i < from_libgit2.size(); ++i) {
    const auto& file = from_libgit2[i];
    if (file.binary || file.too_large || file.submodule() || file.status == Status::type_changed) {
      continue; // the prompt never asks for those patches; type changes: see below
    }
    INFO(file.path);
    CHECK(libgit2->patch(i, 100000).hunks == cli->patch(i, 100000).hunks);
  }
}

TEST_CASE("the sizes of a file with the -diff attribute are its blob sizes", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  auto repository = cmtgen::git::open_with_libgit2(box.request(repo));
  const auto files = repository->staged(Base::head, Renames::renames);
  const auto& no_diff = find(files, "nodiff.txt");
  CHECK(no_diff.old_size == 9);
  CHECK(no_diff.new_size == 9);
}

// git prints a type change as two blocks (the deletion, then the addition): the second
// block's header must start a piece of its own, never sit inside the first block's hunk.
TEST_CASE("the git CLI reader's patch of a type change keeps each block's header at the start of a piece", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  auto cli = cmtgen::git::open_with_cli(box.request(repo));
  const auto files = cli->staged(Base::head, Renames::renames);
  std::size_t index = 0;
  while (index < files.size() && files[index].path != "tc") {
    ++index;
  }
  REQUIRE(index < files.size());
  const auto patch = cli->patch(index, 100000);
  REQUIRE(patch.hunks.size() >= 2);
  for (const auto& hunk : patch.hunks) {
    CHECK((hunk.starts_with("@@") || hunk.starts_with("diff --git ")));
    CHECK(hunk.find("diff --git", 1) == std::string::npos);
  }
  CHECK(util::contains(patch.header, "deleted file mode"));
  CHECK(util::contains(joined(patch), "new file mode 120000"));
}

TEST_CASE("the git CLI reader reports its git directory and common directory", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("cli-dirs-with-a-name-long-enough-to-leave-the-small-string-buffer");
  auto cli = cmtgen::git::open_with_cli(box.request(repo));
  CHECK(fs::path(cli->git_dir().string() + "/").lexically_normal() == (repo / ".git/").lexically_normal());
  CHECK(fs::path(cli->common_dir().string() + "/").lexically_normal() == (repo / ".git/").lexically_normal());
}

TEST_CASE("a split index is read through the git CLI", "[change]")
{
  Sandbox box;
  const fs::path repo = every_kind_of_change(box);
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  const auto before = cmtgen::git::open_repository(request)->staged(Base::head, Renames::renames);

  box.git(repo, {"config", "core.splitIndex", "true"});
  box.git(repo, {"update-index", "--split-index"});
  bool shared = false;
  for (const auto& entry : fs::directory_iterator(repo / ".git")) {
    shared = shared || entry.path().filename().string().starts_with("sharedindex.");
  }
  REQUIRE(shared);
  REQUIRE_THROWS_AS(cmtgen::git::open_with_libgit2(request), cmtgen::Error);

  auto repository = cmtgen::git::open_repository(request);
  CHECK(repository->reader() == "git");
  const auto after = repository->staged(Base::head, Renames::renames);
  check_every_kind(after);
  check_same_shape(before, after);
  CHECK(repository->head().branch == "main");
  const auto patch = repository->patch(0, 100000);
  CHECK(patch.header.starts_with("diff --git a/del.txt b/del.txt\n"));
  CHECK(patch.hunks.size() == 1);
}

TEST_CASE("rename detection follows the requested mode in both readers", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("renames");
  write(repo / "old.txt", numbered_lines(30, "moved"));
  write(repo / "source.txt", numbered_lines(30, "source"));
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  fs::rename(repo / "old.txt", repo / "new.txt");
  std::string source = numbered_lines(30, "source");
  write(repo / "copy.txt", source);
  source.replace(source.find("source 3 "), 6, "SOURCE");
  write(repo / "source.txt", source);
  box.git(repo, {"add", "-A"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository =
      cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));

    const auto off = repository->staged(Base::head, Renames::off);
    CHECK(paths(off) == std::vector<std::string>{"copy.txt", "new.txt", "old.txt", "source.txt"});
    CHECK(find(off, "new.txt").status == Status::added);
    CHECK(find(off, "old.txt").status == Status::deleted);

    const auto renames = repository->staged(Base::head, Renames::renames);
    CHECK(paths(renames) == std::vector<std::string>{"copy.txt", "new.txt", "source.txt"});
    CHECK(find(renames, "new.txt").status == Status::renamed);
    CHECK(find(renames, "new.txt").old_path == "old.txt");
    CHECK(find(renames, "new.txt").similarity == 100);
    CHECK(find(renames, "copy.txt").status == Status::added);

    const auto copies = repository->staged(Base::head, Renames::copies);
    CHECK(paths(copies) == std::vector<std::string>{"copy.txt", "new.txt", "source.txt"});
    CHECK(find(copies, "copy.txt").status == Status::copied);
    CHECK(find(copies, "copy.txt").old_path == "source.txt");
    CHECK(find(copies, "source.txt").status == Status::modified);
  }
}

TEST_CASE("a file above max_file_size is too large and its content is never read", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("never-loaded");
  write(repo / "big.txt", "small at first\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  // Text that does not compress much, so its loose object is long.
  std::string big;
  std::minstd_rand random(7);
  while (big.size() < 20000) {
    big += static_cast<char>('a' + random() % 26);
    if (big.size() % 70 == 0) {
      big += '\n';
    }
  }
  write(repo / "big.txt", big);
  box.git(repo, {"add", "-A"});

  // Corrupt the end of the staged blob's loose object: its header (type and size) still
  // reads, but loading the content fails. A reader that loads it cannot report the size.
  const std::string oid(util::trim(box.git(repo, {"rev-parse", ":big.txt"})));
  const fs::path object = repo / ".git/objects" / oid.substr(0, 2) / oid.substr(2);
  auto bytes = util::read_file(object).take();
  REQUIRE(bytes);
  REQUIRE(bytes->size() > 1000);
  for (std::size_t i = bytes->size() - 200; i < bytes->size(); ++i) {
    (*bytes)[i] = static_cast<char>(~(*bytes)[i]);
  }
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  util::write_file_atomic(object, *bytes);

  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository = cli ? cmtgen::git::open_with_cli(request) : cmtgen::git::open_repository(request);
    const auto files = repository->staged(Base::head, Renames::renames);
    REQUIRE(files.size() == 1);
    CHECK(files[0].too_large);
    CHECK_FALSE(files[0].binary);
    CHECK(files[0].new_size == big.size());
    CHECK(files[0].old_size == 15);
    CHECK(files[0].added == -1);
    CHECK(files[0].new_oid == oid);
  }
}

TEST_CASE("a large added file does not stop rename detection for the other files", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("large-and-rename");
  write(repo / "ren_old.txt", numbered_lines(20));
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  std::string renamed = numbered_lines(20);
  renamed.replace(renamed.find("line 7"), 6, "LINE 7");
  write(repo / "ren_new.txt", renamed);
  fs::remove(repo / "ren_old.txt");
  write(repo / "huge.txt", std::string(5000, 'h') + "\n");
  box.git(repo, {"add", "-A"});

  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  const auto from_cli = cmtgen::git::open_with_cli(request)->staged(Base::head, Renames::renames);
  CHECK(paths(from_cli) == std::vector<std::string>{"huge.txt", "ren_new.txt"});
  const auto from_libgit2 = cmtgen::git::open_with_libgit2(request)->staged(Base::head, Renames::renames);
  CHECK(paths(from_libgit2) == std::vector<std::string>{"huge.txt", "ren_new.txt"});
  CHECK(find(from_libgit2, "ren_new.txt").status == Status::renamed);
  CHECK(find(from_libgit2, "huge.txt").too_large);
}

TEST_CASE("an exact rename is still found next to a large added file", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("large-and-exact-rename");
  write(repo / "old.txt", numbered_lines(20));
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  fs::rename(repo / "old.txt", repo / "new.txt");
  write(repo / "huge.txt", std::string(5000, 'h') + "\n");
  box.git(repo, {"add", "-A"});
  OpenRequest request = box.request(repo);
  request.max_file_size = 4096;
  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository = cli ? cmtgen::git::open_with_cli(request) : cmtgen::git::open_repository(request);
    const auto files = repository->staged(Base::head, Renames::renames);
    REQUIRE(paths(files) == std::vector<std::string>{"huge.txt", "new.txt"});
    CHECK(files[0].status == Status::added);
    CHECK(files[0].too_large);
    CHECK(files[0].added == -1);
    CHECK(files[0].new_size == 5001);
    CHECK(files[1].status == Status::renamed);
    CHECK(files[1].old_path == "old.txt");
  }
}

TEST_CASE("an unborn branch has everything added and its name from HEAD's symbolic ref", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("unborn", "trunk");
  write(repo / "a.txt", "a\n");
  write(repo / "dir/b.txt", "b\nb\n");
  box.git(repo, {"add", "-A"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository =
      cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
    const auto head = repository->head();
    CHECK(head.unborn);
    CHECK(head.branch == "trunk");
    CHECK(head.oid.empty());
    CHECK_FALSE(head.detached);
    const auto files = repository->staged(Base::head, Renames::renames);
    REQUIRE(paths(files) == std::vector<std::string>{"a.txt", "dir/b.txt"});
    for (const auto& file : files) {
      CHECK(file.status == Status::added);
    }
    CHECK(find(files, "dir/b.txt").added == 2);
    CHECK(repository->recent_subjects(10).empty());
    CHECK(repository->staged(Base::head_parent, Renames::renames).size() == 2);
  }
}

TEST_CASE("a detached HEAD has no branch and the commit's id", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("detached");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  const std::string oid(util::trim(box.git(repo, {"rev-parse", "HEAD"})));
  box.git(repo, {"checkout", "-q", "--detach"});
  write(repo / "a.txt", "b\n");
  box.git(repo, {"add", "-A"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository =
      cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
    const auto head = repository->head();
    CHECK(head.detached);
    CHECK(head.branch.empty());
    CHECK(head.oid == oid);
    CHECK_FALSE(head.unborn);
    CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"a.txt"});
  }
}

TEST_CASE("GIT_INDEX_FILE selects the index that is described", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("index-file");
  write(repo / "a.txt", "a\n");
  write(repo / "b.txt", "b\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  // The default index stages a.txt; another index (as `git commit b.txt` builds) stages b.txt.
  write(repo / "a.txt", "a2\n");
  box.git(repo, {"add", "a.txt"});
  write(repo / "b.txt", "b2\n");
  const fs::path other = repo / ".git/next-index-123.lock";
  box.git(repo, {"read-tree", "HEAD"}, {{"GIT_INDEX_FILE", other.string()}});
  box.git(repo, {"add", "b.txt"}, {{"GIT_INDEX_FILE", other.string()}});

  CHECK(paths(cmtgen::git::open_repository(box.request(repo))->staged(Base::head, Renames::renames)) ==
        std::vector<std::string>{"a.txt"});

  SECTION("an absolute path")
  {
    auto repository = cmtgen::git::open_repository(box.request(repo, {{"GIT_INDEX_FILE", other.string()}}));
    CHECK(repository->reader() == "libgit2");
    CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"b.txt"});
    auto cli = cmtgen::git::open_with_cli(box.request(repo, {{"GIT_INDEX_FILE", other.string()}}));
    CHECK(paths(cli->staged(Base::head, Renames::renames)) == std::vector<std::string>{"b.txt"});
  }
  SECTION("a path relative to the working directory, as git exports it for a plain commit")
  {
    auto repository = cmtgen::git::open_repository(box.request(repo, {{"GIT_INDEX_FILE", ".git/next-index-123.lock"}}));
    CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"b.txt"});
  }
}

TEST_CASE("a missing GIT_INDEX_FILE is an error with libgit2, not an empty index", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("missing-index");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  const auto request = box.request(repo, {{"GIT_INDEX_FILE", (repo / ".git/no-such-index").string()}});
  try {
    cmtgen::git::open_with_libgit2(request);
    FAIL("no error");
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::git);
    CHECK(util::contains(e.what(), "no-such-index"));
  }
}

// Guards a fixed bug: open_repository fell back to the git CLI reader, which read the missing
// index as an empty one and described every file of HEAD as deleted.
TEST_CASE("a missing GIT_INDEX_FILE is an error rather than everything deleted", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("missing-index-2");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  const auto request = box.request(repo, {{"GIT_INDEX_FILE", (repo / ".git/no-such-index").string()}});
  CHECK_THROWS_AS(cmtgen::git::open_with_cli(request), cmtgen::Error);
  std::vector<FileChange> files;
  try {
    files = cmtgen::git::open_repository(request)->staged(Base::head, Renames::renames);
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::git);
    return;
  }
  INFO("described " << files.size() << " files, the first " << (files.empty() ? "" : files.front().path) << " as "
                    << (files.empty() ? "" : std::string(cmtgen::git::status_name(files.front().status))));
  FAIL("open_repository described a missing index instead of throwing");
}

TEST_CASE("GIT_DIR with GIT_WORK_TREE opens a separate git directory and work tree", "[change]")
{
  Sandbox box;
  const fs::path git_dir = box.path("dotfiles.git");
  const fs::path work = box.path("dotfiles-home");
  fs::create_directories(work);
  box.git(box.path(""), {"init", "-q", "--bare", "-b", "main", git_dir.string()});
  const std::vector<std::pair<std::string, std::string>> vars = {{"GIT_DIR", git_dir.string()},
                                                                 {"GIT_WORK_TREE", work.string()}};
  write(work / ".gitattributes", "*.lock linguist-generated\n");
  write(work / ".bashrc", "alias ll='ls -l'\n");
  box.git(work, {"add", ".gitattributes", ".bashrc"}, vars);
  box.git(work, {"commit", "-q", "-m", "Track bashrc"}, vars);
  write(work / ".bashrc", "alias ll='ls -la'\n");
  write(work / "deps.lock", "x\n");
  box.git(work, {"add", ".bashrc", "deps.lock"}, vars);

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    const auto request = box.request(work, vars);
    auto repository = cli ? cmtgen::git::open_with_cli(request) : cmtgen::git::open_repository(request);
    if (!cli) {
      CHECK(repository->reader() == "libgit2");
    }
    CHECK(fs::path(repository->workdir().string() + "/").lexically_normal() ==
          fs::path(work.string() + "/").lexically_normal());
    if (!cli) { // the CLI reader's git_dir() is broken: see "reports its git directory"
      CHECK(fs::path(repository->git_dir().string() + "/").lexically_normal() ==
            fs::path(git_dir.string() + "/").lexically_normal());
    }
    const auto files = repository->staged(Base::head, Renames::renames);
    REQUIRE(paths(files) == std::vector<std::string>{".bashrc", "deps.lock"});
    CHECK(files[0].status == Status::modified);
    CHECK(files[1].status == Status::added);
    // Attributes come from the work tree git was given.
    CHECK(files[1].generated);
    CHECK(repository->head().branch == "main");
  }
}

TEST_CASE("a relative GIT_DIR is taken from the working directory", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("relative-git-dir");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  auto repository = cmtgen::git::open_repository(box.request(repo, {{"GIT_DIR", ".git"}}));
  CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"a.txt"});
}

TEST_CASE("discovery finds the repository from a subdirectory and fails outside any", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("discover");
  write(repo / "src/deep/a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  auto repository = cmtgen::git::open_repository(box.request(repo / "src/deep"));
  CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"src/deep/a.txt"});

  const fs::path outside = box.path("not-a-repo");
  fs::create_directories(outside);
  try {
    cmtgen::git::open_repository(box.request(outside, {{"GIT_CEILING_DIRECTORIES", box.path("").string()}}));
    FAIL("no error");
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::git);
  }
}

TEST_CASE("the amend base is HEAD's parent, or nothing for a root commit", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("amend");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "Root"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto open = [&] {
      return cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
    };
    SECTION(cli ? "root commit, git CLI" : "root commit, libgit2")
    {
      auto repository = open();
      CHECK(repository->staged(Base::head, Renames::renames).empty());
      const auto files = repository->staged(Base::head_parent, Renames::renames);
      REQUIRE(paths(files) == std::vector<std::string>{"a.txt"});
      CHECK(files[0].status == Status::added);
    }
    SECTION(cli ? "second commit, git CLI" : "second commit, libgit2")
    {
      write(repo / "b.txt", "b\n");
      write(repo / "a.txt", "a2\n");
      box.git(repo, {"add", "-A"});
      box.git(repo, {"commit", "-q", "-m", "Second"});
      write(repo / "c.txt", "c\n");
      box.git(repo, {"add", "-A"});
      auto repository = open();
      CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"c.txt"});
      const auto files = repository->staged(Base::head_parent, Renames::renames);
      REQUIRE(paths(files) == std::vector<std::string>{"a.txt", "b.txt", "c.txt"});
      CHECK(files[0].status == Status::modified);
      CHECK(files[1].status == Status::added);
    }
  }
}

TEST_CASE("recent subjects follow the first parent, newest first", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("subjects");
  for (const char* subject : {"One", "Two", "Three"}) {
    write(repo / "f.txt", subject);
    box.git(repo, {"add", "-A"});
    box.git(repo, {"commit", "-q", "-m", std::string(subject) + "\n\nA body that is not a subject."});
  }
  box.git(repo, {"checkout", "-q", "-b", "side"});
  write(repo / "side.txt", "side");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "Side work"});
  box.git(repo, {"checkout", "-q", "main"});
  box.git(repo, {"merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository =
      cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
    CHECK(repository->recent_subjects(3) == std::vector<std::string>{"Merge branch 'side'", "Three", "Two"});
    CHECK(repository->recent_subjects(10) == std::vector<std::string>{"Merge branch 'side'", "Three", "Two", "One"});
    CHECK(repository->recent_subjects(0).empty());
  }
}

TEST_CASE("patch returns whole hunks within the limit and says when it left some out", "[change]")
{
  Sandbox box;
  const fs::path repo = three_hunks(box, "patch");

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    auto repository =
      cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
    const auto files = repository->staged(Base::head, Renames::renames);
    REQUIRE(files.size() == 1);
    CHECK(files[0].added == 3);
    CHECK(files[0].removed == 3);

    const auto whole = repository->patch(0, 1000000);
    CHECK(whole.header.starts_with("diff --git a/long.txt b/long.txt\n"));
    CHECK(util::contains(whole.header, "--- a/long.txt\n+++ b/long.txt\n"));
    REQUIRE(whole.hunks.size() == 3);
    CHECK_FALSE(whole.truncated);
    for (const auto& hunk : whole.hunks) {
      CHECK(hunk.starts_with("@@ -"));
      CHECK(hunk.ends_with("\n"));
      const std::string body = hunk.substr(hunk.find('\n') + 1);
      for (const auto line : util::split_lines(body)) {
        CHECK((line.starts_with(" ") || line.starts_with("+") || line.starts_with("-")));
      }
    }
    CHECK(util::contains(whole.hunks[0], "-line 10 of the file"));
    CHECK(util::contains(whole.hunks[0], "+LINE 10 of the file"));
    CHECK(util::contains(whole.hunks[2], "+LINE 90 of the file"));

    SECTION(cli ? "two hunks fit, git CLI" : "two hunks fit, libgit2")
    {
      const std::size_t two = whole.hunks[0].size() + whole.hunks[1].size();
      for (const std::size_t limit : {two, two + whole.hunks[2].size() - 1}) {
        const auto patch = repository->patch(0, limit);
        CHECK(patch.header == whole.header);
        REQUIRE(patch.hunks.size() == 2);
        CHECK(patch.hunks[0] == whole.hunks[0]);
        CHECK(patch.hunks[1] == whole.hunks[1]);
        CHECK(patch.truncated);
      }
      const auto exact = repository->patch(0, two + whole.hunks[2].size());
      CHECK(exact.hunks == whole.hunks);
      CHECK_FALSE(exact.truncated);
    }
    SECTION(cli ? "not even the first hunk fits, git CLI" : "not even the first hunk fits, libgit2")
    {
      const auto patch = repository->patch(0, 100);
      REQUIRE(patch.hunks.size() == 1);
      CHECK(patch.truncated);
      CHECK(whole.hunks[0].starts_with(patch.hunks[0]));
      CHECK(patch.hunks[0].size() < whole.hunks[0].size());
      // Cut at a line end, at most one line past the limit.
      CHECK(patch.hunks[0].ends_with("\n"));
      CHECK(patch.hunks[0].size() <= 100 + 80);
    }
    SECTION(cli ? "an index out of range, git CLI" : "an index out of range, libgit2")
    {
      const auto patch = repository->patch(5, 1000);
      CHECK(patch.header.empty());
      CHECK(patch.hunks.empty());
    }
  }
}

TEST_CASE("a patch of a file without a final newline has the same hunks in both readers", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("no-eol");
  write(repo / "a.txt", "one\ntwo");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  write(repo / "a.txt", "one\nthree");
  box.git(repo, {"add", "-A"});
  auto libgit2 = cmtgen::git::open_with_libgit2(box.request(repo));
  auto cli = cmtgen::git::open_with_cli(box.request(repo));
  REQUIRE(libgit2->staged(Base::head, Renames::renames).size() == 1);
  REQUIRE(cli->staged(Base::head, Renames::renames).size() == 1);
  const auto a = libgit2->patch(0, 10000);
  const auto b = cli->patch(0, 10000);
  CHECK(joined(a) == joined(b));
  CHECK(util::contains(joined(b), "\\ No newline at end of file"));
}

TEST_CASE("config returns global entries, then local ones, then git -c entries from the environment", "[change]")
{
  Sandbox box;
  write(box.home() / ".gitconfig", "[cmtgen]\n\tmodel = global-model\n\ttimeout = 20\n[user]\n\tname = Someone\n");
  const fs::path repo = box.init("config");
  box.git(repo, {"config", "cmtgen.model", "local-model"});
  box.git(repo, {"config", "--add", "cmtgen.exclude", "*.snap"});
  box.git(repo, {"config", "core.commentChar", ";"});
  const std::vector<std::pair<std::string, std::string>> vars = {
    {"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='cli-model' 'cmtgen.redact'= 'user.name'='x'"},
    {"GIT_CONFIG_COUNT", "1"},
    {"GIT_CONFIG_KEY_0", "cmtgen.language"},
    {"GIT_CONFIG_VALUE_0", "German"},
  };

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    const auto request = box.request(repo, vars);
    auto repository = cli ? cmtgen::git::open_with_cli(request) : cmtgen::git::open_repository(request);
    CHECK(repository->reader() == (cli ? "git" : "libgit2"));
    const auto entries = repository->config(cmtgen::config_prefixes());
    std::string listing;
    for (const auto& entry : entries) {
      listing += entry.key + "=" + entry.value + " (" + entry.origin + ")\n";
    }
    INFO(listing);
    CHECK(keys_and_values(entries, "cmtgen.model") ==
          std::vector<std::string>{"global-model", "local-model", "cli-model"});
    CHECK(keys_and_values(entries, "cmtgen.timeout") == std::vector<std::string>{"20"});
    CHECK(keys_and_values(entries, "cmtgen.exclude") == std::vector<std::string>{"*.snap"});
    CHECK(keys_and_values(entries, "core.commentchar") == std::vector<std::string>{";"});
    CHECK(keys_and_values(entries, "cmtgen.redact") == std::vector<std::string>{"true"});
    CHECK(keys_and_values(entries, "cmtgen.language") == std::vector<std::string>{"German"});
    CHECK(keys_and_values(entries, "user.name").empty());

    // The order of levels: the global model before the local one before git -c.
    std::vector<std::string> model_origins;
    for (const auto& entry : entries) {
      if (entry.key == "cmtgen.model") {
        model_origins.push_back(entry.origin);
      }
    }
    REQUIRE(model_origins.size() == 3);
    CHECK(util::contains(model_origins[0], "global"));
    CHECK(util::contains(model_origins[1], "local"));
    CHECK(model_origins[2] == "git -c");

    const auto config = cmtgen::build_config(entries, util::Environment(), cmtgen::Overrides());
    CHECK(config.model == "cli-model");
    CHECK(config.language == "German");
    CHECK(config.timeout == std::chrono::seconds(20));
    CHECK(config.comment_char == ";");
  }
}

TEST_CASE("global_config reads the global file and git -c outside any repository", "[change]")
{
  Sandbox box;
  write(box.home() / ".gitconfig", "[cmtgen]\n\tmodel = global-model\n");
  util::Environment env = box.env({{"GIT_CONFIG_PARAMETERS", "'cmtgen.backend'='offline'"}});
  const auto entries = cmtgen::git::global_config(env, cmtgen::config_prefixes());
  CHECK(keys_and_values(entries, "cmtgen.model") == std::vector<std::string>{"global-model"});
  CHECK(keys_and_values(entries, "cmtgen.backend") == std::vector<std::string>{"offline"});
}

TEST_CASE("config includes the worktree level when extensions.worktreeConfig is on", "[change]")
{
  Sandbox box;
  const fs::path repo = box.init("worktree-config");
  write(repo / "a.txt", "a\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "First"});
  box.git(repo, {"config", "cmtgen.model", "local-model"});
  box.git(repo, {"config", "extensions.worktreeConfig", "true"});
  box.git(repo, {"config", "--worktree", "cmtgen.model", "main-worktree-model"});
  const fs::path linked = box.path("linked-worktree");
  box.git(repo, {"worktree", "add", "-q", linked.string()});
  box.git(linked, {"config", "--worktree", "cmtgen.model", "linked-worktree-model"});
  write(linked / "b.txt", "b\n");
  box.git(linked, {"add", "b.txt"});

  for (const bool cli : {false, true}) {
    INFO((cli ? "git CLI" : "libgit2"));
    SECTION(cli ? "the main worktree, git CLI" : "the main worktree, libgit2")
    {
      auto repository =
        cli ? cmtgen::git::open_with_cli(box.request(repo)) : cmtgen::git::open_repository(box.request(repo));
      CHECK(repository->reader() == (cli ? "git" : "libgit2"));
      const auto entries = repository->config(cmtgen::config_prefixes());
      CHECK(keys_and_values(entries, "cmtgen.model") == std::vector<std::string>{"local-model", "main-worktree-model"});
      CHECK(cmtgen::build_config(entries, util::Environment(), cmtgen::Overrides()).model == "main-worktree-model");
    }
    SECTION(cli ? "a linked worktree, git CLI" : "a linked worktree, libgit2")
    {
      auto repository =
        cli ? cmtgen::git::open_with_cli(box.request(linked)) : cmtgen::git::open_repository(box.request(linked));
      CHECK(repository->reader() == (cli ? "git" : "libgit2"));
      if (!cli) { // the CLI reader's directories are broken: see "reports its git directory"
        CHECK(repository->git_dir() != repository->common_dir());
        CHECK(repository->common_dir() == (repo / ".git/").lexically_normal());
      }
      const auto entries = repository->config(cmtgen::config_prefixes());
      CHECK(keys_and_values(entries, "cmtgen.model") ==
            std::vector<std::string>{"local-model", "linked-worktree-model"});
      // The linked worktree's own index.
      CHECK(paths(repository->staged(Base::head, Renames::renames)) == std::vector<std::string>{"b.txt"});
      CHECK(repository->head().branch == "linked-worktree");
    }
  }
}

// --- the index reader and the HEAD-to-index comparison behind the libgit2 reader ---------

namespace {

// `git diff --cached --name-status --no-renames` as a sorted "X path" list.
std::vector<std::string>
git_name_status(const Sandbox& box, const fs::path& repo)
{
  std::vector<std::string> lines;
  const std::string output = box.git(repo, {"diff", "--cached", "--name-status", "--no-renames"});
  for (const auto line : util::split_lines(output)) {
    std::string text(line);
    std::replace(text.begin(), text.end(), '\t', ' ');
    lines.push_back(text);
  }
  return lines;
}

std::vector<std::string>
reader_name_status(const Sandbox& box, const fs::path& repo)
{
  auto reader = cmtgen::git::open_with_libgit2(box.request(repo));
  std::vector<std::string> lines;
  for (const auto& file : reader->staged(Base::head, Renames::off)) {
    lines.push_back(fmt::format("{} {}", cmtgen::git::status_letter(file.status), file.path));
  }
  return lines;
}

// A repository with nested directories, committed, so its index has a full cache tree.
fs::path
nested_repository(const Sandbox& box)
{
  const fs::path repo = box.init("nested");
  for (const char* dir : {"a", "a/b", "a/b/c", "d", "e-f", "e"}) {
    for (int i = 0; i < 3; ++i) {
      write(repo / dir / fmt::format("f{}.txt", i), fmt::format("{} {}\n", dir, i));
    }
  }
  write(repo / "a.txt", "top\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-q", "-m", "nested"});
  return repo;
}

} // namespace

TEST_CASE("the comparison with HEAD skips unchanged directories and still lists every change", "[change][index]")
{
  Sandbox box;
  const fs::path repo = nested_repository(box);
  CHECK(reader_name_status(box, repo).empty());
  write(repo / "a/b/c/f1.txt", "changed\n");
  write(repo / "e/new.txt", "new\n");
  fs::remove(repo / "d/f0.txt");
  write(repo / "a" / "b.txt", "file beside a directory of the same stem\n");
  box.git(repo, {"add", "-A"});
  CHECK(reader_name_status(box, repo) == git_name_status(box, repo));
  CHECK(reader_name_status(box, repo).size() == 4);
}

TEST_CASE("a directory replaced by a file and a file replaced by a directory", "[change][index]")
{
  Sandbox box;
  const fs::path repo = nested_repository(box);
  box.git(repo, {"rm", "-rq", "a/b/c"});
  write(repo / "a/b/c", "now a file\n");
  box.git(repo, {"rm", "-q", "a.txt"});
  write(repo / "a.txt/inside", "now a directory\n");
  box.git(repo, {"add", "-A"});
  CHECK(reader_name_status(box, repo) == git_name_status(box, repo));
}

TEST_CASE("index versions 2, 3 and 4 read the same", "[change][index]")
{
  Sandbox box;
  const fs::path repo = nested_repository(box);
  write(repo / "a/b/f2.txt", "changed\n");
  write(repo / "zz/new.txt", "new\n");
  box.git(repo, {"add", "-A"});
  const auto expected = git_name_status(box, repo);
  for (const char* version : {"2", "3", "4"}) {
    box.git(repo, {"update-index", "--index-version", version});
    INFO("index version " << version);
    CHECK(reader_name_status(box, repo) == expected);
  }
}

TEST_CASE("an intent-to-add entry is not part of the commit", "[change][index]")
{
  Sandbox box;
  const fs::path repo = nested_repository(box);
  write(repo / "later.txt", "not yet\n");
  write(repo / "now.txt", "now\n");
  box.git(repo, {"add", "-N", "later.txt"});
  box.git(repo, {"add", "now.txt"});
  CHECK(reader_name_status(box, repo) == std::vector<std::string>{"A now.txt"});
}

TEST_CASE("a path in conflict is neither added nor deleted", "[change][index]")
{
  Sandbox box;
  const fs::path repo = nested_repository(box);
  box.git(repo, {"checkout", "-q", "-b", "other"});
  write(repo / "a.txt", "theirs\n");
  box.git(repo, {"commit", "-qam", "theirs"});
  box.git(repo, {"checkout", "-q", "main"});
  write(repo / "a.txt", "ours\n");
  write(repo / "d/staged.txt", "staged\n");
  box.git(repo, {"add", "-A"});
  box.git(repo, {"commit", "-qm", "ours"});
  util::RunRequest merge;
  merge.argv = {"git", "merge", "-q", "other"};
  merge.env = box.env();
  merge.cwd = repo;
  REQUIRE_FALSE(util::system_runner().run(merge).succeeded()); // the conflict
  for (const auto& line : reader_name_status(box, repo)) {
    CHECK_FALSE(util::contains(line, "a.txt"));
  }
}
