#include "answer_cache.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using cmtgen::answer_cache::decode;
using cmtgen::answer_cache::encode;
using cmtgen::answer_cache::Entry;
using cmtgen::answer_cache::key;

namespace {

Entry
entry_of(std::vector<std::string> messages)
{
  return {"claude", "haiku", std::move(messages)};
}

} // namespace

TEST_CASE("a cached message comes back whole, whatever lines it holds", "[answer_cache]")
{
  const std::vector<std::string> messages = {
    "Rework the release notes\n\nHighlights\n==========\n\n- faster start",
    "Second candidate\n\n=====\nbackend 3\nkey 0123\nmessages 9",
    "cmtgen-answer-cache 1\nkey abc",
  };
  const auto decoded = decode(encode("00ff00ff00ff00ff", entry_of(messages)), "00ff00ff00ff00ff");
  REQUIRE(decoded);
  CHECK(decoded->backend == "claude");
  CHECK(decoded->model == "haiku");
  CHECK(decoded->messages == messages);
}

TEST_CASE("a cache entry for another key is a miss", "[answer_cache]")
{
  const std::string content = encode("00ff00ff00ff00ff", entry_of({"Fix it"}));
  CHECK_FALSE(decode(content, "00ff00ff00ff00fe"));
  CHECK_FALSE(decode(content, "00ff00ff00ff00f"));
}

TEST_CASE("a damaged cache file is a miss, never a partial message", "[answer_cache]")
{
  const std::string good = encode("k", entry_of({"Fix the parser\n\nBody", "Other"}));
  REQUIRE(decode(good, "k"));
  // Every truncation of a valid file, and every single-byte change of its structure.
  for (std::size_t size = 0; size < good.size(); ++size) {
    CHECK_FALSE(decode(good.substr(0, size), "k"));
  }
  CHECK_FALSE(decode(good + "x", "k"));
  CHECK_FALSE(decode("k\nclaude\nhaiku\nFix the parser\n", "k")); // the old format
  CHECK_FALSE(decode("cmtgen-answer-cache 1\nkey k\nbackend 0\n\nmodel 0\n\nmessages 0\n", "k"));
  CHECK_FALSE(decode("cmtgen-answer-cache 1\nkey k\nbackend 0\n\nmodel 0\n\nmessages 6\n", "k"));
  CHECK_FALSE(decode("cmtgen-answer-cache 1\nkey k\nbackend 99999999999\n", "k"));
  CHECK_FALSE(decode("cmtgen-answer-cache 1\nkey k\nbackend -1\n\n", "k"));
}

TEST_CASE("control bytes in a cache file do not reach the message", "[answer_cache]")
{
  const auto decoded = decode(encode("k", entry_of({std::string("Fix\0 the parser\x1b[1m", 19)})), "k");
  REQUIRE(decoded);
  CHECK(decoded->messages == std::vector<std::string>{"Fix the parser"});
}

TEST_CASE("the cache key separates its parts", "[answer_cache]")
{
  CHECK(key({"ab", "c"}) != key({"a", "bc"}));
  CHECK(key({"ab", "c"}) == key({"ab", "c"}));
  CHECK(key({"x"}).size() == 16);
}

TEST_CASE("the cache file round-trips through the state directory", "[answer_cache]")
{
  const auto dir = std::filesystem::temp_directory_path() / "cmtgen-answer-cache-test";
  std::filesystem::remove_all(dir);
  cmtgen::answer_cache::write(dir, "k1", entry_of({"Fix the parser"}));
  const auto read = cmtgen::answer_cache::read(dir, "k1");
  REQUIRE(read);
  CHECK(read->messages.front() == "Fix the parser");
  CHECK_FALSE(cmtgen::answer_cache::read(dir, "k2"));
  CHECK((std::filesystem::status(dir / "last-answer").permissions() & std::filesystem::perms::group_read) ==
        std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}
