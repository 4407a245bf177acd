// The message-file parser and composer on any file git could hand the hook: no crash, and
// the composed file keeps everything git wrote after the message.
#include "message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks the configured comment character, the rest is the file.
  const std::string configured = size > 0 && data[0] % 3 == 0 ? "auto" : size > 0 && data[0] % 3 == 1 ? ";" : "";
  if (!input.empty()) {
    input.remove_prefix(1);
  }
  const auto layout = cmtgen::message::analyze(input, configured);
  cmtgen::message::Insertion insertion;
  insertion.message = "Fix the parser\n\nBody line";
  insertion.alternatives = {"Other subject"};
  insertion.notes = {"a note"};
  insertion.comments = cmtgen::message::comments_are_stripped(true, "", layout);
  insertion.comment_char = layout.comment_char;
  const std::string composed = cmtgen::message::insert(input, insertion);
  // What git wrote must survive, after the message (a file of only white space is git's empty
  // file: git's own cleanup drops it too).
  const bool blank = input.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
  if (!blank && composed.rfind(input) == std::string::npos) {
    std::abort();
  }
  const std::string noted =
    cmtgen::message::insert_comments(input, {"cmtgen could not write a message", "why"}, layout.comment_char);
  if (noted.size() < input.size()) {
    std::abort();
  }
  (void)cmtgen::message::fill_template(input, insertion.message, layout.comment_char);
  return 0;
}
