#pragma once

// The answer cache: the last model answer of a repository, kept so that a commit retried
// after an abort (or `preview` then `git commit`) does not ask the model again for exactly
// the same request. One entry, in <common git dir>/cmtgen/last-answer.
//
// The file format is length-prefixed, so no content of a message (a line of '=', a
// header-like line, NUL bytes) can be taken for structure:
//
//   cmtgen-answer-cache 1\n
//   key <16 hex digits>\n
//   backend <byte count>\n<bytes>\n
//   model <byte count>\n<bytes>\n
//   messages <count>\n
//   <byte count>\n<bytes>\n         (count times, count 1 to 5)
//
// The file is at most 1 MiB; anything else (another version, a different key, a bad
// count, trailing bytes, a file that is not a regular file) is a miss, never an error.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmtgen::answer_cache {

constexpr std::size_t k_max_file_bytes = 1024 * 1024;
constexpr std::size_t k_max_messages = 5;

struct Entry
{
  std::string backend;
  std::string model;
  std::vector<std::string> messages; // cleaned replies, the chosen one first
};

// A 16-hex-digit key for the request made of `parts` (each part delimited, so ("ab", "c")
// and ("a", "bc") differ).
std::string key(const std::vector<std::string_view>& parts);

std::string encode(std::string_view key, const Entry& entry);

// The entry stored for `key`, or nullopt for a miss or a malformed file.
std::optional<Entry> decode(std::string_view content, std::string_view key);

// <state_dir>/last-answer, read or replaced (atomically, mode 0600). Failures are misses
// (read) or ignored (write): the cache never stops a commit.
std::optional<Entry> read(const std::filesystem::path& state_dir, std::string_view key);
void write(const std::filesystem::path& state_dir, std::string_view key, const Entry& entry);

} // namespace cmtgen::answer_cache
