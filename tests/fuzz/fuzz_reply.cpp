// The reply cleaner and the editor rewording on any bytes: no crash, no NUL or control
// byte in a message, no empty message, every line kept by git.
#include "message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const int candidates : {1, 3}) {
    for (const auto& message : cmtgen::message::clean_reply(input, candidates)) {
      if (message.empty() || message.find('\0') != std::string_view::npos) {
        std::abort();
      }
      for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t' && c != '\n') || byte == 0x7f) {
          std::abort();
        }
      }
      if (const auto kept = cmtgen::message::protect_lines(message, '#', true)) {
        std::size_t start = 0;
        while (start <= kept->size()) {
          const auto end = kept->find('\n', start);
          if (start < kept->size() && (*kept)[start] == '#') {
            std::abort(); // git would drop this line
          }
          if (end == std::string_view::npos) {
            break;
          }
          start = end + 1;
        }
      }
    }
  }
  return 0;
}
