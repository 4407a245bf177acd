#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cmtgen::templates {

// Built-in template names: "default", "conventional", "gitmoji".
std::vector<std::string> builtin_names();

// The text of a built-in template by name, or of the file at `name_or_path` (a value with a
// '/' or ending in ".mustache"; '~/' is expanded). Throws Error(Failure::config) when
// neither exists.
std::string load(std::string_view name_or_path);

// Values handed to a template: strings, booleans, lists and objects (see templates/README.md
// for the names the prompt builder provides).
class Data
{
public:
  enum class Kind { text, flag, list, object };

  static Data text(std::string value);
  static Data flag(bool value);
  static Data list();
  static Data object();

  Data& set(std::string key, Data value); // objects
  Data& push(Data value);                 // lists

  Kind kind() const { return m_kind; }
  const std::string& string() const { return m_text; }
  bool boolean() const { return m_flag; }
  const std::vector<Data>& items() const { return m_items; }
  const std::vector<std::pair<std::string, Data>>& fields() const { return m_fields; }

private:
  explicit Data(Kind kind)
    : m_kind(kind)
  {
  }

  Kind m_kind;
  std::string m_text;
  bool m_flag = false;
  std::vector<Data> m_items;
  std::vector<std::pair<std::string, Data>> m_fields;
};

// A parsed Mustache template. Variables are inserted verbatim (no HTML escaping): prompts are
// plain text. A template holds two parts selected by the `system_prompt` and `user_prompt`
// sections; each render sets one of them true. The partial {{> change}} renders the
// standard description of the change (templates/change.partial).
class Template
{
public:
  // Throws Error(Failure::config) with the parser's message for a malformed template.
  Template(std::string_view text, std::string_view origin);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  std::string render_system(const Data& data) const;
  std::string render_user(const Data& data) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace cmtgen::templates
