#include "error.hpp"
#include "templates.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

using cmtgen::templates::Data;
using cmtgen::templates::Template;

namespace {

std::string
config_error_of_load(std::string_view name)
{
  try {
    cmtgen::templates::load(name);
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::config);
    return e.what();
  }
  FAIL("load did not throw for " << name);
  return {};
}

// The data the prompt builder hands to {{> change}}, with plain values.
Data
change_data()
{
  Data data = Data::object();
  data.set("language", Data::text("English"));
  data.set("branch", Data::text("feature/x"));
  data.set("has_branch", Data::flag(true));
  data.set("detached", Data::flag(false));
  data.set("unborn", Data::flag(false));
  data.set("recent_subjects", Data::list().push(Data::object().set("subject", Data::text("Add the parser"))));
  data.set("has_recent_subjects", Data::flag(true));
  data.set("previous_message", Data::text(""));
  data.set("has_previous_message", Data::flag(false));
  data.set("files_changed", Data::text("2"));
  data.set("lines_added", Data::text("7"));
  data.set("lines_removed", Data::text("3"));
  data.set("file_summary", Data::text("M src/a.cpp (+7 -3)\nA docs/b.md\n"));
  data.set("omitted_note", Data::text(""));
  data.set("has_omitted", Data::flag(false));
  data.set("diff", Data::text("diff --git a/src/a.cpp b/src/a.cpp\n+x < y && z > \"w\"\n"));
  data.set("has_diff", Data::flag(true));
  return data;
}

} // namespace

TEST_CASE("the built-in templates are default, conventional and gitmoji", "[templates]")
{
  auto names = cmtgen::templates::builtin_names();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"conventional", "default", "gitmoji"});
}

TEST_CASE("every built-in template loads by name and renders both parts", "[templates]")
{
  for (const auto& name : cmtgen::templates::builtin_names()) {
    INFO(name);
    const std::string text = cmtgen::templates::load(name);
    CHECK_FALSE(text.empty());
    const Template tmpl(text, name);
    const std::string system = tmpl.render_system(change_data());
    const std::string user = tmpl.render_user(change_data());
    CHECK_FALSE(util::trim(system).empty());
    CHECK(util::contains(user, "M src/a.cpp (+7 -3)"));
    CHECK(util::contains(user, "<diff>"));
    CHECK_FALSE(util::contains(system, "M src/a.cpp"));
  }
}

TEST_CASE("a template loads from a path with a slash or a .mustache suffix", "[templates]")
{
  util::TemporaryDirectory dir("cmtgen-templates-");
  const auto path = dir.path() / "mine.mustache";
  util::write_file_atomic(path, "{{#system_prompt}}S{{/system_prompt}}{{#user_prompt}}U{{/user_prompt}}");
  CHECK(cmtgen::templates::load(path.string()) ==
        "{{#system_prompt}}S{{/system_prompt}}{{#user_prompt}}U{{/user_prompt}}");

  const auto plain = dir.path() / "plain.txt";
  util::write_file_atomic(plain, "text");
  CHECK(cmtgen::templates::load(plain.string()) == "text");
}

TEST_CASE("an unknown template name is a config error that names the built-ins", "[templates]")
{
  const std::string message = config_error_of_load("fancy");
  CHECK(util::contains(message, "'fancy'"));
  CHECK(util::contains(message, "default"));
  CHECK(util::contains(message, "conventional"));
  CHECK(util::contains(message, "gitmoji"));
}

TEST_CASE("a missing template file is a config error that names the path", "[templates]")
{
  util::TemporaryDirectory dir("cmtgen-templates-");
  const auto path = (dir.path() / "missing.mustache").string();
  const std::string message = config_error_of_load(path);
  CHECK(util::contains(message, path));
}

TEST_CASE("a malformed template is a config error naming its origin", "[templates]")
{
  for (const char* text : {"{{#user_prompt}}never closed", "{{#a}}x{{/b}}", "{{unclosed"}) {
    INFO(text);
    try {
      const Template tmpl(text, "cmtgen.template (~/bad.mustache)");
      FAIL("no error");
    } catch (const cmtgen::Error& e) {
      CHECK(e.failure() == cmtgen::Failure::config);
      CHECK(util::contains(e.what(), "cmtgen.template (~/bad.mustache)"));
    }
  }
}

TEST_CASE("variables are inserted without HTML escaping", "[templates]")
{
  const Template tmpl("{{#user_prompt}}{{value}}|{{{value}}}{{/user_prompt}}", "test");
  Data data = Data::object();
  data.set("value", Data::text("a < b && c > \"d\" 'e'"));
  CHECK(tmpl.render_user(data) == "a < b && c > \"d\" 'e'|a < b && c > \"d\" 'e'");
}

TEST_CASE("render_system and render_user select the matching part", "[templates]")
{
  const Template tmpl("{{#system_prompt}}system {{name}}{{/system_prompt}}"
                      "{{#user_prompt}}user {{name}}{{/user_prompt}}"
                      "{{^system_prompt}}!{{/system_prompt}}",
                      "test");
  Data data = Data::object();
  data.set("name", Data::text("x"));
  CHECK(tmpl.render_system(data) == "system x");
  CHECK(tmpl.render_user(data) == "user x!");
}

