#pragma once

#include "backend/backend.hpp"
#include "backend/credentials.hpp"
#include "config.hpp"
#include "util/environment.hpp"
#include "util/runner.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cmtgen::backend {

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
// everything else becomes a failure class with one actionable line.
// `candidates`: how many alternatives were asked for (clean_reply splits only then).
Generation judge_claude(const util::RunResult& run,
                        const CredentialPlan& plan,
                        const Config& config,
                        int candidates = 1);

// The not-found diagnosis, shared with doctor.
std::string not_found_diagnosis(const ClaudeLocation& location);

} // namespace cmtgen::backend
