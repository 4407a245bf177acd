#include "embedded.hpp"

namespace cmtgen::embedded {

std::optional<std::string_view>
find(std::string_view name)
{
  for (const auto& file : files()) {
    if (file.name == name) {
      return file.content;
    }
  }
  return std::nullopt;
}

} // namespace cmtgen::embedded
