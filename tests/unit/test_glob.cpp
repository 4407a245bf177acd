#include "util/glob.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using util::glob_match;

TEST_CASE("a pattern without a slash matches the last path component at any depth")
{
  CHECK(glob_match("*.lock", "Cargo.lock"));
  CHECK(glob_match("*.lock", "tools/gen/poetry.lock"));
  CHECK_FALSE(glob_match("*.lock", "Cargo.lock.bak"));
  CHECK_FALSE(glob_match("*.lock", "locks/readme.md"));
  CHECK(glob_match(".env*", ".env"));
  CHECK(glob_match(".env*", "deploy/.env.production"));
  CHECK_FALSE(glob_match(".env*", "src/env.cpp"));
  CHECK(glob_match("id_rsa*", "home/.ssh/id_rsa"));
  CHECK(glob_match("id_rsa*", "id_rsa.pub"));
  CHECK(glob_match("package-lock.json", "web/package-lock.json"));
  CHECK_FALSE(glob_match("package-lock.json", "web/package-lock.json/x"));
}

TEST_CASE("a pattern with a slash matches the whole path from the top")
{
  CHECK(glob_match("docs/*.md", "docs/intro.md"));
  CHECK_FALSE(glob_match("docs/*.md", "src/docs/intro.md"));
  CHECK_FALSE(glob_match("docs/*.md", "docs/api/intro.md"));
  CHECK(glob_match("/build.sh", "build.sh"));
  CHECK_FALSE(glob_match("/build.sh", "tools/build.sh"));
  CHECK(glob_match("/docs/*.md", "docs/a.md"));
  CHECK_FALSE(glob_match("src/main.cpp", "src/main.cpp.orig"));
}

