#include "util/environment.hpp"

#include "util/strings.hpp"

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace util {

Environment
Environment::current()
{
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      continue;
    }
    env.m_vars.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::optional<std::string>
Environment::get(std::string_view name) const
{
  const auto it = m_vars.find(name);
  if (it == m_vars.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool
Environment::has_value(std::string_view name) const
{
  const auto it = m_vars.find(name);
  return it != m_vars.end() && !trim(it->second).empty();
}

void
Environment::set(std::string name, std::string value)
{
  m_vars.insert_or_assign(std::move(name), std::move(value));
}

void
Environment::unset(std::string_view name)
{
  const auto it = m_vars.find(name);
  if (it != m_vars.end()) {
    m_vars.erase(it);
  }
}

std::vector<std::string>
Environment::entries() const
{
  std::vector<std::string> result;
  result.reserve(m_vars.size());
  for (const auto& [name, value] : m_vars) {
    std::string entry = name;
    entry += '=';
    entry += value;
    result.push_back(std::move(entry));
  }
  return result;
}

} // namespace util
