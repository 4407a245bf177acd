#include "templates.hpp"

#include "embedded.hpp"
#include "error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace cmtgen::templates {

namespace mustache = kainjow::mustache;

namespace {

constexpr std::string_view k_suffix = ".mustache";

// What a template may cost. kainjow keeps a copy of the inner text for every nested
// section, so memory grows with the square of the nesting (a 240 KB template of nested
// sections took 2.3 GB); the built-in templates nest three deep. The rendered size bound
// leaves room for the largest prompt budget (10m) and the text around it.
constexpr std::size_t k_max_depth = 24;
constexpr std::size_t k_max_rendered_bytes = 24 * 1024 * 1024;

// Checks the section structure of `text` before kainjow parses it: the nesting depth, and
// no list section inside a section over the same list (files x files is quadratic in the
// number of staged files). Follows set-delimiter tags ({{=<% %>=}}) as the parser does.
void
check_cost(std::string_view text, std::string_view origin)
{
  std::string open = "{{";
  std::string close = "}}";
  std::vector<std::string> sections;
  std::size_t pos = 0;
  while ((pos = text.find(open, pos)) != std::string_view::npos) {
    std::size_t start = pos + open.size();
    std::string_view end_mark = close;
    if (open == "{{" && start < text.size() && text[start] == '{') {
      end_mark = "}}}"; // {{{name}}}
    }
    const std::size_t end = text.find(end_mark, start);
    if (end == std::string_view::npos) {
      return; // unterminated: the parser reports it
    }
    const std::string_view tag = util::trim(text.substr(start, end - start));
    pos = end + end_mark.size();
    if (tag.empty()) {
      continue;
    }
    if (tag.front() == '#' || tag.front() == '^') {
      const std::string name(util::trim(tag.substr(1)));
      const bool list = name == "files" || name == "recent_subjects";
      if (list && tag.front() == '#' && std::find(sections.begin(), sections.end(), name) != sections.end()) {
        throw Error(Failure::config, fmt::format("template {}: the list '{}' is iterated inside itself, which "
                                                 "costs the square of its length",
                                                 origin, name));
      }
      sections.push_back(name);
      if (sections.size() > k_max_depth) {
        throw Error(Failure::config,
                    fmt::format("template {}: sections are nested more than {} deep", origin, k_max_depth));
      }
    } else if (tag.front() == '/') {
      if (!sections.empty()) {
        sections.pop_back();
      }
    } else if (tag.size() >= 2 && tag.front() == '=' && tag.back() == '=') {
      const std::string_view inner = util::trim(tag.substr(1, tag.size() - 2));
      const auto space = inner.find_first_of(" \t");
      if (space != std::string_view::npos) {
        open = std::string(inner.substr(0, space));
        close = std::string(util::trim(inner.substr(space)));
      }
    }
  }
}

class RenderTooLarge : public std::exception
{
};

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
  util::ReadResult read = util::read_file(path, 1024 * 1024);
  if (read.missing()) {
    throw Error(Failure::config, fmt::format("template file {} does not exist (cmtgen.template)", path));
  }
  if (read.failed()) {
    throw Error(Failure::config, fmt::format("cannot read template: {}", read.error));
  }
  return std::move(read.content);
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
  Impl(const std::string& text, std::string_view name)
    : origin(name)
    , tmpl((check_cost(text, name), text))
  {
  }
  std::string origin;
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
    std::string out;
    try {
      tmpl.render(converted, [&out](const std::string& piece) {
        if (out.size() + piece.size() > k_max_rendered_bytes) {
          throw RenderTooLarge();
        }
        out += piece;
      });
    } catch (const RenderTooLarge&) {
      throw Error(Failure::config, fmt::format("template {}: renders to more than {} MiB", origin,
                                               k_max_rendered_bytes / (1024 * 1024)));
    }
    return out;
  }
};

Template::Template(std::string_view text, std::string_view origin)
  : m_impl(std::make_unique<Impl>(std::string(text), origin))
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
