#include "config.hpp"

#include "error.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <array>
#include <charconv>
#include <functional>
#include <limits>

namespace cmtgen {

namespace {

struct Source
{
  std::string_view key; // normalized: lowercase
  std::string_view value;
  std::string_view origin;
};

[[noreturn]] void
invalid(const Source& source, std::string_view expected)
{
  throw Error(Failure::config, fmt::format("invalid value '{}' for {} (from {}): expected {}", source.value, source.key,
                                           source.origin, expected));
}

bool
to_bool(const Source& source)
{
  const auto value = git::parse_bool(source.value);
  if (!value) {
    invalid(source, "true or false");
  }
  return *value;
}

template<typename Enum, std::size_t N>
Enum
to_enum(const Source& source, const std::array<std::pair<std::string_view, Enum>, N>& choices)
{
  const std::string value = util::to_lower(util::trim(source.value));
  std::string names;
  for (const auto& [name, choice] : choices) {
    if (value == name) {
      return choice;
    }
    names += names.empty() ? "" : ", ";
    names += name;
  }
  invalid(source, fmt::format("one of {}", names));
}

constexpr std::array k_backends = {
  std::pair{std::string_view("claude"), BackendKind::claude},
  std::pair{std::string_view("command"), BackendKind::command},
  std::pair{std::string_view("offline"), BackendKind::offline},
};
constexpr std::array k_auths = {
  std::pair{std::string_view("auto"), Auth::automatic},
  std::pair{std::string_view("subscription"), Auth::subscription},
  std::pair{std::string_view("api-key"), Auth::api_key},
  std::pair{std::string_view("inherit"), Auth::inherit},
};

using Setter = std::function<void(Config&, const Source&)>;

const std::vector<std::pair<std::string_view, Setter>>&
setters()
{
  static const std::vector<std::pair<std::string_view, Setter>> table = {
    {"cmtgen.enabled", [](Config& c, const Source& s) { c.enabled = to_bool(s); }},
    {"cmtgen.backend", [](Config& c, const Source& s) { c.backend = to_enum(s, k_backends); }},
    {"cmtgen.claude", [](Config& c, const Source& s) { c.claude = util::trim(s.value); }},
    {"cmtgen.command",
     [](Config& c, const Source& s) {
       auto argv = util::shell_split(s.value);
       if (!argv || argv->empty()) {
         invalid(s, "a command line such as `llm -m mymodel`");
       }
       c.command = std::move(*argv);
     }},
    {"cmtgen.model",
     [](Config& c, const Source& s) {
       if (util::trim(s.value).empty()) {
         invalid(s, "a model name such as haiku or sonnet");
       }
       c.model = util::trim(s.value);
     }},
    {"cmtgen.auth", [](Config& c, const Source& s) { c.auth = to_enum(s, k_auths); }},
    {"cmtgen.settingsources", [](Config& c, const Source& s) { c.setting_sources = util::trim(s.value); }},
    {"cmtgen.timeout",
     [](Config& c, const Source& s) {
       const auto seconds = parse_size(s.value);
       if (!seconds || *seconds == 0 || *seconds > 3600) {
         invalid(s, "a number of seconds from 1 to 3600");
       }
       c.timeout = std::chrono::seconds(*seconds);
     }},
    {"cmtgen.template",
     [](Config& c, const Source& s) {
       if (util::trim(s.value).empty()) {
         invalid(s, "a built-in template name or a path");
       }
       c.template_name = util::trim(s.value);
     }},
    {"cmtgen.language",
     [](Config& c, const Source& s) {
       if (!util::trim(s.value).empty()) {
         c.language = util::trim(s.value);
       }
     }},
    {"cmtgen.maxpromptbytes",
     [](Config& c, const Source& s) {
       const auto bytes = parse_size(s.value);
       if (!bytes || *bytes < 2000 || *bytes > 10 * 1024 * 1024) {
         invalid(s, "a byte count from 2000 to 10m");
       }
       c.max_prompt_bytes = *bytes;
     }},
    {"cmtgen.exclude",
     [](Config& c, const Source& s) {
       // An empty value resets the list, as git does for multi-valued keys such as
       // credential.helper.
       if (util::trim(s.value).empty()) {
         c.exclude.clear();
       } else {
         c.exclude.emplace_back(util::trim(s.value));
       }
     }},
    {"cmtgen.redact", [](Config& c, const Source& s) { c.redact = to_bool(s); }},
    {"cmtgen.candidates",
     [](Config& c, const Source& s) {
       const auto count = parse_size(s.value);
       if (!count || *count < 1 || *count > 5) {
         invalid(s, "a number from 1 to 5");
       }
       c.candidates = static_cast<int>(*count);
     }},
    {"cmtgen.amend",
     [](Config& c, const Source& s) {
       c.amend = to_enum(s, std::array{std::pair{std::string_view("skip"), AmendMode::skip},
                                       std::pair{std::string_view("regenerate"), AmendMode::regenerate}});
     }},
    {"cmtgen.fallback",
     [](Config& c, const Source& s) {
       c.fallback = to_enum(s, std::array{std::pair{std::string_view("none"), FallbackMode::none},
                                          std::pair{std::string_view("offline"), FallbackMode::offline}});
     }},
    {"cmtgen.onerror",
     [](Config& c, const Source& s) {
       c.on_error = to_enum(s, std::array{std::pair{std::string_view("comment"), OnError::comment},
                                          std::pair{std::string_view("abort"), OnError::abort}});
     }},
    {"cmtgen.cache", [](Config& c, const Source& s) { c.cache = to_bool(s); }},
    {"core.commentchar", [](Config& c, const Source& s) { c.comment_char = s.value; }},
    {"commit.cleanup", [](Config& c, const Source& s) { c.cleanup = util::to_lower(util::trim(s.value)); }},
    {"diff.renames",
     [](Config& c, const Source& s) {
       const std::string value = util::to_lower(util::trim(s.value));
       if (value == "copies" || value == "copy") {
         c.renames = git::Renames::copies;
       } else {
         c.renames = to_bool(s) ? git::Renames::renames : git::Renames::off;
       }
     }},
  };
  return table;
}

void
apply(Config& config, const Source& source)
{
  for (const auto& [key, setter] : setters()) {
    if (key == source.key) {
      setter(config, source);
      if (key.starts_with("cmtgen.")) {
        config.origins.emplace_back(std::string(key), std::string(source.origin));
      }
      return;
    }
  }
  // An unknown cmtgen.* key is most likely a typo: say which key was meant.
  std::vector<std::string_view> keys;
  keys.reserve(setters().size());
  for (const auto& [key, setter] : setters()) {
    keys.push_back(key);
  }
  const std::string_view best = util::closest(source.key, keys, 4);
  config.warnings.push_back(
    best.empty() ? fmt::format("unknown config key {} (from {})", source.key, source.origin)
                 : fmt::format("unknown config key {} (from {}); did you mean {}?", source.key, source.origin, best));
}

} // namespace

const std::vector<std::string>&
config_prefixes()
{
  static const std::vector<std::string> prefixes = {"cmtgen.", "core.commentchar", "commit.cleanup", "diff.renames"};
  return prefixes;
}

std::optional<std::size_t>
parse_size(std::string_view text)
{
  text = util::trim(text);
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data()) {
    return std::nullopt;
  }
  const std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  const std::string unit = util::to_lower(suffix);
  std::size_t factor = 1;
  if (unit == "k") {
    factor = 1024;
  } else if (unit == "m") {
    factor = 1024 * 1024;
  } else if (unit == "g") {
    factor = 1024 * 1024 * 1024;
  } else if (!unit.empty()) {
    return std::nullopt;
  }
  if (value > std::numeric_limits<std::size_t>::max() / factor) {
    return std::nullopt; // git says "out of range"
  }
  return value * factor;
}

