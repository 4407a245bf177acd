#pragma once

#include <optional>
#include <span>
#include <string_view>

// Files compiled into the binary by cmake/embed.cmake: the built-in templates and the hook
// shim, so an installed cmtgen never needs its source tree.
namespace cmtgen::embedded {

struct File
{
  std::string_view name;
  std::string_view content;
};

std::span<const File> files();

// The content of the embedded file called `name`, or nullopt.
std::optional<std::string_view> find(std::string_view name);

} // namespace cmtgen::embedded
