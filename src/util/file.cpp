#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
  explicit Fd(int fd)
    : m_fd(fd)
  {
  }
  ~Fd()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release()
  {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }

private:
  int m_fd;
};

[[noreturn]] void
fail(std::string_view what, const fs::path& path, int error)
{
  throw std::runtime_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(error)));
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

} // namespace

std::optional<std::string>
read_file(const fs::path& path, std::size_t max_bytes)
{
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::nullopt;
    }
    fail("opening", path, errno);
  }
  std::string content;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("reading", path, errno);
    }
    if (n == 0) {
      break;
    }
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      throw std::runtime_error(fmt::format("reading {}: larger than {} bytes", path.string(), max_bytes));
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
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
  std::string temp = path.string() + ".cmtgen-XXXXXX";
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
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
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
