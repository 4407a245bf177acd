#pragma once

#include "git/repository.hpp"
#include "util/environment.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cmtgen {

enum class Auth { automatic, subscription, api_key, inherit };
enum class BackendKind { claude, command, offline };
enum class AmendMode { skip, regenerate };
enum class FallbackMode { none, offline };
enum class OnError { comment, abort };

// Values given on the command line; they beat everything else.
struct Overrides
{
  std::optional<std::string> model;
  std::optional<std::string> template_name;
  std::optional<int> candidates;
  std::optional<bool> cache;
};

// Everything cmtgen reads from git config, CMTGEN_* and flags, with defaults from
// the README. Precedence: flag > environment > git config (system < global < local <
// worktree < `git -c`) > default.
struct Config
{
  bool enabled = true;
  BackendKind backend = BackendKind::claude;
  std::string claude;               // explicit path; empty: search
  std::vector<std::string> command; // argv for backend=command
  std::string model = "haiku";
  Auth auth = Auth::automatic;
  std::string setting_sources;
  std::chrono::seconds timeout{60};
  std::string template_name = "default";
  std::string language = "English";
  std::size_t max_prompt_bytes = 60000;
  std::vector<std::string> exclude; // user globs, added to the built-in list
  bool redact = true;
  int candidates = 1;
  AmendMode amend = AmendMode::skip;
  FallbackMode fallback = FallbackMode::none;
  OnError on_error = OnError::comment;
  bool cache = true;

  // git's own settings cmtgen needs in the hook.
  std::string comment_char;                     // core.commentChar as configured ("" when unset)
  std::string cleanup;                          // commit.cleanup as configured ("" when unset)
  git::Renames renames = git::Renames::renames; // diff.renames

  // Unknown cmtgen.* keys and similar problems that do not stop the run.
  std::vector<std::string> warnings;

  // Where each non-default value came from, for doctor and error messages.
  std::vector<std::pair<std::string, std::string>> origins; // key -> origin
};

// Config keys to ask the repository for.
const std::vector<std::string>& config_prefixes();

// CMTGEN_SKIP is set to a true value (or any value git does not read as false): the
// one-off bypass, checked before anything else is read.
bool skip_requested(const util::Environment& env);

// The Config with every valid value applied, and the first invalid value's error (naming
// the key, the value and its origin), if any.
struct ConfigReading
{
  Config config;
  std::optional<std::string> error;
};
ConfigReading read_config(const std::vector<git::ConfigEntry>& entries,
                          const util::Environment& env,
                          const Overrides& overrides);

// Builds the Config. `entries` are git config entries in increasing precedence. Throws
// Error(Failure::config) naming the key, the value and its origin for an invalid value.
Config build_config(const std::vector<git::ConfigEntry>& entries,
                    const util::Environment& env,
                    const Overrides& overrides);

// git's integer spelling with optional k/m/g suffix; nullopt when invalid or negative.
std::optional<std::size_t> parse_size(std::string_view text);

std::string_view auth_name(Auth auth);
std::string_view backend_name(BackendKind kind);

} // namespace cmtgen
