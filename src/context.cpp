#include "context.hpp"

#include "util/runner.hpp"

#include <system_error>

namespace cmtgen {

Context
current_context()
{
  Context context;
  context.env = util::Environment::current();
  std::error_code ec;
  context.cwd = std::filesystem::current_path(ec);
  context.runner = &util::system_runner();
  return context;
}

} // namespace cmtgen
