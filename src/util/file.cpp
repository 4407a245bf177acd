#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>

namespace util {

namespace fs = std::filesystem;

namespace {

class Fd
{
public:
  Fd() = default;
  explicit Fd(int fd)
    : m_fd(fd)
  {
  }
  ~Fd() { reset(-1); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release()
  {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd)
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = fd;
  }

private:
  int m_fd = -1;
};

[[noreturn]] void
fail(std::string_view what, const fs::path& path, int error)
{
  throw std::runtime_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(error)));
}

[[noreturn]] void
fail_not_regular(const fs::path& path)
{
  throw std::runtime_error(fmt::format("{} is not a regular file", path.string()));
}

enum class Opened { ok, failed, not_regular };

// Opens `path` and keeps the descriptor only when it is a regular file. O_NONBLOCK because
// opening a FIFO waits for the other end (forever, in a hook), and O_NOCTTY because a
// terminal must never become this process's controlling one; both are harmless for a
// regular file, and O_NONBLOCK is cleared again. On `failed` errno says why.
Opened
open_regular(const fs::path& path, int flags, Fd& fd, mode_t create_mode = 0)
{
  const int raw = ::open(path.c_str(), flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, create_mode);
  if (raw < 0) {
    return Opened::failed;
  }
  fd.reset(raw);
  struct stat st
  {
  };
  if (::fstat(raw, &st) != 0) {
    return Opened::failed;
  }
  if (!S_ISREG(st.st_mode)) {
    fd.reset(-1);
    return Opened::not_regular;
  }
  const int status = ::fcntl(raw, F_GETFL);
  if (status == -1 || ::fcntl(raw, F_SETFL, status & ~O_NONBLOCK) == -1) {
    return Opened::failed;
  }
  return Opened::ok;
}

void
write_all(int fd, std::string_view content, const fs::path& path)
{
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("writing", path, errno);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
}

void
pwrite_all(int fd, std::string_view content, std::uint64_t offset, const fs::path& path)
{
  while (!content.empty()) {
    const ssize_t written = ::pwrite(fd, content.data(), content.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("writing", path, errno);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
    offset += static_cast<std::uint64_t>(written);
  }
}

void
pread_all(int fd, char* buffer, std::size_t size, std::uint64_t offset, const fs::path& path)
{
  while (size > 0) {
    const ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("reading", path, errno);
    }
    if (n == 0) {
      throw std::runtime_error(fmt::format("reading {}: the file shrank while it was rewritten", path.string()));
    }
    buffer += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

// Moves `length` bytes at `from` to `to` within the file, like memmove: from the end when
// moving towards the end, so that no byte is overwritten before it was copied.
void
move_bytes(int fd, std::uint64_t from, std::uint64_t to, std::uint64_t length, const fs::path& path)
{
  if (from == to || length == 0) {
    return;
  }
  std::string buffer(std::size_t{1024} * 1024, '\0');
  std::uint64_t done = 0;
  while (done < length) {
    const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - done));
    const std::uint64_t offset = to > from ? length - done - chunk : done;
    pread_all(fd, buffer.data(), chunk, from + offset, path);
    pwrite_all(fd, std::string_view(buffer.data(), chunk), to + offset, path);
    done += chunk;
  }
}

// Opens a file to read: nullopt when it does not exist, else a regular file's descriptor.
std::optional<Fd>
open_for_reading(const fs::path& path, Symlinks symlinks)
{
  Fd fd;
  const int flags = O_RDONLY | (symlinks == Symlinks::refuse ? O_NOFOLLOW : 0);
  switch (open_regular(path, flags, fd)) {
    case Opened::ok: return std::optional<Fd>(std::in_place, fd.release());
    case Opened::not_regular: fail_not_regular(path);
    case Opened::failed: break;
  }
  if (errno == ENOENT || errno == ENOTDIR) {
    return std::nullopt;
  }
  if (errno == ELOOP && symlinks == Symlinks::refuse) {
    throw std::runtime_error(fmt::format("{} is a symbolic link (not followed)", path.string()));
  }
  fail("opening", path, errno);
}

// Reads to the end, or only up to and including the first line `is_cut` accepts. Throws
// when more than `limit` bytes come first.
std::string
read_content(int fd, const fs::path& path, std::size_t limit, const std::function<bool(std::string_view)>* is_cut)
{
  std::string content;
  std::size_t scanned = 0; // the lines before it were offered to is_cut
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("reading", path, errno);
    }
    if (n == 0) {
      return content;
    }
    if (!is_cut && content.size() + static_cast<std::size_t>(n) > limit) {
      throw std::runtime_error(fmt::format("reading {}: larger than {} bytes", path.string(), limit));
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (is_cut) {
      for (auto end = content.find('\n', scanned); end != std::string::npos; end = content.find('\n', scanned)) {
        if ((*is_cut)(std::string_view(content).substr(scanned, end - scanned))) {
          content.resize(end + 1);
          return content;
        }
        scanned = end + 1;
      }
      if (content.size() > limit) {
        throw std::runtime_error(fmt::format("reading {}: larger than {} bytes", path.string(), limit));
      }
    }
  }
}

} // namespace

