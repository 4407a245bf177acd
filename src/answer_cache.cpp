#include "answer_cache.hpp"

#include "message.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cstdint>
#include <system_error>

namespace cmtgen::answer_cache {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_magic = "cmtgen-answer-cache 1\n";

// FNV-1a: the cache holds one answer; a 64-bit hash of the whole request is plenty.
std::uint64_t
fnv1a(std::uint64_t hash, std::string_view text)
{
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

void
put_field(std::string& out, std::string_view name, std::string_view value)
{
  out += fmt::format("{}{}{}\n", name, name.empty() ? "" : " ", value.size());
  out.append(value);
  out += '\n';
}

// Reads the content at the front of `in` field by field; every read checks its bounds.
class Reader
{
public:
  explicit Reader(std::string_view in)
    : m_in(in)
  {
  }

  bool literal(std::string_view text)
  {
    if (!m_in.starts_with(text)) {
      return false;
    }
    m_in.remove_prefix(text.size());
    return true;
  }

  // "<name> <number>\n" (or "<number>\n" for an empty name).
  std::optional<std::size_t> number(std::string_view name)
  {
    if (!name.empty() && !(literal(name) && literal(" "))) {
      return std::nullopt;
    }
    const auto end = m_in.find('\n');
    if (end == std::string_view::npos || end == 0 || end > 9) {
      return std::nullopt;
    }
    std::size_t value = 0;
    const auto [ptr, ec] = std::from_chars(m_in.data(), m_in.data() + end, value);
    if (ec != std::errc() || ptr != m_in.data() + end) {
      return std::nullopt;
    }
    m_in.remove_prefix(end + 1);
    return value;
  }

  std::optional<std::string> field(std::string_view name)
  {
    const auto size = number(name);
    if (!size || *size >= m_in.size() || m_in[*size] != '\n') {
      return std::nullopt;
    }
    std::string value(m_in.substr(0, *size));
    m_in.remove_prefix(*size + 1);
    return value;
  }

  bool done() const { return m_in.empty(); }

private:
  std::string_view m_in;
};

fs::path
file_in(const fs::path& state_dir)
{
  return state_dir / "last-answer";
}

} // namespace

std::string
key(const std::vector<std::string_view>& parts)
{
  std::uint64_t hash = 14695981039346656037ULL;
  for (const std::string_view part : parts) {
    hash = fnv1a(hash, std::to_string(part.size()));
    hash = fnv1a(hash, std::string_view("\0", 1));
    hash = fnv1a(hash, part);
  }
  return fmt::format("{:016x}", hash);
}

std::string
encode(std::string_view key, const Entry& entry)
{
  std::string out(k_magic);
  out += fmt::format("key {}\n", key);
  put_field(out, "backend", entry.backend);
  put_field(out, "model", entry.model);
  out += fmt::format("messages {}\n", entry.messages.size());
  for (const auto& message : entry.messages) {
    put_field(out, "", message);
  }
  return out;
}

std::optional<Entry>
decode(std::string_view content, std::string_view key)
{
  Reader in(content);
  if (!in.literal(k_magic) || !in.literal("key ") || !in.literal(key) || !in.literal("\n")) {
    return std::nullopt;
  }
  Entry entry;
  auto backend = in.field("backend");
  auto model = backend ? in.field("model") : std::nullopt;
  const auto count = model ? in.number("messages") : std::nullopt;
  if (!count || *count == 0 || *count > k_max_messages) {
    return std::nullopt;
  }
  entry.backend = std::move(*backend);
  entry.model = std::move(*model);
  for (std::size_t i = 0; i < *count; ++i) {
    auto text = in.field("");
    if (!text) {
      return std::nullopt;
    }
    // Stored cleaned; cleaned again so that whatever sits in the file meets the same rules
    // as a fresh reply (no control bytes, no empty message).
    auto cleaned = message::clean_reply(*text, 1);
    if (cleaned.size() != 1) {
      return std::nullopt;
    }
    entry.messages.push_back(std::move(cleaned.front()));
  }
  if (!in.done()) {
    return std::nullopt;
  }
  return entry;
}

std::optional<Entry>
read(const fs::path& state_dir, std::string_view key)
{
  const util::ReadResult read = util::read_file(file_in(state_dir), k_max_file_bytes);
  if (read.failed()) {
    CMTGEN_LOG("answer cache unreadable: {}", read.error);
  }
  return read.ok() ? decode(read.content, key) : std::nullopt;
}

void
write(const fs::path& state_dir, std::string_view key, const Entry& entry)
{
  const std::string content = encode(key, entry);
  if (content.size() > k_max_file_bytes || entry.messages.empty() || entry.messages.size() > k_max_messages) {
    CMTGEN_LOG("answer cache: entry not kept ({} bytes, {} messages)", content.size(), entry.messages.size());
    return;
  }
  try {
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    util::write_file_atomic(file_in(state_dir), content, 0600);
  } catch (const std::exception& e) {
    CMTGEN_LOG("answer cache not written: {}", e.what());
  }
}

} // namespace cmtgen::answer_cache
