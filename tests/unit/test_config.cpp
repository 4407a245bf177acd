#include "config.hpp"
#include "error.hpp"
#include "git/repository.hpp"
#include "util/environment.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

using cmtgen::AmendMode;
using cmtgen::Auth;
using cmtgen::BackendKind;
using cmtgen::Config;
using cmtgen::FallbackMode;
using cmtgen::OnError;
using cmtgen::Overrides;
using cmtgen::git::ConfigEntry;

namespace {

ConfigEntry
entry(std::string key, std::string value, std::string origin = "local config")
{
  return {std::move(key), std::move(value), std::move(origin)};
}

util::Environment
environment(std::initializer_list<std::pair<const char*, const char*>> vars)
{
  util::Environment env;
  for (const auto& [name, value] : vars) {
    env.set(name, value);
  }
  return env;
}

Config
from_entries(const std::vector<ConfigEntry>& entries)
{
  return cmtgen::build_config(entries, util::Environment(), Overrides());
}

Config
from_value(const std::string& key, const std::string& value)
{
  return from_entries({entry(key, value)});
}

// The config error thrown for `key = value`; fails the test when nothing is thrown.
std::string
config_error(const std::vector<ConfigEntry>& entries, const util::Environment& env = {})
{
  try {
    cmtgen::build_config(entries, env, Overrides());
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::config);
    return e.what();
  }
  FAIL("no cmtgen::Error was thrown");
  return {};
}

std::string
origin_of(const Config& config, const std::string& key)
{
  std::string origin;
  for (const auto& [name, from] : config.origins) {
    if (name == key) {
      origin = from; // the last one wins, as the value does
    }
  }
  return origin;
}

} // namespace

TEST_CASE("an empty configuration gives the documented defaults", "[config]")
{
  const Config config = from_entries({});
  CHECK(config.enabled);
  CHECK(config.backend == BackendKind::claude);
  CHECK(config.claude.empty());
  CHECK(config.command.empty());
  CHECK(config.model == "haiku");
  CHECK(config.auth == Auth::automatic);
  CHECK(config.setting_sources.empty());
  CHECK(config.timeout == std::chrono::seconds(60));
  CHECK(config.template_name == "default");
  CHECK(config.language == "English");
  CHECK(config.max_prompt_bytes == 60000);
  CHECK(config.exclude.empty());
  CHECK(config.redact);
  CHECK(config.candidates == 1);
  CHECK(config.amend == AmendMode::skip);
  CHECK(config.fallback == FallbackMode::none);
  CHECK(config.on_error == OnError::comment);
  CHECK(config.cache);
  CHECK(config.comment_char.empty());
  CHECK(config.cleanup.empty());
  CHECK(config.warnings.empty());
  CHECK(config.origins.empty());
}

TEST_CASE("a later git config entry beats an earlier one", "[config]")
{
  const Config config = from_entries({
    entry("cmtgen.model", "opus", "system config"),
    entry("cmtgen.model", "sonnet", "global config"),
    entry("cmtgen.model", "haiku-4", "local config"),
  });
  CHECK(config.model == "haiku-4");
  CHECK(origin_of(config, "cmtgen.model") == "local config");
}

TEST_CASE("git -c entries from the environment beat the config files", "[config]")
{
  std::vector<ConfigEntry> entries = {entry("cmtgen.model", "opus", "global config"),
                                      entry("cmtgen.timeout", "30", "local config")};
  const auto env = environment({{"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='sonnet'"}});
  for (auto& override_entry : cmtgen::git::config_from_environment(env)) {
    entries.push_back(std::move(override_entry));
  }
  const Config config = from_entries(entries);
  CHECK(config.model == "sonnet");
  CHECK(origin_of(config, "cmtgen.model") == "git -c");
  CHECK(config.timeout == std::chrono::seconds(30));
}

