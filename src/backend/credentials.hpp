#pragma once

#include "config.hpp"
#include "util/environment.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cmtgen::backend {

// What claude will authenticate with, decided before it runs (README, `cmtgen.auth`).
struct CredentialPlan
{
  util::Environment env;            // the child's environment after removals
  std::string used;                 // the credential claude will use, in words
  std::string ignored;              // what cmtgen removed and why; empty when nothing
  bool api_key = false;             // claude will send ANTHROPIC_API_KEY
  bool auth_token = false;          // claude will send ANTHROPIC_AUTH_TOKEN (a gateway's)
  bool login = false;               // a subscription login (stored or CLAUDE_CODE_OAUTH_TOKEN)
  std::optional<std::string> error; // api-key mode without a key: the one-line fix
};

// This user's claude setup, as the claude CLI would read it: the one place cmtgen looks at
// claude's config directory, its stored login and its user settings.
struct ClaudeSetup
{
  std::filesystem::path config_dir;       // $CLAUDE_CONFIG_DIR, else $HOME/.claude
  std::filesystem::path credentials_file; // config_dir/.credentials.json
  bool credentials_present = false;       // that file exists
  bool stored_login = false;              // it holds a login claude would use (below)
  // When the stored access token expires (claude refreshes it on use); nullopt when unknown.
  std::optional<std::chrono::system_clock::time_point> expires;
  // What config_dir/settings.json sets that the hermetic run ignores unless
  // cmtgen.settingSources includes `user`: "apiKeyHelper", "env.ANTHROPIC_BASE_URL", ...
  std::vector<std::string> ignored_settings;
};

// Reads the setup for `env`. A stored login counts only with a non-empty accessToken and
// the user:inference scope (what the CLI itself checks). Never throws: an unreadable or
// malformed file is a missing one.
ClaudeSetup inspect_setup(const util::Environment& env);

// Where a stored subscription login lives: $CLAUDE_CONFIG_DIR/.credentials.json, else
// $HOME/.claude/.credentials.json.
std::filesystem::path credentials_file(const util::Environment& env);

// Whether credentials_file() holds a login claude would use: a non-empty accessToken with
// the user:inference scope (what the CLI itself checks).
bool stored_login_exists(const util::Environment& env);

// `stored_login`: stored_login_exists() (passed in so this stays pure).
CredentialPlan plan_credentials(Auth mode, const util::Environment& env, bool stored_login);

} // namespace cmtgen::backend
