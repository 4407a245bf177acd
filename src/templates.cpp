#include "templates.hpp"

#include "embedded.hpp"
#include "error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>
#include <kainjow/mustache.hpp>

#include <cstdlib>

namespace cmtgen::templates {

namespace mustache = kainjow::mustache;

namespace {

constexpr std::string_view k_suffix = ".mustache";

mustache::data
convert(const Data& data)
{
  switch (data.kind()) {
    case Data::Kind::text: return mustache::data(data.string());
    case Data::Kind::flag: return mustache::data(data.boolean());
    case Data::Kind::list: {
      mustache::data list(mustache::data::type::list);
      for (const auto& item : data.items()) {
        list.push_back(convert(item));
      }
      return list;
    }
    case Data::Kind::object: break;
  }
  mustache::data object(mustache::data::type::object);
  for (const auto& [key, value] : data.fields()) {
    object.set(key, convert(value));
  }
  return object;
}

} // namespace

std::vector<std::string>
builtin_names()
{
  std::vector<std::string> names;
  for (const auto& file : embedded::files()) {
    if (file.name.ends_with(k_suffix)) {
      names.emplace_back(file.name.substr(0, file.name.size() - k_suffix.size()));
    }
  }
  return names;
}

std::string
load(std::string_view name_or_path)
{
  const bool is_path = util::contains(name_or_path, "/") || name_or_path.ends_with(k_suffix);
  if (!is_path) {
    if (const auto text = embedded::find(std::string(name_or_path) + std::string(k_suffix))) {
      return std::string(*text);
    }
    throw Error(Failure::config,
                fmt::format("no built-in template '{}' (built-in: {}); cmtgen.template also takes a path", name_or_path,
                            util::join(builtin_names(), ", ")));
  }
  std::string path(name_or_path);
  if (path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    path = std::string(home ? home : "") + path.substr(1);
  }
  std::optional<std::string> text;
  try {
    text = util::read_file(path, 1024 * 1024);
  } catch (const std::exception& e) {
    throw Error(Failure::config, fmt::format("cannot read template: {}", e.what()));
  }
  if (!text) {
    throw Error(Failure::config, fmt::format("template file {} does not exist (cmtgen.template)", path));
  }
  return *text;
}

Data
Data::text(std::string value)
{
  Data data(Kind::text);
  data.m_text = std::move(value);
  return data;
}

Data
Data::flag(bool value)
{
  Data data(Kind::flag);
  data.m_flag = value;
  return data;
}

Data
Data::list()
{
  return Data(Kind::list);
}

Data
Data::object()
{
  return Data(Kind::object);
}

Data&
Data::set(std::string key, Data value)
{
  for (auto& [existing, slot] : m_fields) {
    if (existing == key) {
      slot = std::move(value);
      return *this;
    }
  }
  m_fields.emplace_back(std::move(key), std::move(value));
  return *this;
}

Data&
Data::push(Data value)
{
  m_items.push_back(std::move(value));
  return *this;
}

struct Template::Impl
{
  explicit Impl(const std::string& text)
    : tmpl(text)
  {
  }
  // kainjow's render() is not const; it keeps no state between renders.
  mutable mustache::mustache tmpl;

  std::string render(const Data& data, bool system) const
  {
    mustache::data converted = convert(data);
    // {{> change}}: the standard rendering of the change, for every template to reuse.
    converted.set("change",
                  mustache::partial([] { return std::string(embedded::find("change.partial").value_or("")); }));
    converted.set("system_prompt", system);
    converted.set("user_prompt", !system);
    return tmpl.render(converted);
  }
};

Template::Template(std::string_view text, std::string_view origin)
  : m_impl(std::make_unique<Impl>(std::string(text)))
{
  if (!m_impl->tmpl.is_valid()) {
    throw Error(Failure::config, fmt::format("template {}: {}", origin, m_impl->tmpl.error_message()));
  }
  // Prompts are plain text: {{name}} inserts the value as is.
  m_impl->tmpl.set_custom_escape([](const std::string& value) { return value; });
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string
Template::render_system(const Data& data) const
{
  return m_impl->render(data, true);
}

std::string
Template::render_user(const Data& data) const
{
  return m_impl->render(data, false);
}

} // namespace cmtgen::templates
