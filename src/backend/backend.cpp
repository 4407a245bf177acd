#include "backend/backend.hpp"

#include "backend/backends.hpp"
#include "backend/claude.hpp"
#include "backend/credentials.hpp"
#include "config.hpp"

#include <fmt/core.h>

namespace cmtgen::backend {

std::unique_ptr<Backend>
make_backend(const Config& config, util::Runner& runner, const util::Environment& env)
{
  switch (config.backend) {
    case BackendKind::claude: return make_claude_backend(config, runner, env);
    case BackendKind::command: return make_command_backend(config, runner, env);
    case BackendKind::offline: return make_offline_backend();
  }
  return make_claude_backend(config, runner, env);
}

std::string
readiness(const Config& config, const util::Environment& env)
{
  if (!config.enabled) {
    return "cmtgen is disabled here (cmtgen.enabled=false or CMTGEN_SKIP)";
  }
  if (config.backend != BackendKind::claude) {
    return fmt::format("backend {} will write the messages", backend_name(config.backend));
  }
  const auto location = locate_claude(config, env);
  if (!location.refused.empty()) {
    return location.refused;
  }
  if (!location.path) {
    return not_found_diagnosis(location);
  }
  const auto plan = plan_credentials(config.auth, env, stored_login_exists(env));
  if (plan.error) {
    return *plan.error;
  }
  return fmt::format("claude found at {}; {} will be used{}", location.path->string(), plan.used,
                     plan.ignored.empty() ? "" : fmt::format(" ({} ignored)", plan.ignored));
}

} // namespace cmtgen::backend
