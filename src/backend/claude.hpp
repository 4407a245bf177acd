#pragma once

#include "backend/backend.hpp"
#include "backend/credentials.hpp"
#include "config.hpp"
#include "util/environment.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmtgen::backend {

// How deep arrays and objects may nest in JSON read from outside (claude's stdout, `claude
// auth status`, .credentials.json, settings.json). Claude's own documents nest 4 levels.
constexpr std::size_t k_max_json_depth = 64;

enum class JsonRead { ok, invalid, too_deep };

// Parses JSON from outside into `out`. Text nesting deeper than k_max_json_depth is
// refused before parsing (too_deep), so nothing afterwards (dump, copy, comparison)
// recurses through a hostile structure.
JsonRead read_json(std::string_view text, nlohmann::json& out);

// How much of a child's own words a diagnosis quotes.
constexpr std::size_t k_max_quoted_bytes = 300;

// The first non-blank line of `text`, trimmed, cut to k_max_quoted_bytes (on a UTF-8
// boundary, then "…"): a child's words go into one stderr line and a note in the message
// file, however much it printed.
std::string quoted_line(std::string_view text);

// "CMTGEN_CLAUDE", "cmtgen.claude (local config)", or `key` itself: where a setting's
// value came from, for error lines.
std::string setting_origin(const Config& config, std::string_view key);

// A program path from config (cmtgen.claude, cmtgen.command's first word) that is relative
// but not a bare name, such as `bin/claude` or `./claude`. The hook, preview and doctor run
// from different directories, so such a path is refused (Failure::config) rather than
// meaning a different file in each. A bare name is looked up on PATH; `~/` means HOME.
bool is_relative_program_path(std::string_view value);

// `value` with a leading `~/` replaced by HOME from `env`.
std::string expand_home(std::string_view value, const util::Environment& env);

// The Failure::config line for a refused relative program path; `origin` is
// setting_origin()'s.
std::string relative_program_diagnosis(std::string_view origin, std::string_view value);

struct ClaudeLocation
{
  std::optional<std::filesystem::path> path; // absolute
  std::vector<std::string> searched;         // where it looked, in order, for the not-found message
  bool explicit_setting = false;             // cmtgen.claude / CMTGEN_CLAUDE named it
  std::string refused;                       // a relative setting: the Failure::config line
};

// cmtgen.claude (CMTGEN_CLAUDE), then PATH, then the usual install locations: GUI clients
// run hooks with a thin PATH. The path found is made absolute: claude runs in a scratch
// directory.
ClaudeLocation locate_claude(const Config& config, const util::Environment& env);

// The hermetic argv after the executable (notes/claude-cli.md): no tools, no settings but
// cmtgen.settingSources, no MCP, no transcript, one turn.
std::vector<std::string> claude_arguments(const Config& config, const std::filesystem::path& system_prompt_file);

// The child environment: the credential plan's, minus git's repo-local variables, plus the
// switches that make failures fast.
util::Environment claude_environment(const CredentialPlan& plan, const Config& config);

// `claude auth status` as the model call would see the credentials: the same setting
// sources (a global option, so before the subcommand).
std::vector<std::string> auth_status_arguments(const Config& config);

// The private, empty working directory of one claude run, and room beside it (not in it)
// for files the run needs. The CLI runs `git status` and `rg` in its cwd and reads
// `.claude/settings.json` there: a repository must never be its cwd. Removed on destruction.
class ClaudeScratch
{
public:
  ClaudeScratch();

  const std::filesystem::path& cwd() const { return m_cwd; }
  // Writes `content` (mode 0600) beside cwd() and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

private:
  util::TemporaryDirectory m_dir;
  std::filesystem::path m_cwd;
};

// Every run of claude (the model call, doctor's `--version` and `auth status`): `claude`
// then `arguments`, with claude_environment(plan, config), in scratch.cwd(). The caller
// sets stdin, timeout and output cap.
util::RunRequest claude_request(const std::filesystem::path& claude,
                                std::vector<std::string> arguments,
                                const CredentialPlan& plan,
                                const Config& config,
                                const ClaudeScratch& scratch);

// Judges a finished run (pure): success is exit 0, is_error false and subtype "success";
// everything else becomes a failure class with one actionable line. Output cut at the
// runner's cap is reply-too-large, JSON nesting too deep malformed-reply.
// `candidates`: how many alternatives were asked for (clean_reply splits only then).
Generation judge_claude(const util::RunResult& run,
                        const CredentialPlan& plan,
                        const Config& config,
                        int candidates = 1);

// The not-found diagnosis, shared with doctor.
std::string not_found_diagnosis(const ClaudeLocation& location);

} // namespace cmtgen::backend
