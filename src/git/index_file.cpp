#include "git/index_file.hpp"

#include "git/readers.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>

namespace cmtgen::git {

namespace {

// Layout constants of the index format (Documentation/gitformat-index.txt).
constexpr std::size_t k_header_size = 12;
constexpr std::size_t k_hash_size = 20;
constexpr std::uint16_t k_flag_extended = 0x4000;
constexpr std::uint16_t k_flag_stage_mask = 0x3000;
constexpr std::uint16_t k_flag_name_mask = 0x0fff;
constexpr std::uint16_t k_extended_intent_to_add = 0x2000;

[[noreturn]] void
malformed(std::string_view what)
{
  throw Unreadable(fmt::format("cannot read the index: {}", what));
}

class Cursor
{
public:
  Cursor(std::string_view data, std::size_t pos)
    : m_data(data)
    , m_pos(pos)
  {
  }

  std::uint32_t u32()
  {
    const auto bytes = take(4);
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) << 24 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[3]));
  }

  std::uint16_t u16()
  {
    const auto bytes = take(2);
    return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[0]) << 8 | static_cast<unsigned char>(bytes[1]));
  }

  std::string_view take(std::size_t count)
  {
    if (count > m_data.size() - m_pos) {
      malformed("truncated");
    }
    const auto bytes = m_data.substr(m_pos, count);
    m_pos += count;
    return bytes;
  }

  // git's offset varint (varint.c): 7 bits a byte, each continuation adding one.
  std::size_t varint()
  {
    auto byte = static_cast<unsigned char>(take(1)[0]);
    std::size_t value = byte & 0x7f;
    while (byte & 0x80) {
      byte = static_cast<unsigned char>(take(1)[0]);
      if (value > (std::size_t{1} << 50)) {
        malformed("a path length overflows");
      }
      value = ((value + 1) << 7) | (byte & 0x7f);
    }
    return value;
  }

  std::string_view until_nul()
  {
    const auto end = m_data.find('\0', m_pos);
    if (end == std::string_view::npos) {
      malformed("a path is not terminated");
    }
    const auto text = m_data.substr(m_pos, end - m_pos);
    m_pos = end + 1;
    return text;
  }

  std::size_t pos() const { return m_pos; }
  void seek(std::size_t pos) { m_pos = pos; }

private:
  std::string_view m_data;
  std::size_t m_pos;
};

void
copy_oid(RawOid& oid, std::string_view bytes)
{
  std::memcpy(oid.data(), bytes.data(), oid.size());
}

// The TREE extension: pre-order, each node "path NUL entries SP subtrees LF [oid]".
CacheTree
read_cache_tree(Cursor& cursor, std::size_t end, int depth)
{
  if (depth > 1000) {
    malformed("the cache tree is too deep");
  }
  CacheTree node;
  node.name = cursor.until_nul();
  auto number = [&](char terminator) {
    std::int64_t value = 0;
    bool negative = false;
    bool digits = false;
    while (cursor.pos() < end) {
      const char c = cursor.take(1)[0];
      if (c == terminator) {
        break;
      }
      if (c == '-' && !digits) {
        negative = true;
      } else if (c >= '0' && c <= '9') {
        value = value * 10 + (c - '0');
        digits = true;
      } else {
        malformed("a cache tree count is not a number");
      }
    }
    return negative ? -value : value;
  };
  node.entries = number(' ');
  const std::int64_t subtrees = number('\n');
  if (node.entries >= 0) {
    copy_oid(node.oid, cursor.take(k_hash_size));
  }
  for (std::int64_t i = 0; i < subtrees && cursor.pos() < end; ++i) {
    node.children.push_back(read_cache_tree(cursor, end, depth + 1));
  }
  return node;
}

} // namespace

const CacheTree*
CacheTree::child(std::string_view child_name) const
{
  for (const auto& node : children) {
    if (node.name == child_name) {
      return &node;
    }
  }
  return nullptr;
}

IndexFile
read_index(const std::filesystem::path& path)
{
  const util::ReadResult read = util::read_file(path, std::size_t{4} * 1024 * 1024 * 1024);
  if (read.missing()) {
    malformed(fmt::format("{} does not exist", path.string()));
  }
  if (read.failed()) {
    malformed(read.error);
  }
  return parse_index(read.content);
}

IndexFile
parse_index(std::string_view data)
{
  if (data.size() < k_header_size + k_hash_size || data.substr(0, 4) != "DIRC") {
    malformed("no index signature");
  }
  Cursor cursor(data, 4);
  const std::uint32_t version = cursor.u32();
  if (version < 2 || version > 4) {
    malformed(fmt::format("index version {} is not supported", version));
  }
  const std::uint32_t count = cursor.u32();
  const std::size_t body_end = data.size() - k_hash_size;

  IndexFile index;
  // The count comes from the file: an entry takes at least 62 bytes, so a count the file
  // cannot hold must not reserve memory for it.
  index.entries.reserve(std::min<std::size_t>(count, data.size() / 62));
  std::string previous; // v4 compresses each path against the one before it
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t start = cursor.pos();
    cursor.take(24); // ctime, mtime, dev, ino: not needed
    IndexEntry entry;
    entry.mode = cursor.u32();
    cursor.take(8); // uid, gid
    entry.file_size = cursor.u32();
    copy_oid(entry.oid, cursor.take(k_hash_size));
    const std::uint16_t flags = cursor.u16();
    entry.stage = (flags & k_flag_stage_mask) >> 12;
    if (flags & k_flag_extended) {
      if (version < 3) {
        malformed("extended flags in a version 2 index");
      }
      entry.intent_to_add = (cursor.u16() & k_extended_intent_to_add) != 0;
    }
    if (version == 4) {
      const std::size_t strip = cursor.varint();
      if (strip > previous.size()) {
        malformed("a compressed path strips more than the previous path");
      }
      previous.resize(previous.size() - strip);
      previous.append(cursor.until_nul());
      entry.path = previous;
    } else {
      const std::size_t length = flags & k_flag_name_mask;
      entry.path = length < k_flag_name_mask ? std::string(cursor.take(length)) : std::string(cursor.until_nul());
      if (length < k_flag_name_mask) {
        cursor.take(1); // the NUL
      }
      // Entries are padded with NULs to a multiple of 8 bytes.
      const std::size_t used = cursor.pos() - start;
      const std::size_t padded = (used + 7) & ~std::size_t{7};
      if (padded > used) {
        cursor.take(padded - used);
      }
    }
    if (entry.mode == 0040000) {
      // A sparse index stores whole directories as entries.
      malformed("the index is a sparse index");
    }
    index.entries.push_back(std::move(entry));
  }

  while (cursor.pos() + 8 <= body_end) {
    const std::string_view signature = cursor.take(4);
    const std::uint32_t size = cursor.u32();
    const std::size_t end = cursor.pos() + size;
    if (end > body_end) {
      malformed("an extension runs past the end");
    }
    if (signature == "TREE") {
      if (size > 0) {
        index.cache_tree = std::make_unique<CacheTree>(read_cache_tree(cursor, end, 0));
      }
    } else if (signature == "link") {
      malformed("the index is split (core.splitIndex)");
    } else if (signature == "sdir") {
      malformed("the index is a sparse index");
    } else if (signature[0] >= 'A' && signature[0] <= 'Z') {
      // Optional extensions (upper-case first letter) carry nothing cmtgen needs.
    } else {
      malformed(fmt::format("mandatory extension '{}' is not supported", signature));
    }
    cursor.seek(end);
  }
  return index;
}

} // namespace cmtgen::git