TEST_CASE("CMTGEN_* environment variables beat git config", "[config]")
{
  const std::vector<ConfigEntry> entries = {
    entry("cmtgen.model", "opus"),   entry("cmtgen.timeout", "30"),       entry("cmtgen.backend", "offline"),
    entry("cmtgen.auth", "api-key"), entry("cmtgen.claude", "/a/claude"), entry("cmtgen.command", "llm -m x"),
  };
  const auto env = environment({
    {"CMTGEN_MODEL", "sonnet"},
    {"CMTGEN_TIMEOUT", "90"},
    {"CMTGEN_BACKEND", "command"},
    {"CMTGEN_AUTH", "subscription"},
    {"CMTGEN_CLAUDE", "/b/claude"},
    {"CMTGEN_COMMAND", "ollama run 'llama 3'"},
  });
  const Config config = cmtgen::build_config(entries, env, Overrides());
  CHECK(config.model == "sonnet");
  CHECK(config.timeout == std::chrono::seconds(90));
  CHECK(config.backend == BackendKind::command);
  CHECK(config.auth == Auth::subscription);
  CHECK(config.claude == "/b/claude");
  CHECK(config.command == std::vector<std::string>{"ollama", "run", "llama 3"});
  CHECK(origin_of(config, "cmtgen.model") == "environment CMTGEN_MODEL");
  CHECK(origin_of(config, "cmtgen.timeout") == "environment CMTGEN_TIMEOUT");
  CHECK(origin_of(config, "cmtgen.backend") == "environment CMTGEN_BACKEND");
  CHECK(origin_of(config, "cmtgen.auth") == "environment CMTGEN_AUTH");
  CHECK(origin_of(config, "cmtgen.claude") == "environment CMTGEN_CLAUDE");
  CHECK(origin_of(config, "cmtgen.command") == "environment CMTGEN_COMMAND");
}

TEST_CASE("a blank CMTGEN_* variable does not override git config", "[config]")
{
  const auto env = environment({{"CMTGEN_MODEL", "  "}, {"CMTGEN_TIMEOUT", ""}});
  const Config config = cmtgen::build_config({entry("cmtgen.model", "opus")}, env, Overrides());
  CHECK(config.model == "opus");
  CHECK(config.timeout == std::chrono::seconds(60));
}

TEST_CASE("command-line overrides beat the environment and git config", "[config]")
{
  const auto env = environment({{"CMTGEN_MODEL", "sonnet"}});
  Overrides overrides;
  overrides.model = "opus";
  overrides.template_name = "gitmoji";
  overrides.candidates = 3;
  overrides.cache = false;
  const Config config = cmtgen::build_config({entry("cmtgen.model", "haiku"), entry("cmtgen.template", "conventional"),
                                              entry("cmtgen.candidates", "2"), entry("cmtgen.cache", "true")},
                                             env, overrides);
  CHECK(config.model == "opus");
  CHECK(origin_of(config, "cmtgen.model") == "--model");
  CHECK(config.template_name == "gitmoji");
  CHECK(origin_of(config, "cmtgen.template") == "--template");
  CHECK(config.candidates == 3);
  CHECK(origin_of(config, "cmtgen.candidates") == "-n");
  CHECK_FALSE(config.cache);
}

TEST_CASE("an invalid command-line override is a config error naming the flag", "[config]")
{
  Overrides overrides;
  overrides.candidates = 9;
  try {
    cmtgen::build_config({}, util::Environment(), overrides);
    FAIL("no error");
  } catch (const cmtgen::Error& e) {
    CHECK(e.failure() == cmtgen::Failure::config);
    CHECK(util::contains(e.what(), "cmtgen.candidates"));
    CHECK(util::contains(e.what(), "'9'"));
    CHECK(util::contains(e.what(), "-n"));
  }
}

TEST_CASE("CMTGEN_SKIP disables cmtgen when it is true", "[config]")
{
  const std::vector<ConfigEntry> enabled = {entry("cmtgen.enabled", "true")};
  for (const char* value : {"1", "true", "yes", "on", "TRUE"}) {
    INFO("CMTGEN_SKIP=" << value);
    const Config config = cmtgen::build_config(enabled, environment({{"CMTGEN_SKIP", value}}), Overrides());
    CHECK_FALSE(config.enabled);
    CHECK(origin_of(config, "cmtgen.enabled") == "environment CMTGEN_SKIP");
  }
  for (const char* value : {"0", "false", "no", "off", ""}) {
    INFO("CMTGEN_SKIP=" << value);
    const Config config = cmtgen::build_config(enabled, environment({{"CMTGEN_SKIP", value}}), Overrides());
    CHECK(config.enabled);
  }
  CHECK(cmtgen::build_config(enabled, util::Environment(), Overrides()).enabled);
}

TEST_CASE("cmtgen.enabled false disables cmtgen", "[config]")
{
  CHECK_FALSE(from_value("cmtgen.enabled", "false").enabled);
  CHECK(origin_of(from_value("cmtgen.enabled", "false"), "cmtgen.enabled") == "local config");
}

