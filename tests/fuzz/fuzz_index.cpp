// The index reader on any bytes: it returns entries or throws Unreadable (then git reads
// the repository); it never crashes, and never reserves memory the file cannot fill.
#include "git/index_file.hpp"
#include "git/readers.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  try {
    const auto index = cmtgen::git::parse_index(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)index;
  } catch (const cmtgen::git::Unreadable&) {
  }
  return 0;
}
