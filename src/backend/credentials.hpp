#pragma once

#include "config.hpp"
#include "util/environment.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace cmtgen::backend {

// What claude will authenticate with, decided before it runs (DESIGN.md, cmtgen.auth).
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

// Where a stored subscription login lives: $CLAUDE_CONFIG_DIR/.credentials.json, else
// $HOME/.claude/.credentials.json.
std::filesystem::path credentials_file(const util::Environment& env);

// Whether credentials_file() holds a login claude would use: a non-empty accessToken with
// the user:inference scope (what the CLI itself checks).
bool stored_login_exists(const util::Environment& env);

// `stored_login`: stored_login_exists() (passed in so this stays pure).
CredentialPlan plan_credentials(Auth mode, const util::Environment& env, bool stored_login);

} // namespace cmtgen::backend
