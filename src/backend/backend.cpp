#include "backend/backend.hpp"

#include "backend/backends.hpp"
#include "config.hpp"

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

} // namespace cmtgen::backend