TEST_CASE("lists, flags and nested objects render", "[templates]")
{
  const Template tmpl("{{#user_prompt}}{{#items}}[{{name}}{{#flag}}*{{/flag}}]{{/items}}{{^items}}none{{/items}}"
                      "{{/user_prompt}}",
                      "test");
  Data data = Data::object();
  Data items = Data::list();
  items.push(Data::object().set("name", Data::text("a")).set("flag", Data::flag(true)));
  items.push(Data::object().set("name", Data::text("b")).set("flag", Data::flag(false)));
  data.set("items", std::move(items));
  CHECK(tmpl.render_user(data) == "[a*][b]");

  Data empty = Data::object();
  empty.set("items", Data::list());
  CHECK(tmpl.render_user(empty) == "none");
}

TEST_CASE("the change partial renders the standard description of the change", "[templates]")
{
  const Template tmpl("{{#user_prompt}}BEFORE\n{{> change}}AFTER{{/user_prompt}}", "test");
  const std::string user = tmpl.render_user(change_data());
  CHECK(user.starts_with("BEFORE\n"));
  CHECK(user.ends_with("AFTER"));
  CHECK(util::contains(user, "Branch: feature/x"));
  CHECK(util::contains(user, "  Add the parser"));
  CHECK(util::contains(user, "Files changed: 2 (+7 -3 lines)"));
  CHECK(util::contains(user, "M src/a.cpp (+7 -3)\nA docs/b.md\n"));
  // Verbatim, inside the data block: the partial escapes nothing either.
  CHECK(util::contains(user, "<diff>\ndiff --git a/src/a.cpp b/src/a.cpp\n+x < y && z > \"w\"\n</diff>"));
  CHECK_FALSE(util::contains(user, "HEAD is detached"));

  // The system part does not render the partial.
  CHECK(tmpl.render_system(change_data()).empty());
}

TEST_CASE("the change partial follows the flags it is given", "[templates]")
{
  const Template tmpl("{{#user_prompt}}{{> change}}{{/user_prompt}}", "test");
  Data data = change_data();
  data.set("has_branch", Data::flag(false));
  data.set("detached", Data::flag(true));
  data.set("has_diff", Data::flag(false));
  data.set("has_omitted", Data::flag(true));
  data.set("omitted_note", Data::text("The diff of 1 file did not fit."));
  data.set("has_previous_message", Data::flag(true));
  data.set("previous_message", Data::text("Old subject"));
  const std::string user = tmpl.render_user(data);
  CHECK_FALSE(util::contains(user, "Branch:"));
  CHECK(util::contains(user, "HEAD is detached."));
  CHECK_FALSE(util::contains(user, "<diff>"));
  CHECK(util::contains(user, "The diff of 1 file did not fit."));
  CHECK(util::contains(user, "<previous_message>\nOld subject\n</previous_message>"));
}

// ---- what a template may cost ----------------------------------------------------------------

namespace {

std::string
config_error_of(const std::string& text)
{
  try {
    Template(text, "t");
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::config);
    return e.what();
  }
  return {};
}

std::string
nested(std::string_view open, std::string_view close, std::size_t depth)
{
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) {
    text += fmt::format("{}#s{}{}", open, i, close);
  }
  for (std::size_t i = depth; i-- > 0;) {
    text += fmt::format("{}/s{}{}", open, i, close);
  }
  return text;
}

} // namespace

TEST_CASE("deeply nested sections are refused before they are parsed", "[templates]")
{
  CHECK(config_error_of(nested("{{", "}}", 20)).empty());
  CHECK(util::contains(config_error_of(nested("{{", "}}", 25)), "nested more than 24 deep"));
  CHECK(util::contains(config_error_of(nested("{{", "}}", 100000)), "nested more than"));
  // Changing the delimiters does not hide the nesting.
  CHECK(util::contains(config_error_of("{{=<% %>=}}" + nested("<%", "%>", 30)), "nested more than"));
  CHECK(util::contains(config_error_of("{{=<% %>=}}<%={{ }}=%>" + nested("{{", "}}", 30)), "nested more than"));
}

TEST_CASE("a list iterated inside itself is refused", "[templates]")
{
  CHECK(util::contains(config_error_of("{{#files}}{{#files}}{{path}}{{/files}}{{/files}}"), "iterated inside itself"));
  CHECK(config_error_of("{{#files}}{{path}}{{/files}}{{#files}}{{path}}{{/files}}").empty());
  CHECK(config_error_of("{{#has_diff}}{{#has_diff}}x{{/has_diff}}{{/has_diff}}").empty());
}

TEST_CASE("a template that renders past the size bound is a config error", "[templates]")
{
  const Template big("{{#user_prompt}}{{#items}}{{text}}{{/items}}{{/user_prompt}}", "t");
  Data items = Data::list();
  const std::string chunk(1024 * 1024, 'x');
  for (int i = 0; i < 40; ++i) {
    items.push(Data::object().set("text", Data::text(chunk)));
  }
  Data data = Data::object();
  data.set("items", std::move(items));
  CHECK_THROWS_AS(big.render_user(data), cmtgen::Error);
  CHECK(big.render_system(data).empty());
}