TEST_CASE("booleans accept git's spellings in any case", "[config]")
{
  for (const char* yes : {"true", "yes", "on", "1", "True", "YES", " on "}) {
    INFO(yes);
    CHECK(from_value("cmtgen.redact", yes).redact);
    CHECK(from_value("cmtgen.cache", yes).cache);
    CHECK(from_value("cmtgen.enabled", yes).enabled);
  }
  for (const char* no : {"false", "no", "off", "0", "", "False", "OFF"}) {
    INFO("'" << no << "'");
    CHECK_FALSE(from_value("cmtgen.redact", no).redact);
    CHECK_FALSE(from_value("cmtgen.cache", no).cache);
    CHECK_FALSE(from_value("cmtgen.enabled", no).enabled);
  }
}

TEST_CASE("git::parse_bool follows git's boolean spelling", "[config]")
{
  using cmtgen::git::parse_bool;
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("Yes") == true);
  CHECK(parse_bool("ON") == true);
  CHECK(parse_bool("1") == true);
  CHECK(parse_bool("false") == false);
  CHECK(parse_bool("No") == false);
  CHECK(parse_bool("off") == false);
  CHECK(parse_bool("0") == false);
  CHECK(parse_bool("") == false);
  CHECK(parse_bool("  ") == false);
  CHECK_FALSE(parse_bool("maybe").has_value());
  CHECK_FALSE(parse_bool("tru").has_value());
  CHECK_FALSE(parse_bool("yess").has_value());
}

TEST_CASE("parse_size reads git's integers with k, m and g suffixes", "[config]")
{
  using cmtgen::parse_size;
  CHECK(parse_size("0") == 0U);
  CHECK(parse_size("60000") == 60000U);
  CHECK(parse_size("10k") == 10U * 1024U);
  CHECK(parse_size("10K") == 10U * 1024U);
  CHECK(parse_size("2m") == 2U * 1024U * 1024U);
  CHECK(parse_size("2M") == 2U * 1024U * 1024U);
  CHECK(parse_size("1g") == 1024U * 1024U * 1024U);
  CHECK(parse_size(" 42 ") == 42U);
  CHECK_FALSE(parse_size("").has_value());
  CHECK_FALSE(parse_size("k").has_value());
  CHECK_FALSE(parse_size("-1").has_value());
  CHECK_FALSE(parse_size("12x").has_value());
  CHECK_FALSE(parse_size("12kb").has_value());
  CHECK_FALSE(parse_size("1.5k").has_value());
  CHECK_FALSE(parse_size("99999999999999999999999").has_value());
}

TEST_CASE("parse_size rejects a value whose suffix makes it overflow", "[config]")
{
  CHECK_FALSE(cmtgen::parse_size("18014398509481994k").has_value());
  CHECK_FALSE(cmtgen::parse_size("17179869184g").has_value());
}

