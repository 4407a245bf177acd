#pragma once

// Constructors of the concrete backends, behind make_backend(). Internal to backend/.

#include "backend/backend.hpp"

namespace cmtgen::backend {

std::unique_ptr<Backend> make_claude_backend(const Config& config, util::Runner& runner, const util::Environment& env);
std::unique_ptr<Backend> make_command_backend(const Config& config, util::Runner& runner, const util::Environment& env);

} // namespace cmtgen::backend
