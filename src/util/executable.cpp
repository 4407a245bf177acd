#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace util {

namespace {

} // namespace

bool
is_executable_file(const std::filesystem::path& path)
{
  struct stat st = {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return false;
  }
  // AT_EACCESS: the effective ids decide what execve allows, not the real ones.
  return ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

std::optional<std::filesystem::path>
find_executable(std::string_view name, std::string_view path_list)
{
  if (name.empty()) {
    return std::nullopt;
  }
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path path(name);
    if (is_executable_file(path)) {
      return path;
    }
    return std::nullopt;
  }
  for (const auto dir : split(path_list, ':')) {
    // POSIX reads an empty entry as the current directory; a commit hook running whatever
    // sits in the work tree under a trusted name is a hazard, so empty entries are skipped.
    if (dir.empty()) {
      continue;
    }
    auto candidate = std::filesystem::path(dir) / name;
    if (is_executable_file(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

} // namespace util
