#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace util {

// The whole file, or nullopt when it does not exist. Throws std::runtime_error (with the
// path and errno text) on any other failure, or when the file is larger than max_bytes.
std::optional<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 64 * 1024 * 1024);

// Writes `content` to a temporary file beside `path` and renames it into place, so a
// reader sees the old or the new file, never a mix. `mode` applies to the new file; when
// nullopt the mode of an existing file is kept (0644 otherwise). Throws on failure and
// leaves the original untouched.
void write_file_atomic(const std::filesystem::path& path,
                       std::string_view content,
                       std::optional<unsigned> mode = std::nullopt);

// Appends one line (a '\n' is added) with O_APPEND, creating the file and its directory.
// Failures are ignored: callers use it for logs that must never stop the run.
void append_line(const std::filesystem::path& path, std::string_view line);

// A private directory (mode 0700) under $TMPDIR or /tmp, removed with its content when
// the object dies, or by remove_temporary_directories() when the process is about to die
// of a signal.
class TemporaryDirectory
{
public:
  explicit TemporaryDirectory(std::string_view prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// Removes every TemporaryDirectory that still exists (for a process about to be killed by
// a signal it re-raises, whose destructors will not run).
void remove_temporary_directories();

} // namespace util
