#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>

namespace util {

namespace {

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char
lower(char c)
{
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::string_view
trim(std::string_view text)
{
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  return trim_right(text);
}

std::string_view
trim_right(std::string_view text)
{
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string
to_lower(std::string_view text)
{
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), lower);
  return result;
}

std::vector<std::string_view>
split_lines(std::string_view text)
{
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  while (true) {
    const auto end = text.find(separator);
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(end + 1);
  }
}

std::string
join(const std::vector<std::string>& parts, std::string_view separator)
{
  std::string result;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      result += separator;
    }
    result += parts[i];
  }
  return result;
}

bool
contains(std::string_view haystack, std::string_view needle)
{
  return haystack.find(needle) != std::string_view::npos;
}

bool
icontains(std::string_view haystack, std::string_view needle)
{
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) { return lower(a) == lower(b); });
  return it != haystack.end() || needle.empty();
}

std::optional<std::vector<std::string>>
shell_split(std::string_view line)
{
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (is_space(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
    } else if (c == '\'') {
      const auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
      in_word = true;
    } else if (c == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        // Inside double quotes a backslash only escapes these, as in sh.
        if (line[i] == '\\' && i + 1 < line.size() &&
            (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`')) {
          ++i;
        }
        word += line[i];
        ++i;
      }
      if (i >= line.size()) {
        return std::nullopt;
      }
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 < line.size()) {
        word += line[++i];
      }
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

std::string
shell_quote(std::string_view word)
{
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("/._-+=:,@%").find(c) != std::string_view::npos;
  });
  if (plain) {
    return std::string(word);
  }
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string_view
basename(std::string_view path)
{
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string
strip_controls(std::string_view text)
{
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      // ESC [ params final (CSI), ESC ] ... BEL or ESC \ (OSC), or ESC and one byte.
      if (i + 1 < text.size() && text[i + 1] == '[') {
        i += 2;
        while (i < text.size() &&
               (static_cast<unsigned char>(text[i]) < 0x40 || static_cast<unsigned char>(text[i]) > 0x7e)) {
          ++i;
        }
      } else if (i + 1 < text.size() && text[i + 1] == ']') {
        i += 2;
        while (i < text.size() && text[i] != '\a' && !(text[i] == 0x1b && i + 1 < text.size() && text[i + 1] == '\\')) {
          ++i;
        }
        if (i < text.size() && text[i] == 0x1b) {
          ++i;
        }
      } else {
        ++i;
      }
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      continue;
    }
    // C1 controls (U+0080..U+009F) and the bidirectional embeddings, overrides and isolates
    // (U+202A..U+202E, U+2066..U+2069) in UTF-8.
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      ++i;
      continue;
    }
    if (c == 0xe2 && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) || (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
        i += 2;
        continue;
      }
    }
    result += static_cast<char>(c);
  }
  return result;
}

std::string
c_quote(std::string_view path)
{
  const bool plain = std::none_of(path.begin(), path.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f || c == '"' || c == '\\';
  });
  if (plain) {
    return std::string(path);
  }
  std::string result = "\"";
  for (const char c : path) {
    switch (c) {
      case '"': result += "\\\""; break;
      case '\\': result += "\\\\"; break;
      case '\n': result += "\\n"; break;
      case '\t': result += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          result += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        } else {
          result += c;
        }
    }
  }
  result += '"';
  return result;
}

std::string
human_size(std::uint64_t bytes)
{
  constexpr std::array<const char*, 4> k_units = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  value /= 1024;
  while (value >= 1024 && unit + 1 < k_units.size()) {
    value /= 1024;
    ++unit;
  }
  return value < 10 ? fmt::format("{:.1f} {}", value, k_units[unit]) : fmt::format("{:.0f} {}", value, k_units[unit]);
}

std::size_t
edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view
closest(std::string_view typed, const std::vector<std::string_view>& candidates, std::size_t max_distance)
{
  std::string_view best;
  std::size_t best_distance = max_distance;
  for (const std::string_view candidate : candidates) {
    const auto distance = edit_distance(typed, candidate);
    if (distance < best_distance || (best.empty() && typed.size() >= 2 && candidate.starts_with(typed))) {
      best = candidate;
      best_distance = std::min(distance, best_distance);
    }
  }
  return best;
}

} // namespace util
