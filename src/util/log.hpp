#pragma once

#include <fmt/core.h>

#include <filesystem>
#include <string_view>

// Debug logging that costs one branch when off. The program decides whether it is wanted
// (request); it goes to stderr, or to a file (to_file) where the terminal is someone else's.
// to_stderr and to_file only choose where a requested log goes.
namespace util::log {

void request(bool wanted);
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