bool
skip_requested(const util::Environment& env)
{
  const auto skip = env.get("CMTGEN_SKIP");
  return skip && !skip->empty() && git::parse_bool(*skip).value_or(true);
}

ConfigReading
read_config(const std::vector<git::ConfigEntry>& entries, const util::Environment& env, const Overrides& overrides)
{
  ConfigReading reading;
  Config& config = reading.config;
  // Every valid value is applied even after an invalid one: the hook still needs
  // cmtgen.onError and git's comment settings to report the invalid one.
  auto take = [&](const Source& source) {
    try {
      apply(config, source);
    } catch (const Error& e) {
      if (!reading.error) {
        reading.error = e.what();
      }
    }
  };
  for (const auto& entry : entries) {
    take({entry.key, entry.value, entry.origin});
  }

  // Environment: the one-off switches. Each names itself as the origin.
  constexpr std::array k_env = {
    std::pair{std::string_view("CMTGEN_BACKEND"), std::string_view("cmtgen.backend")},
    std::pair{std::string_view("CMTGEN_CLAUDE"), std::string_view("cmtgen.claude")},
    std::pair{std::string_view("CMTGEN_COMMAND"), std::string_view("cmtgen.command")},
    std::pair{std::string_view("CMTGEN_MODEL"), std::string_view("cmtgen.model")},
    std::pair{std::string_view("CMTGEN_AUTH"), std::string_view("cmtgen.auth")},
    std::pair{std::string_view("CMTGEN_TIMEOUT"), std::string_view("cmtgen.timeout")},
  };
  for (const auto& [name, key] : k_env) {
    if (const auto value = env.get(name); value && !util::trim(*value).empty()) {
      const std::string origin = fmt::format("environment {}", name);
      take({key, *value, origin});
    }
  }
  if (skip_requested(env)) {
    config.enabled = false;
    config.origins.emplace_back("cmtgen.enabled", "environment CMTGEN_SKIP");
  }

  if (overrides.model) {
    take({"cmtgen.model", *overrides.model, "--model"});
  }
  if (overrides.template_name) {
    take({"cmtgen.template", *overrides.template_name, "--template"});
  }
  if (overrides.candidates) {
    const std::string value = std::to_string(*overrides.candidates);
    take({"cmtgen.candidates", value, "-n"});
  }
  if (overrides.cache) {
    config.cache = *overrides.cache;
  }
  return reading;
}

Config
build_config(const std::vector<git::ConfigEntry>& entries, const util::Environment& env, const Overrides& overrides)
{
  ConfigReading reading = read_config(entries, env, overrides);
  if (reading.error) {
    throw Error(Failure::config, *reading.error);
  }
  return std::move(reading.config);
}

std::string_view
auth_name(Auth auth)
{
  for (const auto& [name, value] : k_auths) {
    if (value == auth) {
      return name;
    }
  }
  return "auto";
}

std::string_view
backend_name(BackendKind kind)
{
  for (const auto& [name, value] : k_backends) {
    if (value == kind) {
      return name;
    }
  }
  return "claude";
}

} // namespace cmtgen
