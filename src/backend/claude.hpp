#pragma once

#include "backend/backend.hpp"
#include "backend/credentials.hpp"
#include "config.hpp"
#include "util/environment.hpp"
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

struct ClaudeLocation
{
  std::optional<std::filesystem::path> path;
  std::vector<std::string> searched; // where it looked, in order, for the not-found message
  bool explicit_setting = false;     // cmtgen.claude / CMTGEN_CLAUDE named it
};

// cmtgen.claude (CMTGEN_CLAUDE), then PATH, then the usual install locations: GUI clients
// run hooks with a thin PATH.
ClaudeLocation locate_claude(const Config& config, const util::Environment& env);

// The hermetic argv after the executable (notes/claude-cli.md): no tools, no settings but
// cmtgen.settingSources, no MCP, no transcript, one turn.
std::vector<std::string> claude_arguments(const Config& config, const std::filesystem::path& system_prompt_file);

// The child environment: the credential plan's, minus git's repo-local variables, plus the
// switches that make failures fast.
util::Environment claude_environment(const CredentialPlan& plan, const Config& config);

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
