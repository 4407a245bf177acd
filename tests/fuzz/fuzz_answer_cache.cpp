// The answer cache decoder on any file content: no crash, never an empty message, and
// whatever decodes re-encodes to a file that decodes the same.
#include "answer_cache.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto entry = cmtgen::answer_cache::decode(input, "0123456789abcdef");
  if (!entry) {
    return 0;
  }
  for (const auto& message : entry->messages) {
    if (message.empty()) {
      std::abort();
    }
  }
  const auto again = cmtgen::answer_cache::decode(cmtgen::answer_cache::encode("k", *entry), "k");
  if (!again || again->messages != entry->messages || again->backend != entry->backend) {
    std::abort();
  }
  return 0;
}