bool
exists(const fs::path& path)
{
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

bool
is_regular_file(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

ReadResult
read_file(const fs::path& path, std::size_t max_bytes, Symlinks symlinks)
{
  ReadResult result;
  try {
    const auto fd = open_for_reading(path, symlinks);
    if (!fd) {
      result.status = ReadResult::Status::missing;
      return result;
    }
    result.content = read_content(fd->get(), path, max_bytes, nullptr);
    result.status = ReadResult::Status::ok;
  } catch (const std::exception& e) {
    result.status = ReadResult::Status::failed;
    result.error = e.what();
  }
  return result;
}

std::optional<FileHead>
read_file_head(const fs::path& path,
               std::size_t whole_limit,
               std::size_t head_limit,
               const std::function<bool(std::string_view)>& is_cut)
{
  const auto fd = open_for_reading(path, Symlinks::follow);
  if (!fd) {
    return std::nullopt;
  }
  struct stat st
  {
  };
  if (::fstat(fd->get(), &st) != 0) {
    fail("reading", path, errno);
  }
  FileHead head;
  head.size = static_cast<std::uint64_t>(st.st_size);
  head.text = read_content(fd->get(), path, head_limit, head.size > whole_limit ? &is_cut : nullptr);
  if (head.text.size() >= head.size) {
    head.size = head.text.size(); // read to the end (the file may have grown)
  }
  return head;
}

void
write_file_in_place(const fs::path& path, std::string_view content, std::optional<std::uint64_t> keep_from)
{
  Fd fd;
  switch (open_regular(path, keep_from ? O_RDWR : O_WRONLY, fd)) {
    case Opened::ok: break;
    case Opened::not_regular: fail_not_regular(path);
    case Opened::failed:
      // A FIFO without a reader (opened without blocking) or a device without its driver.
      if (errno == ENXIO) {
        fail_not_regular(path);
      }
      fail("opening for writing", path, errno);
  }
  std::uint64_t end = content.size();
  if (keep_from) {
    struct stat st
    {
    };
    if (::fstat(fd.get(), &st) != 0) {
      fail("reading", path, errno);
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (*keep_from > size) {
      throw std::runtime_error(fmt::format("rewriting {}: the file shrank since it was read", path.string()));
    }
    // The kept bytes move first: the new content may be longer or shorter than what it
    // replaces, and is in memory anyway.
    move_bytes(fd.get(), *keep_from, content.size(), size - *keep_from, path);
    end += size - *keep_from;
  }
  pwrite_all(fd.get(), content, 0, path);
  if (::ftruncate(fd.get(), static_cast<off_t>(end)) != 0) {
    fail("truncating", path, errno);
  }
  if (::close(fd.release()) != 0) {
    fail("closing", path, errno);
  }
}

void
write_file_atomic(const fs::path& path, std::string_view content, std::optional<unsigned> mode)
{
  unsigned final_mode = 0644;
  struct stat st
  {
  };
  if (mode) {
    final_mode = *mode;
  } else if (::stat(path.c_str(), &st) == 0) {
    final_mode = st.st_mode & 07777;
  }

  // The temporary file lives beside the target so rename() stays on one file system.
  std::string temp = path.string() + ".tmp-XXXXXX";
  Fd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) {
    fail("creating a temporary file beside", path, errno);
  }
  try {
    write_all(fd.get(), content, temp);
    if (::fchmod(fd.get(), static_cast<mode_t>(final_mode)) != 0) {
      fail("setting the mode of", temp, errno);
    }
    if (::close(fd.release()) != 0) {
      fail("closing", temp, errno);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      fail("renaming into place", path, errno);
    }
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

void
append_line(const fs::path& path, std::string_view line)
{
  std::error_code ignored;
  fs::create_directories(path.parent_path(), ignored);
  Fd fd;
  if (open_regular(path, O_WRONLY | O_APPEND | O_CREAT, fd, 0644) != Opened::ok) {
    return;
  }
  std::string text(line);
  text += '\n';
  // One write() with O_APPEND: concurrent hooks cannot interleave within a line.
  [[maybe_unused]] const auto written = ::write(fd.get(), text.data(), text.size());
}

namespace {

std::mutex g_directories_mutex;
std::set<std::filesystem::path>&
live_directories()
{
  static std::set<std::filesystem::path> directories;
  return directories;
}

} // namespace

void
remove_temporary_directories()
{
  const std::lock_guard lock(g_directories_mutex);
  for (const auto& path : live_directories()) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  live_directories().clear();
}

TemporaryDirectory::TemporaryDirectory(std::string_view prefix)
{
  const char* tmpdir = std::getenv("TMPDIR");
  const fs::path base = tmpdir && *tmpdir ? fs::path(tmpdir) : fs::path("/tmp");
  std::string pattern = (base / (std::string(prefix) + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) {
    fail("creating a temporary directory in", base, errno);
  }
  m_path = pattern;
  const std::lock_guard lock(g_directories_mutex);
  live_directories().insert(m_path);
}

TemporaryDirectory::~TemporaryDirectory()
{
  {
    const std::lock_guard lock(g_directories_mutex);
    live_directories().erase(m_path);
  }
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
}

} // namespace util
