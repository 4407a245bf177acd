#include "util/file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

class Dir
{
public:
  Dir()
    : m_dir("cmtgen-test-file-")
  {
  }
  fs::path operator/(const std::string& name) const { return m_dir.path() / name; }

private:
  util::TemporaryDirectory m_dir;
};

void
put(const fs::path& path, const std::string& content)
{
  std::ofstream(path, std::ios::binary) << content;
}

std::string
get(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool
is_scissors(std::string_view line)
{
  return line == "# ------------------------ >8 ------------------------";
}

const std::string k_scissors = "# ------------------------ >8 ------------------------\n";

std::string
error_of(const std::function<void()>& action)
{
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("read_file says a missing file is missing and returns the bytes of a regular one")
{
  const Dir dir;
  CHECK(util::read_file(dir / "missing").missing());
  const std::string bytes("a\0b\xff\xfe\n", 6);
  put(dir / "f", bytes);
  const auto read = util::read_file(dir / "f");
  CHECK(read.ok());
  CHECK(read.content == bytes);
}

TEST_CASE("read_file refuses a FIFO at once, naming it, instead of waiting for a writer")
{
  const Dir dir;
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  const auto read = util::read_file(dir / "fifo");
  CHECK(read.failed());
  const std::string error = read.error;
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_THAT(error, Contains((dir / "fifo").string()) && Contains("not a regular file"));
}

TEST_CASE("read_file refuses a directory and a character device")
{
  const Dir dir;
  fs::create_directory(dir / "d");
  CHECK_THAT(util::read_file(dir / "d").error, Contains("not a regular file"));
  CHECK_THAT(util::read_file("/dev/null").error, Contains("not a regular file"));
}

TEST_CASE("read_file follows a symbolic link unless told to refuse it")
{
  const Dir dir;
  put(dir / "target", "rules\n");
  fs::create_symlink(dir / "target", dir / "link");
  CHECK(util::read_file(dir / "link").content == "rules\n");
  CHECK_THAT(util::read_file(dir / "link", 1024, util::Symlinks::refuse).error, Contains("symbolic link"));
  CHECK(util::read_file(dir / "target", 1024, util::Symlinks::refuse).content == "rules\n");
}

TEST_CASE("read_file refuses a file larger than the limit")
{
  const Dir dir;
  put(dir / "f", std::string(100, 'x'));
  CHECK_THAT(util::read_file(dir / "f", 99).error, Contains("larger than 99 bytes"));
  CHECK(util::read_file(dir / "f", 100).content.size() == 100);
}

TEST_CASE("read_file_head reads a small file whole, scissors or not")
{
  const Dir dir;
  const std::string content = "msg\n" + k_scissors + "diff\n";
  put(dir / "f", content);
  const auto head = util::read_file_head(dir / "f", 1024, 4096, is_scissors);
  REQUIRE(head);
  CHECK(head->text == content);
  CHECK_FALSE(head->rest());
}

TEST_CASE("read_file_head stops a large file after the cut line and says where the rest begins")
{
  const Dir dir;
  const std::string top = "msg\n# comment\n" + k_scissors;
  const std::string diff(300000, 'd');
  put(dir / "f", top + diff);
  const auto head = util::read_file_head(dir / "f", 1024, 4096, is_scissors);
  REQUIRE(head);
  CHECK(head->text == top);
  CHECK(head->size == top.size() + diff.size());
  CHECK(head->rest() == top.size());
}

TEST_CASE("read_file_head of a large file without a cut line within the limit throws")
{
  const Dir dir;
  put(dir / "f", std::string(10000, 'x'));
  CHECK_THAT(error_of([&] { util::read_file_head(dir / "f", 1024, 4096, is_scissors); }), Contains("larger than"));
}

TEST_CASE("write_file_in_place keeps the inode, so a symbolic link stays a link")
{
  const Dir dir;
  put(dir / "target", "old content\n");
  fs::create_symlink(dir / "target", dir / "link");
  struct stat before
  {
  };
  REQUIRE(::stat((dir / "target").c_str(), &before) == 0);
  util::write_file_in_place(dir / "link", "new\n");
  CHECK(fs::is_symlink(dir / "link"));
  CHECK(get(dir / "target") == "new\n");
  struct stat after
  {
  };
  REQUIRE(::stat((dir / "target").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
}

TEST_CASE("write_file_in_place writes a file in a read-only directory")
{
  const Dir dir;
  fs::create_directory(dir / "ro");
  put(dir / "ro" / "msg", "old\n");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  util::write_file_in_place(dir / "ro" / "msg", "new and longer\n");
  fs::permissions(dir / "ro", fs::perms::owner_all);
  CHECK(get(dir / "ro" / "msg") == "new and longer\n");
}

TEST_CASE("write_file_in_place preserves NUL and invalid UTF-8 byte for byte")
{
  const Dir dir;
  put(dir / "f", "x");
  const std::string bytes("top\n\0\xff\xc3(\n", 9);
  util::write_file_in_place(dir / "f", bytes);
  CHECK(get(dir / "f") == bytes);
}

TEST_CASE("write_file_in_place keeps the rest of the file after a longer or a shorter head")
{
  const Dir dir;
  std::string rest;
  for (int i = 0; i < 400000; ++i) {
    rest += static_cast<char>('a' + i % 26);
  }
  rest += std::string("\0\xff end\n", 7);
  const std::string top = "# comment\n" + k_scissors;

  SECTION("longer")
  {
    put(dir / "f", top + rest);
    const std::string head = "A message\nwith a body that is longer\n\n" + top;
    util::write_file_in_place(dir / "f", head, top.size());
    CHECK(get(dir / "f") == head + rest);
  }
  SECTION("shorter")
  {
    const std::string old_top = "a long old message that will be dropped entirely\n\n" + top;
    put(dir / "f", old_top + rest);
    util::write_file_in_place(dir / "f", top, old_top.size());
    CHECK(get(dir / "f") == top + rest);
  }
}

TEST_CASE("write_file_in_place refuses what is not a regular file and a missing file")
{
  const Dir dir;
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK_THAT(error_of([&] { util::write_file_in_place(dir / "fifo", "x"); }), Contains("not a regular file"));
  fs::create_directory(dir / "d");
  CHECK_THAT(error_of([&] { util::write_file_in_place(dir / "d", "x"); }), Contains((dir / "d").string()));
  CHECK_THAT(error_of([&] { util::write_file_in_place(dir / "missing", "x"); }), Contains((dir / "missing").string()));
  CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("write_file_in_place on a read-only file reports an error and leaves it as it was")
{
  if (::geteuid() == 0) {
    SUCCEED("root may write any file");
    return;
  }
  const Dir dir;
  put(dir / "f", "old\n");
  fs::permissions(dir / "f", fs::perms::owner_read);
  CHECK_THAT(error_of([&] { util::write_file_in_place(dir / "f", "new\n"); }), Contains((dir / "f").string()));
  CHECK(get(dir / "f") == "old\n");
}

TEST_CASE("append_line skips a FIFO without blocking and appends to a regular file")
{
  const Dir dir;
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  util::append_line(dir / "fifo", "line");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  util::append_line(dir / "sub" / "log", "one");
  util::append_line(dir / "sub" / "log", "two");
  CHECK(get(dir / "sub" / "log") == "one\ntwo\n");
}