TEST_CASE("star and question mark never cross a slash")
{
  CHECK_FALSE(glob_match("src/*", "src/a/b.cpp"));
  CHECK(glob_match("src/*", "src/b.cpp"));
  CHECK(glob_match("src/?.cpp", "src/b.cpp"));
  CHECK_FALSE(glob_match("src?b.cpp", "src/b.cpp"));
  CHECK_FALSE(glob_match("a*b", "a/b"));
  CHECK(glob_match("*", "any/depth/file"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("*.min.*", "static/app.min.js"));
}

TEST_CASE("a leading double star matches any number of leading directories, including none")
{
  CHECK(glob_match("**/foo.txt", "foo.txt"));
  CHECK(glob_match("**/foo.txt", "a/foo.txt"));
  CHECK(glob_match("**/foo.txt", "a/b/c/foo.txt"));
  CHECK_FALSE(glob_match("**/foo.txt", "a/xfoo.txt"));
  CHECK(glob_match("**/generated/*.cpp", "src/generated/x.cpp"));
  CHECK(glob_match("**/generated/*.cpp", "generated/x.cpp"));
  CHECK_FALSE(glob_match("**/generated/*.cpp", "generated/sub/x.cpp"));
}

TEST_CASE("a trailing double star matches everything below but not the directory itself")
{
  CHECK(glob_match("vendor/**", "vendor/a"));
  CHECK(glob_match("vendor/**", "vendor/a/b/c.go"));
  CHECK_FALSE(glob_match("vendor/**", "vendor"));
  CHECK_FALSE(glob_match("vendor/**", "src/vendor/a"));
}

TEST_CASE("a double star between slashes matches zero or more directories")
{
  CHECK(glob_match("a/**/b", "a/b"));
  CHECK(glob_match("a/**/b", "a/x/b"));
  CHECK(glob_match("a/**/b", "a/x/y/z/b"));
  CHECK_FALSE(glob_match("a/**/b", "a/x/y/z/c"));
  CHECK_FALSE(glob_match("a/**/b", "x/a/b"));
  CHECK(glob_match("a/**/**/b", "a/b"));
  CHECK(glob_match("**/test/**", "src/test/x/y.cpp"));
  CHECK_FALSE(glob_match("**/test/**", "src/test"));
}

TEST_CASE("a double star inside a component is an ordinary star")
{
  CHECK(glob_match("a**b", "aXXb"));
  CHECK_FALSE(glob_match("a**b", "a/b"));
  CHECK(glob_match("**", "deep/path/file"));
  CHECK(glob_match("src/**.cpp", "src/x.cpp"));
  CHECK_FALSE(glob_match("src/**.cpp", "src/a/x.cpp"));
}

TEST_CASE("a pattern ending in a slash matches everything under that directory")
{
  CHECK(glob_match("vendor/", "vendor/lib.go"));
  CHECK(glob_match("vendor/", "third_party/vendor/x/y.go"));
  CHECK_FALSE(glob_match("vendor/", "vendor"));
  CHECK_FALSE(glob_match("vendor/", "src/vendor.go"));
  CHECK(glob_match("node_*/", "web/node_modules/react/index.js"));
  CHECK(glob_match("build/out/", "build/out/a/b"));
  CHECK_FALSE(glob_match("build/out/", "x/build/out/a"));
  CHECK_FALSE(glob_match("build/out/", "build/out"));
  CHECK(glob_match("/vendor/", "vendor/x"));
  CHECK_FALSE(glob_match("/vendor/", "a/vendor/x"));
}

TEST_CASE("bracket classes match sets, ranges and their negations")
{
  CHECK(glob_match("file[abc].txt", "fileb.txt"));
  CHECK_FALSE(glob_match("file[abc].txt", "filed.txt"));
  CHECK(glob_match("v[0-9].md", "v7.md"));
  CHECK_FALSE(glob_match("v[0-9].md", "vx.md"));
  CHECK(glob_match("v[!0-9].md", "vx.md"));
  CHECK_FALSE(glob_match("v[!0-9].md", "v7.md"));
  CHECK(glob_match("v[^0-9].md", "vx.md"));
  CHECK(glob_match("[]]x", "]x"));
  CHECK(glob_match("[!]]x", "ax"));
  CHECK_FALSE(glob_match("[!]]x", "]x"));
  CHECK(glob_match("[a-cx-z]", "y"));
  CHECK_FALSE(glob_match("[a-c]", "/"));
}

TEST_CASE("a bracket without a closing bracket is a literal character")
{
  CHECK(glob_match("a[b", "a[b"));
  CHECK_FALSE(glob_match("a[b", "ab"));
}

TEST_CASE("a backslash makes the next character literal")
{
  CHECK(glob_match("\\*.txt", "*.txt"));
  CHECK_FALSE(glob_match("\\*.txt", "a.txt"));
  CHECK(glob_match("what\\?", "what?"));
  CHECK_FALSE(glob_match("what\\?", "whats"));
  CHECK(glob_match("\\[x]", "[x]"));
  CHECK(glob_match("[\\]]", "]"));
}

TEST_CASE("star matches dotfiles")
{
  CHECK(glob_match("*", ".env"));
  CHECK(glob_match("*.pem", "certs/.hidden.pem"));
  CHECK(glob_match(".*", "a/.gitignore"));
  CHECK_FALSE(glob_match(".*", "a/gitignore"));
}

TEST_CASE("an empty pattern or an empty path matches nothing")
{
  CHECK_FALSE(glob_match("", "a"));
  CHECK_FALSE(glob_match("", ""));
  CHECK_FALSE(glob_match("/", "a"));
  CHECK_FALSE(glob_match("*", ""));
}

TEST_CASE("utf-8 bytes are matched literally and question mark is one byte")
{
  CHECK(glob_match("d\xc3\xa9j\xc3\xa0/*.txt", "d\xc3\xa9j\xc3\xa0/notes.txt"));
  CHECK(glob_match("*\xc3\xa9*", "caf\xc3\xa9.md"));
  CHECK(glob_match("caf??.md", "caf\xc3\xa9.md"));
  CHECK_FALSE(glob_match("caf?.md", "caf\xc3\xa9.md"));
  CHECK(glob_match("[\xc3]*", "\xc3\xa9"));
}

TEST_CASE("matching is case-sensitive")
{
  CHECK_FALSE(glob_match("*.LOCK", "Cargo.lock"));
  CHECK(glob_match("Makefile", "Makefile"));
}

TEST_CASE("a pattern designed for backtracking blow-up still finishes quickly")
{
  const std::string name(5000, 'a');
  const std::string stars = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  std::string deep;
  for (int i = 0; i < 200; ++i) {
    deep += "a/";
  }
  deep += "c";
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(glob_match(stars, name));
  CHECK_FALSE(glob_match("**/a/**/a/**/a/**/a/**/b", deep));
  CHECK(glob_match("**/a/**/a/**/a/**/c", deep));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(1));
}
