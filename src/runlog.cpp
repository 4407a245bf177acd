#include "runlog.hpp"

#include "util/file.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <ctime>
#include <system_error>

namespace cmtgen::runlog {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t k_rotate_bytes = 64 * 1024;
constexpr std::string_view k_file = "runs.log";

// Tabs and newlines would break the one-line-per-run format.
std::string
field(std::string_view text)
{
  // Control bytes would reach the terminal of whoever reads the log through doctor.
  std::string result = text.empty() ? std::string("-") : util::strip_controls(text);
  for (char& c : result) {
    if (c == '\t' || c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return result;
}

std::vector<Entry>
read_entries(const fs::path& path)
{
  std::vector<Entry> entries;
  const auto content = util::read_file(path, 4 * k_rotate_bytes).take();
  if (!content) {
    return entries;
  }
  for (const auto line : util::split_lines(*content)) {
    const auto fields = util::split(line, '\t');
    if (fields.size() < 6) {
      continue;
    }
    Entry entry;
    entry.time = fields[0];
    entry.source = fields[1];
    entry.outcome = fields[2];
    entry.failure = fields[3];
    entry.elapsed = std::chrono::milliseconds(std::atoll(std::string(fields[4]).c_str()));
    entry.detail = fields[5];
    entries.push_back(std::move(entry));
  }
  return entries;
}

} // namespace

std::string
now_iso8601()
{
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

void
append(const fs::path& directory, const Entry& entry)
{
  const fs::path path = directory / k_file;
  std::error_code ec;
  if (fs::file_size(path, ec) > k_rotate_bytes && !ec) {
    fs::rename(path, directory / (std::string(k_file) + ".1"), ec);
  }
  util::append_line(path,
                    fmt::format("{}\t{}\t{}\t{}\t{}\t{}", field(entry.time), field(entry.source), field(entry.outcome),
                                field(entry.failure), entry.elapsed.count(), field(entry.detail)));
}

std::vector<Entry>
recent_failures(const fs::path& directory, std::size_t count)
{
  std::vector<Entry> all = read_entries(directory / (std::string(k_file) + ".1"));
  for (auto& entry : read_entries(directory / k_file)) {
    all.push_back(std::move(entry));
  }
  std::vector<Entry> failures;
  for (auto& entry : all) {
    if (entry.outcome == "failed" || entry.outcome == "fallback") {
      failures.push_back(std::move(entry));
    }
  }
  if (failures.size() > count) {
    failures.erase(failures.begin(), failures.end() - static_cast<std::ptrdiff_t>(count));
  }
  return failures;
}

} // namespace cmtgen::runlog