TEST_CASE("every key parses its valid values", "[config]")
{
  SECTION("backend")
  {
    CHECK(from_value("cmtgen.backend", "claude").backend == BackendKind::claude);
    CHECK(from_value("cmtgen.backend", "command").backend == BackendKind::command);
    CHECK(from_value("cmtgen.backend", " Offline ").backend == BackendKind::offline);
  }
  SECTION("claude path")
  {
    CHECK(from_value("cmtgen.claude", " /opt/claude/bin/claude ").claude == "/opt/claude/bin/claude");
  }
  SECTION("command is split like a shell would, without running one")
  {
    CHECK(from_value("cmtgen.command", "llm -m 'my model' --system \"be brief\"").command ==
          std::vector<std::string>{"llm", "-m", "my model", "--system", "be brief"});
    CHECK(from_value("cmtgen.command", "echo $HOME;rm").command == std::vector<std::string>{"echo", "$HOME;rm"});
  }
  SECTION("model")
  {
    CHECK(from_value("cmtgen.model", " sonnet ").model == "sonnet");
  }
  SECTION("auth")
  {
    CHECK(from_value("cmtgen.auth", "auto").auth == Auth::automatic);
    CHECK(from_value("cmtgen.auth", "subscription").auth == Auth::subscription);
    CHECK(from_value("cmtgen.auth", "api-key").auth == Auth::api_key);
    CHECK(from_value("cmtgen.auth", "INHERIT").auth == Auth::inherit);
  }
  SECTION("settingSources")
  {
    CHECK(from_value("cmtgen.settingsources", "user").setting_sources == "user");
  }
  SECTION("timeout in seconds, with git's suffixes")
  {
    CHECK(from_value("cmtgen.timeout", "1").timeout == std::chrono::seconds(1));
    CHECK(from_value("cmtgen.timeout", "3600").timeout == std::chrono::seconds(3600));
    CHECK(from_value("cmtgen.timeout", "1k").timeout == std::chrono::seconds(1024));
  }
  SECTION("template")
  {
    CHECK(from_value("cmtgen.template", "conventional").template_name == "conventional");
    CHECK(from_value("cmtgen.template", " ~/t.mustache ").template_name == "~/t.mustache");
  }
  SECTION("language; an empty value keeps the default")
  {
    CHECK(from_value("cmtgen.language", "German").language == "German");
    CHECK(from_value("cmtgen.language", "  ").language == "English");
  }
  SECTION("maxPromptBytes with k and m suffixes")
  {
    CHECK(from_value("cmtgen.maxpromptbytes", "2000").max_prompt_bytes == 2000);
    CHECK(from_value("cmtgen.maxpromptbytes", "30k").max_prompt_bytes == 30 * 1024);
    CHECK(from_value("cmtgen.maxpromptbytes", "1m").max_prompt_bytes == 1024 * 1024);
    CHECK(from_value("cmtgen.maxpromptbytes", "10m").max_prompt_bytes == 10 * 1024 * 1024);
  }
  SECTION("redact")
  {
    CHECK_FALSE(from_value("cmtgen.redact", "false").redact);
  }
  SECTION("candidates")
  {
    CHECK(from_value("cmtgen.candidates", "1").candidates == 1);
    CHECK(from_value("cmtgen.candidates", "5").candidates == 5);
  }
  SECTION("amend")
  {
    CHECK(from_value("cmtgen.amend", "skip").amend == AmendMode::skip);
    CHECK(from_value("cmtgen.amend", "Regenerate").amend == AmendMode::regenerate);
  }
  SECTION("fallback")
  {
    CHECK(from_value("cmtgen.fallback", "none").fallback == FallbackMode::none);
    CHECK(from_value("cmtgen.fallback", "offline").fallback == FallbackMode::offline);
  }
  SECTION("onError")
  {
    CHECK(from_value("cmtgen.onerror", "comment").on_error == OnError::comment);
    CHECK(from_value("cmtgen.onerror", "abort").on_error == OnError::abort);
  }
  SECTION("cache")
  {
    CHECK_FALSE(from_value("cmtgen.cache", "no").cache);
  }
  SECTION("git's comment character and cleanup mode are kept as configured")
  {
    CHECK(from_value("core.commentchar", ";").comment_char == ";");
    CHECK(from_value("core.commentchar", "auto").comment_char == "auto");
    CHECK(from_value("commit.cleanup", " Scissors ").cleanup == "scissors");
    // They are git's settings, not cmtgen's: no origin entry for doctor.
    CHECK(from_value("core.commentchar", ";").origins.empty());
  }
}

TEST_CASE("an invalid value is a config error naming the key, the value and the origin", "[config]")
{
  struct Case
  {
    const char* key;
    const char* value;
  };
  const std::vector<Case> cases = {
    {"cmtgen.enabled", "maybe"},
    {"cmtgen.backend", "openai"},
    {"cmtgen.command", "llm 'unterminated"},
    {"cmtgen.command", "   "},
    {"cmtgen.model", " "},
    {"cmtgen.auth", "oauth"},
    {"cmtgen.timeout", "0"},
    {"cmtgen.timeout", "3601"},
    {"cmtgen.timeout", "soon"},
    {"cmtgen.timeout", "-5"},
    {"cmtgen.template", ""},
    {"cmtgen.maxpromptbytes", "1999"},
    {"cmtgen.maxpromptbytes", "11m"},
    {"cmtgen.maxpromptbytes", "lots"},
    {"cmtgen.redact", "2x"},
    {"cmtgen.candidates", "0"},
    {"cmtgen.candidates", "6"},
    {"cmtgen.candidates", "two"},
    {"cmtgen.amend", "always"},
    {"cmtgen.fallback", "model"},
    {"cmtgen.onerror", "ignore"},
    {"cmtgen.cache", "sometimes"},
  };
  for (const auto& c : cases) {
    INFO(c.key << " = '" << c.value << "'");
    const std::string message = config_error({entry(c.key, c.value, "global config (file:/home/u/.gitconfig)")});
    CHECK(util::contains(message, c.key));
    CHECK(util::contains(message, std::string("'") + c.value + "'"));
    CHECK(util::contains(message, "global config (file:/home/u/.gitconfig)"));
  }
}

