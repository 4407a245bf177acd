#include "redact/internal.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string>

namespace cmtgen::redact {

namespace {

bool
contains_any(std::string_view lowered, std::initializer_list<std::string_view> needles)
{
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return util::contains(lowered, n); });
}

double
shannon_bits_per_char(std::string_view text)
{
  std::array<std::size_t, 256> counts{};
  for (const char c : text) {
    ++counts[static_cast<unsigned char>(c)];
  }
  double bits = 0;
  const auto size = static_cast<double>(text.size());
  for (const std::size_t count : counts) {
    if (count > 0) {
      const double p = static_cast<double>(count) / size;
      bits -= p * std::log2(p);
    }
  }
  return bits;
}

} // namespace

bool
is_reference(std::string_view value)
{
  if (value.empty()) {
    return true;
  }
  const char first = value.front();
  const char last = value.back();
  return first == '$' || (first == '%' && value.size() > 1 && (value[1] == '(' || value[1] == 's')) ||
         (first == '<' && last == '>') || (first == '{' && last == '}') || util::contains(value, "{{") ||
         util::contains(value, "{%") || util::contains(value, "<%") || util::contains(value, k_marker_open) ||
         std::all_of(value.begin(), value.end(), [](char c) { return c == '*' || c == 'x' || c == 'X'; });
}

// Documentation and templates fill secret slots with these; masking them would hide what
// the change means and protect nothing.
bool
is_placeholder(std::string_view value)
{
  if (is_reference(value)) {
    return true;
  }
  const std::string lowered = util::to_lower(value);
  if (std::all_of(value.begin(), value.end(), [&](char c) { return c == value.front(); }) ||
      lowered.starts_with("xxx") || lowered.starts_with("***") || lowered.starts_with("...")) {
    return true;
  }
  constexpr std::array<std::string_view, 12> k_words = {"null",  "none",      "nil",      "true",
                                                        "false", "undefined", "password", "secret",
                                                        "token", "required",  "optional", "default"};
  // "myregistrytoken", "SuperSecretToken", "my-password": the slot's own name as its value.
  const bool letters_only =
    std::all_of(value.begin(), value.end(), [](char c) { return is_alpha(c) || c == '-' || c == '_'; });
  if (letters_only && contains_any(lowered, {"token", "passw", "secret", "apikey", "api_key", "api-key"})) {
    return true;
  }
  return one_of(lowered, k_words) ||
         contains_any(lowered,
                      {"changeme",   "change_me", "change-me",   "changeit",   "your",     "example",    "placeholder",
                       "dummy",      "sample",    "replaceme",   "replace_me", "fixme",    "_here",      "-here",
                       "os.environ", "getenv",    "process.env", "env[",       "secrets.", "-----begin "});
}

bool
is_path(std::string_view value)
{
  constexpr std::array<std::string_view, 14> k_extensions = {".pem",  ".key", ".p12",  ".pfx", ".crt", ".cer", ".der",
                                                             ".json", ".txt", ".yaml", ".yml", ".jks", ".gpg", ".ppk"};
  return value.starts_with("/") || value.starts_with("./") || value.starts_with("../") || value.starts_with("~/") ||
         std::any_of(k_extensions.begin(), k_extensions.end(), [&](std::string_view e) { return value.ends_with(e); });
}

bool
is_variable_name(std::string_view value)
{
  return is_upper(value.front()) && util::contains(value, "_") &&
         std::all_of(value.begin(), value.end(), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
}

bool
looks_random(std::string_view value)
{
  const auto has = [&](auto test) { return std::any_of(value.begin(), value.end(), test) ? 1 : 0; };
  const int classes = has(is_lower) + has(is_upper) + has(is_digit) + has([](char c) { return !is_alnum(c); });
  const double bits = shannon_bits_per_char(value);
  return bits >= 2.5 && (classes >= 2 || value.size() >= 12);
}

bool
is_member_chain(std::string_view value)
{
  std::size_t segments = 0;
  bool at_start = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const std::size_t separator = c == '.'                                                           ? 1
                                  : starts_with_at(value, i, "::") || starts_with_at(value, i, "->") ? 2
                                                                                                     : 0;
    if (separator > 0) {
      if (at_start) {
        return false;
      }
      i += separator - 1;
      at_start = true;
    } else if (is_alpha(c) || c == '_' || c == '$' || (!at_start && is_digit(c))) {
      segments += at_start ? 1 : 0;
      at_start = false;
    } else {
      return false;
    }
  }
  return !at_start && segments > 1;
}

} // namespace cmtgen::redact
