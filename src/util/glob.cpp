#include "util/glob.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

namespace util {

namespace {

constexpr std::size_t k_no_match = std::string_view::npos;

// Byte comparisons are done unsigned so that classes over UTF-8 bytes ("[\xc3-\xc4]") order
// the way a reader expects.
unsigned char
byte(char c)
{
  return static_cast<unsigned char>(c);
}

struct ClassResult
{
  bool matched;
  std::size_t next; // index just after the closing ']'
};

// The class starting at pattern[at] == '['. nullopt when there is no closing ']': git then
// takes the '[' literally, and so do we. A ']' right after "[" or "[!" is a member, as in
// fnmatch.
std::optional<ClassResult>
match_class(std::string_view pattern, std::size_t at, char c)
{
  std::size_t i = at + 1;
  bool negated = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negated = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < pattern.size()) {
    if (pattern[i] == ']' && !first) {
      return ClassResult{matched != negated, i + 1};
    }
    first = false;
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      ++i;
    }
    const unsigned char low = byte(pattern[i]);
    unsigned char high = low;
    ++i;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      ++i;
      if (pattern[i] == '\\' && i + 1 < pattern.size()) {
        ++i;
      }
      high = byte(pattern[i]);
      ++i;
    }
    if (low <= byte(c) && byte(c) <= high) {
      matched = true;
    }
  }
  return std::nullopt;
}

// Matches one pattern element other than '*' at pattern[p] against c; returns the index of the
// next element, or k_no_match.
std::size_t
match_element(std::string_view pattern, std::size_t p, char c)
{
  const char element = pattern[p];
  if (element == '?') {
    return p + 1;
  }
  if (element == '[') {
    if (const auto result = match_class(pattern, p, c)) {
      return result->matched ? result->next : k_no_match;
    }
  }
  if (element == '\\' && p + 1 < pattern.size()) {
    return pattern[p + 1] == c ? p + 2 : k_no_match;
  }
  return element == c ? p + 1 : k_no_match;
}

// One path component against one pattern component. Neither contains '/', so every '*' is
// alike and only the most recent one needs to be retried: this is the classic linear-space
// wildcard loop, O(pattern * name) at worst instead of exponential recursion.
bool
match_component(std::string_view pattern, std::string_view name)
{
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star_p = k_no_match;
  std::size_t star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') {
        ++p;
      }
      star_p = p;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      const std::size_t next = match_element(pattern, p, name[n]);
      if (next != k_no_match) {
        p = next;
        ++n;
        continue;
      }
    }
    if (star_p == k_no_match) {
      return false;
    }
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// Component-wise match where a "**" component stands for any number of path components.
// reachable[j] says the pattern components seen so far can consume exactly path[0, j); one
// sweep per pattern component keeps it O(components^2) component matches with no backtracking.
// With `prefix`, the pattern only has to consume a proper prefix of the path (a directory
// pattern: the last path component is the file below it).
bool
match_components(const std::vector<std::string_view>& pattern, const std::vector<std::string_view>& path, bool prefix)
{
  std::vector<char> reachable(path.size() + 1, 0);
  std::vector<char> next(path.size() + 1, 0);
  reachable[0] = 1;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    std::fill(next.begin(), next.end(), 0);
    if (pattern[i] == "**") {
      // gitignore: "a/**" matches what is inside a, not a itself; elsewhere "**" may match
      // no directory at all ("a/**/b" matches "a/b").
      const bool at_least_one = i + 1 == pattern.size();
      bool seen = false;
      for (std::size_t j = 0; j < next.size(); ++j) {
        if (!at_least_one) {
          seen = seen || reachable[j] != 0;
        }
        next[j] = seen ? 1 : 0;
        if (at_least_one) {
          seen = seen || reachable[j] != 0;
        }
      }
    } else {
      for (std::size_t j = 0; j < path.size(); ++j) {
        if (reachable[j] != 0 && match_component(pattern[i], path[j])) {
          next[j + 1] = 1;
        }
      }
    }
    reachable.swap(next);
  }
  if (!prefix) {
    return reachable[path.size()] != 0;
  }
  for (std::size_t j = 1; j < path.size(); ++j) {
    if (reachable[j] != 0) {
      return true;
    }
  }
  return false;
}

} // namespace

bool
glob_match(std::string_view pattern, std::string_view path)
{
  if (path.empty()) {
    return false;
  }
  bool directory = false;
  while (!pattern.empty() && pattern.back() == '/') {
    directory = true;
    pattern.remove_suffix(1);
  }
  const bool anchored = pattern.find('/') != std::string_view::npos;
  if (!pattern.empty() && pattern.front() == '/') {
    pattern.remove_prefix(1);
  }
  if (pattern.empty()) {
    return false;
  }
  if (!anchored) {
    if (!directory) {
      const auto slash = path.rfind('/');
      return match_component(pattern, slash == std::string_view::npos ? path : path.substr(slash + 1));
    }
    const auto components = split(path, '/');
    for (std::size_t i = 0; i + 1 < components.size(); ++i) {
      if (match_component(pattern, components[i])) {
        return true;
      }
    }
    return false;
  }
  return match_components(split(pattern, '/'), split(path, '/'), directory);
}

} // namespace util
