#include "error.hpp"
#include "git/readers.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace cmtgen::git {

std::unique_ptr<Repository>
open_repository(const OpenRequest& request)
{
  try {
    return open_with_libgit2(request);
  } catch (const Unreadable& e) {
    // libgit2 1.5.1 refuses split and sparse indexes, SHA-256 repositories and some
    // extensions that git reads fine; git itself honours the hook's environment exactly.
    CMTGEN_LOG("libgit2 cannot read the repository ({}); falling back to `git diff --cached`", e.what());
    return open_with_cli(request);
  }
}

std::string
prefixes_regex(const std::vector<std::string>& prefixes)
{
  std::string regex = "^(";
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    if (i > 0) {
      regex += '|';
    }
    for (const char c : prefixes[i]) {
      if (c == '.') {
        regex += "\\.";
      } else {
        regex += c;
      }
    }
    if (prefixes[i].back() != '.') {
      regex += '$';
    }
  }
  regex += ')';
  return regex;
}

bool
matches_prefixes(std::string_view key, const std::vector<std::string>& prefixes)
{
  for (const auto& prefix : prefixes) {
    if (prefix.back() == '.' ? key.starts_with(prefix) : key == prefix) {
      return true;
    }
  }
  return false;
}

} // namespace cmtgen::git
