// The `git -c` overrides git hands to its children. libgit2 ignores them, so they are
// parsed here with git's own rules (config.c: git_config_from_parameters).
#include "error.hpp"
#include "git/repository.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <charconv>

namespace cmtgen::git {

namespace {

// git lowercases the section and the variable name, never the subsection.
std::string
normalize_key(std::string_view key)
{
  const auto first = key.find('.');
  const auto last = key.rfind('.');
  if (first == std::string_view::npos) {
    return util::to_lower(key);
  }
  return util::to_lower(key.substr(0, first)) + std::string(key.substr(first, last - first)) +
         util::to_lower(key.substr(last));
}

// Reads one sq-quoted word ('it'\''s') at `pos`, as written by git's sq_quote_buf.
std::optional<std::string>
read_quoted(std::string_view text, std::size_t& pos)
{
  if (pos >= text.size() || text[pos] != '\'') {
    return std::nullopt;
  }
  std::string word;
  ++pos;
  while (true) {
    const auto end = text.find('\'', pos);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    word.append(text.substr(pos, end - pos));
    pos = end + 1;
    // '\'' and '\!' continue the word with a literal quote or '!' (git's sq_quote_buf
    // escapes both).
    if (text.substr(pos, 3) == "\\''" || text.substr(pos, 3) == "\\!'") {
      word += text[pos + 1];
      pos += 3;
      continue;
    }
    return word;
  }
}

[[noreturn]] void
malformed(std::string_view what)
{
  throw Error(Failure::config,
              fmt::format("cannot parse {} from the environment; run the command without `git -c`", what));
}

} // namespace

std::optional<bool>
parse_bool(std::string_view text)
{
  const std::string value = util::to_lower(util::trim(text));
  if (value == "true" || value == "yes" || value == "on" || value == "1") {
    return true;
  }
  if (value == "false" || value == "no" || value == "off" || value == "0" || value.empty()) {
    return false;
  }
  return std::nullopt;
}

std::vector<ConfigEntry>
config_from_environment(const util::Environment& env)
{
  std::vector<ConfigEntry> entries;

  if (const auto count_text = env.get("GIT_CONFIG_COUNT"); count_text && !count_text->empty()) {
    std::size_t count = 0;
    const auto* end = count_text->data() + count_text->size();
    if (std::from_chars(count_text->data(), end, count).ptr != end) {
      malformed("GIT_CONFIG_COUNT");
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto key = env.get(fmt::format("GIT_CONFIG_KEY_{}", i));
      const auto value = env.get(fmt::format("GIT_CONFIG_VALUE_{}", i));
      if (!key || !value) {
        malformed(fmt::format("GIT_CONFIG_KEY_{} / GIT_CONFIG_VALUE_{}", i, i));
      }
      entries.push_back({normalize_key(*key), *value, "GIT_CONFIG_COUNT"});
    }
  }

  const auto parameters = env.get("GIT_CONFIG_PARAMETERS");
  if (!parameters) {
    return entries;
  }
  const std::string_view text = *parameters;
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && text[pos] == ' ') {
      ++pos;
    }
    if (pos >= text.size()) {
      break;
    }
    auto key = read_quoted(text, pos);
    if (!key) {
      malformed("GIT_CONFIG_PARAMETERS");
    }
    std::string value;
    if (pos < text.size() && text[pos] == '=') {
      // New format: 'key'='value', or 'key'= for a key given without a value (true).
      ++pos;
      if (pos < text.size() && text[pos] == '\'') {
        auto quoted = read_quoted(text, pos);
        if (!quoted) {
          malformed("GIT_CONFIG_PARAMETERS");
        }
        value = std::move(*quoted);
      } else {
        value = "true";
      }
    } else {
      // Old format: 'key=value' in one word.
      const auto equals = key->find('=');
      if (equals == std::string::npos) {
        value = "true";
      } else {
        value = key->substr(equals + 1);
        key->resize(equals);
      }
    }
    entries.push_back({normalize_key(*key), std::move(value), "git -c"});
  }
  return entries;
}

} // namespace cmtgen::git
