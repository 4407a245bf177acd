#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace util {

// Whether something (a file, a directory, a symbolic link, even a dangling one) is at
// `path`; a link is not followed.
bool exists(const std::filesystem::path& path);

// Whether `path` (symbolic links followed) is a regular file.
bool is_regular_file(const std::filesystem::path& path);

// Whether read_file() may follow a symbolic link at the last component of the path.
enum class Symlinks { follow, refuse };

// What reading a file gave: its bytes, that it does not exist, or why it could not be read.
// A value, not an exception: most callers treat every failure as "no file".
struct ReadResult
{
  enum class Status { ok, missing, failed };
  Status status = Status::failed;
  std::string content; // the whole file, when ok
  std::string error;   // when failed: one line naming the path and the reason

  bool ok() const { return status == Status::ok; }
  bool missing() const { return status == Status::missing; }
  bool failed() const { return status == Status::failed; }
  // The content when ok, else nullopt (missing and failed alike).
  std::optional<std::string> take() && { return ok() ? std::optional<std::string>(std::move(content)) : std::nullopt; }
};

// Reads the whole file. Fails (never throws) when the path is not a regular file (a FIFO, a
// terminal, a directory: it is opened without blocking and never read), when it is a
// symbolic link and `symlinks` is refuse, when the file is larger than max_bytes, or on an
// I/O error.
ReadResult read_file(const std::filesystem::path& path,
                     std::size_t max_bytes = 64 * 1024 * 1024,
                     Symlinks symlinks = Symlinks::follow);

// The start of a file too large to hold whole, and where the rest begins.
struct FileHead
{
  std::string text;       // the whole file, or its bytes up to and including the cut line
  std::uint64_t size = 0; // the size of the whole file when it was read
  // Where the bytes not in `text` begin (text.size()), or nullopt when `text` is the file.
  std::optional<std::uint64_t> rest() const
  {
    return text.size() < size ? std::optional<std::uint64_t>(text.size()) : std::nullopt;
  }
};

// Reads a regular file as read_file() does, whole when it has at most `whole_limit` bytes.
// A larger one is read up to and including the first line (without its '\n') for which
// `is_cut` is true; the rest stays on disk for write_file_in_place() to keep. Throws when no
// such line ends within `head_limit` bytes of a file larger than that.
std::optional<FileHead> read_file_head(const std::filesystem::path& path,
                                       std::size_t whole_limit,
                                       std::size_t head_limit,
                                       const std::function<bool(std::string_view)>& is_cut);

// Replaces the content of the existing regular file `path` in place: the same inode, so a
// symbolic link stays a link, mode and owner stay, and a read-only directory is no obstacle.
// The file becomes `content` followed by its current bytes from `keep_from` to the end (the
// rest of a read_file_head(); nothing when nullopt). Throws std::runtime_error naming the
// path on failure; a failure after writing began can leave the file partly rewritten.
void write_file_in_place(const std::filesystem::path& path,
                         std::string_view content,
                         std::optional<std::uint64_t> keep_from = std::nullopt);

// Writes `content` to a temporary file beside `path` and renames it into place, so a
// reader sees the old or the new file, never a mix. `mode` applies to the new file; when
// nullopt the mode of an existing file is kept (0644 otherwise). Throws on failure and
// leaves the original untouched. For files cmtgen owns (installed hooks, its cache); a
// file that belongs to someone else (git's message file) is rewritten in place instead.
void write_file_atomic(const std::filesystem::path& path,
                       std::string_view content,
                       std::optional<unsigned> mode = std::nullopt);

// Appends one line (a '\n' is added) with O_APPEND, creating the file and its directory.
// Failures are ignored, and anything but a regular file (a FIFO, a device) is left alone
// without blocking: callers use it for logs that must never stop the run.
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