TEST_CASE("an invalid enum value lists the valid choices", "[config]")
{
  const std::string message = config_error({entry("cmtgen.backend", "openai")});
  CHECK(util::contains(message, "claude, command, offline"));
  const std::string auth = config_error({entry("cmtgen.auth", "oauth")});
  CHECK(util::contains(auth, "auto, subscription, api-key, inherit"));
}

TEST_CASE("an invalid CMTGEN_* value names the variable as its origin", "[config]")
{
  const std::string message = config_error({}, environment({{"CMTGEN_TIMEOUT", "soon"}}));
  CHECK(util::contains(message, "cmtgen.timeout"));
  CHECK(util::contains(message, "'soon'"));
  CHECK(util::contains(message, "environment CMTGEN_TIMEOUT"));

  const std::string backend = config_error({}, environment({{"CMTGEN_BACKEND", "gpt"}}));
  CHECK(util::contains(backend, "environment CMTGEN_BACKEND"));
}

TEST_CASE("an invalid value is reported even when a later entry would override it", "[config]")
{
  // Skipping it silently would hide the typo in the lower level.
  const std::string message =
    config_error({entry("cmtgen.timeout", "ten", "system config"), entry("cmtgen.timeout", "10", "local config")});
  CHECK(util::contains(message, "system config"));
}

TEST_CASE("cmtgen.exclude accumulates across entries and an empty value resets it", "[config]")
{
  const Config config = from_entries({
    entry("cmtgen.exclude", "*.snap", "global config"),
    entry("cmtgen.exclude", "vendor/**", "global config"),
    entry("cmtgen.exclude", "", "local config"),
    entry("cmtgen.exclude", " docs/*.pdf ", "local config"),
    entry("cmtgen.exclude", "*.svg", "git -c"),
  });
  CHECK(config.exclude == std::vector<std::string>{"docs/*.pdf", "*.svg"});

  const Config kept = from_entries({entry("cmtgen.exclude", "*.snap"), entry("cmtgen.exclude", "*.svg")});
  CHECK(kept.exclude == std::vector<std::string>{"*.snap", "*.svg"});
}

TEST_CASE("an unknown cmtgen key gives a warning naming the key that was probably meant", "[config]")
{
  const Config config = from_entries({entry("cmtgen.modle", "sonnet", "local config")});
  CHECK(config.model == "haiku");
  REQUIRE(config.warnings.size() == 1);
  CHECK(util::contains(config.warnings.front(), "cmtgen.modle"));
  CHECK(util::contains(config.warnings.front(), "cmtgen.model"));
  CHECK(util::contains(config.warnings.front(), "local config"));
}

TEST_CASE("an unknown cmtgen key far from every known key gives a warning without a guess", "[config]")
{
  const Config config = from_entries({entry("cmtgen.frobnicatewidgets", "1")});
  REQUIRE(config.warnings.size() == 1);
  CHECK(util::contains(config.warnings.front(), "cmtgen.frobnicatewidgets"));
  CHECK_FALSE(util::contains(config.warnings.front(), "did you mean"));
}

TEST_CASE("config_prefixes asks for cmtgen keys and the git settings cmtgen follows", "[config]")
{
  const auto& prefixes = cmtgen::config_prefixes();
  for (const char* prefix : {"cmtgen.", "core.commentchar", "commit.cleanup", "diff.renames"}) {
    INFO(prefix);
    CHECK(std::find(prefixes.begin(), prefixes.end(), prefix) != prefixes.end());
  }
}

TEST_CASE("diff.renames selects rename detection as git spells it", "[config]")
{
  using cmtgen::git::Renames;
  CHECK(from_entries({}).renames == Renames::renames);
  CHECK(from_value("diff.renames", "true").renames == Renames::renames);
  CHECK(from_value("diff.renames", "false").renames == Renames::off);
  CHECK(from_value("diff.renames", "0").renames == Renames::off);
  CHECK(from_value("diff.renames", "copies").renames == Renames::copies);
  CHECK(from_value("diff.renames", "Copy").renames == Renames::copies);
  CHECK(from_value("diff.renames", "true").origins.empty());
  CHECK_THROWS_AS(from_value("diff.renames", "sometimes"), cmtgen::Error);
}

