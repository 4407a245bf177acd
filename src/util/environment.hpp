#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace util {

// A process environment as a value: read once from `environ`, edited, handed to a child.
class Environment
{
public:
  Environment() = default;
  static Environment current();

  // nullopt when unset. An empty value is a set variable.
  std::optional<std::string> get(std::string_view name) const;
  // Set and not blank (only whitespace counts as blank).
  bool has_value(std::string_view name) const;
  void set(std::string name, std::string value);
  void unset(std::string_view name);

  // "NAME=value" strings, sorted by name.
  std::vector<std::string> entries() const;
  const std::map<std::string, std::string, std::less<>>& map() const { return m_vars; }

private:
  std::map<std::string, std::string, std::less<>> m_vars;
};

} // namespace util
