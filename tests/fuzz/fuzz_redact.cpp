// The secret masker on any text: no crash, and masking keeps the number of lines (the
// prompt builder puts masked lines back into their hunks by count).
#include "redact/redact.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = cmtgen::redact::mask(input);
  if (std::count(result.text.begin(), result.text.end(), '\n') != std::count(input.begin(), input.end(), '\n')) {
    std::abort();
  }
  return 0;
}