TEST_CASE("auth and backend names round-trip with the config spelling", "[config]")
{
  CHECK(cmtgen::auth_name(Auth::automatic) == "auto");
  CHECK(cmtgen::auth_name(Auth::api_key) == "api-key");
  CHECK(cmtgen::auth_name(Auth::subscription) == "subscription");
  CHECK(cmtgen::auth_name(Auth::inherit) == "inherit");
  CHECK(cmtgen::backend_name(BackendKind::claude) == "claude");
  CHECK(cmtgen::backend_name(BackendKind::command) == "command");
  CHECK(cmtgen::backend_name(BackendKind::offline) == "offline");
  for (const Auth auth : {Auth::automatic, Auth::subscription, Auth::api_key, Auth::inherit}) {
    CHECK(from_value("cmtgen.auth", std::string(cmtgen::auth_name(auth))).auth == auth);
  }
}

// ---- git -c overrides in the environment -------------------------------------------------

TEST_CASE("GIT_CONFIG_PARAMETERS in the new format gives one entry per 'key'='value'", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(
    environment({{"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='sonnet' 'cmtgen.timeout'='30'"}}));
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].key == "cmtgen.model");
  CHECK(entries[0].value == "sonnet");
  CHECK(entries[0].origin == "git -c");
  CHECK(entries[1].key == "cmtgen.timeout");
  CHECK(entries[1].value == "30");
}

TEST_CASE("GIT_CONFIG_PARAMETERS values keep quotes escaped as '\\''", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(
    environment({{"GIT_CONFIG_PARAMETERS", R"('cmtgen.language'='it'\''s '\''quoted'\''' 'cmtgen.model'='a b')"}}));
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].value == "it's 'quoted'");
  CHECK(entries[1].value == "a b");
}

TEST_CASE("GIT_CONFIG_PARAMETERS 'key'= means a key given without a value, which is true", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(
    environment({{"GIT_CONFIG_PARAMETERS", "'cmtgen.redact'= 'cmtgen.language'='' 'cmtgen.cache'="}}));
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "cmtgen.redact");
  CHECK(entries[0].value == "true");
  CHECK(entries[1].key == "cmtgen.language");
  CHECK(entries[1].value.empty());
  CHECK(entries[2].key == "cmtgen.cache");
  CHECK(entries[2].value == "true");
}

TEST_CASE("GIT_CONFIG_PARAMETERS in the old format gives 'key=value' words", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(
    environment({{"GIT_CONFIG_PARAMETERS", "'cmtgen.model=sonnet' 'cmtgen.command=llm --opt=x' 'cmtgen.redact'"}}));
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "cmtgen.model");
  CHECK(entries[0].value == "sonnet");
  CHECK(entries[1].key == "cmtgen.command");
  CHECK(entries[1].value == "llm --opt=x");
  CHECK(entries[2].key == "cmtgen.redact");
  CHECK(entries[2].value == "true");
}

TEST_CASE("git -c keys have section and name lowercased but the subsection kept", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(environment(
    {{"GIT_CONFIG_PARAMETERS", "'CMTGEN.Model'='x' 'Includeif.gitdir:~/Work/.Path'='y' 'Core.CommentChar=;'"}}));
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "cmtgen.model");
  CHECK(entries[1].key == "includeif.gitdir:~/Work/.path");
  CHECK(entries[2].key == "core.commentchar");
  CHECK(entries[2].value == ";");

  const auto subsection =
    cmtgen::git::config_from_environment(environment({{"GIT_CONFIG_PARAMETERS", "'Remote.MyOrigin.URL'='u'"}}));
  REQUIRE(subsection.size() == 1);
  CHECK(subsection[0].key == "remote.MyOrigin.url");
}

TEST_CASE("GIT_CONFIG_PARAMETERS values with an exclamation mark escaped as '\\!' are read", "[config]")
{
  // Exactly what git 2.39 exports for `git -c alias.e='!env' -c cmtgen.model=sonnet`.
  const auto entries = cmtgen::git::config_from_environment(
    environment({{"GIT_CONFIG_PARAMETERS", R"('alias.e'=''\!'env' 'cmtgen.model'='sonnet')"}}));
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].value == "!env");
  CHECK(entries[1].value == "sonnet");
}

