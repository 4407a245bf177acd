#pragma once

#include <fmt/core.h>

#include <filesystem>
#include <string_view>

// Debug logging that costs one branch when off. CMTGEN_DEBUG=1 turns it on; it goes to
// stderr, or to a file in hook mode where the terminal belongs to `git commit`.
namespace util::log {

bool enabled();
void to_stderr();
void to_file(const std::filesystem::path& path);
void write(std::string_view line);

} // namespace util::log

#define CMTGEN_LOG(...)                                                                                                \
  do {                                                                                                                 \
    if (::util::log::enabled()) {                                                                                      \
      ::util::log::write(::fmt::format(__VA_ARGS__));                                                                  \
    }                                                                                                                  \
  } while (false)