TEST_CASE("GIT_CONFIG_COUNT entries come before GIT_CONFIG_PARAMETERS entries, as git orders them", "[config]")
{
  const auto entries = cmtgen::git::config_from_environment(environment({
    {"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='fromparameters'"},
    {"GIT_CONFIG_COUNT", "2"},
    {"GIT_CONFIG_KEY_0", "cmtgen.model"},
    {"GIT_CONFIG_VALUE_0", "fromcount"},
    {"GIT_CONFIG_KEY_1", "Cmtgen.Timeout"},
    {"GIT_CONFIG_VALUE_1", "it's = 'odd'"},
  }));
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "cmtgen.model");
  CHECK(entries[0].value == "fromcount");
  CHECK(entries[0].origin == "GIT_CONFIG_COUNT");
  CHECK(entries[1].key == "cmtgen.timeout");
  CHECK(entries[1].value == "it's = 'odd'");
  CHECK(entries[2].value == "fromparameters");
  CHECK(entries[2].origin == "git -c");

  // So the PARAMETERS value wins in build_config, as `git config --get` says it does.
  CHECK(from_entries({entries[0], entries[2]}).model == "fromparameters");
}

TEST_CASE("no git -c overrides in the environment gives no entries", "[config]")
{
  CHECK(cmtgen::git::config_from_environment(util::Environment()).empty());
  CHECK(cmtgen::git::config_from_environment(environment({{"GIT_CONFIG_PARAMETERS", ""}})).empty());
  CHECK(cmtgen::git::config_from_environment(environment({{"GIT_CONFIG_PARAMETERS", "  "}})).empty());
  CHECK(cmtgen::git::config_from_environment(environment({{"GIT_CONFIG_COUNT", "0"}})).empty());
  CHECK(cmtgen::git::config_from_environment(environment({{"GIT_CONFIG_COUNT", ""}})).empty());
}

TEST_CASE("malformed git -c overrides in the environment are a config error", "[config]")
{
  const std::vector<std::vector<std::pair<const char*, const char*>>> cases = {
    {{"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='unterminated"}},
    {{"GIT_CONFIG_PARAMETERS", "'unterminated"}},
    {{"GIT_CONFIG_PARAMETERS", "cmtgen.model=sonnet"}},
    {{"GIT_CONFIG_PARAMETERS", "'cmtgen.model'='a' garbage"}},
    {{"GIT_CONFIG_COUNT", "two"}},
    {{"GIT_CONFIG_COUNT", "-1"}},
    {{"GIT_CONFIG_COUNT", "2"}, {"GIT_CONFIG_KEY_0", "a.b"}, {"GIT_CONFIG_VALUE_0", "c"}},
    {{"GIT_CONFIG_COUNT", "1"}, {"GIT_CONFIG_KEY_0", "a.b"}},
  };
  for (const auto& vars : cases) {
    util::Environment env;
    std::string shown;
    for (const auto& [name, value] : vars) {
      env.set(name, value);
      shown += std::string(name) + "=" + value + " ";
    }
    INFO(shown);
    try {
      cmtgen::git::config_from_environment(env);
      FAIL("no error");
    } catch (const cmtgen::Error& e) {
      CHECK(e.failure() == cmtgen::Failure::config);
      CHECK(util::contains(e.what(), "GIT_CONFIG_"));
    }
  }
}

TEST_CASE("an invalid value is reported while every valid one still applies", "[config]")
{
  const std::vector<ConfigEntry> entries = {entry("cmtgen.onerror", "abort"), entry("cmtgen.timeout", "abc"),
                                            entry("core.commentchar", ";"), entry("cmtgen.model", "sonnet"),
                                            entry("cmtgen.candidates", "99")};
  const auto reading = cmtgen::read_config(entries, util::Environment(), Overrides());
  REQUIRE(reading.error);
  CHECK(util::contains(*reading.error, "cmtgen.timeout"));
  CHECK(util::contains(*reading.error, "abc"));
  CHECK(reading.config.on_error == OnError::abort);
  CHECK(reading.config.comment_char == ";");
  CHECK(reading.config.model == "sonnet");
  CHECK_THROWS_AS(cmtgen::build_config(entries, util::Environment(), Overrides()), cmtgen::Error);
}
