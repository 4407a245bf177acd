#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace util {

std::string_view trim(std::string_view text);
std::string_view trim_right(std::string_view text);
std::string to_lower(std::string_view text);

// Splits on '\n'; a trailing newline does not produce an empty last element. Each line
// keeps no terminator ('\r' is kept: callers that care trim it).
std::vector<std::string_view> split_lines(std::string_view text);

std::vector<std::string_view> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

bool contains(std::string_view haystack, std::string_view needle);
// Case-insensitive (ASCII) substring test.
bool icontains(std::string_view haystack, std::string_view needle);

// Splits a command line into argv the way a POSIX shell would for plain words, single and
// double quotes and backslash escapes; no expansion of any kind. nullopt on an unterminated
// quote.
std::optional<std::vector<std::string>> shell_split(std::string_view line);

// Quotes one word for display or for a sh script: 'it'\''s'.
std::string shell_quote(std::string_view word);

// The last component of a '/'-separated path ("a/b.txt" -> "b.txt").
std::string_view basename(std::string_view path);

// `text` without the bytes no message or terminal line should hold: C0 controls but tab
// and newline, DEL, terminal escape sequences (CSI, OSC, and ESC with one byte), C1 controls
// and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
// in UTF-8. git refuses a NUL in a commit message; the rest would reach every terminal that
// shows the log.
std::string strip_controls(std::string_view text);

// A path as git prints it: as is, or C-quoted in double quotes when it holds control
// characters, a double quote or a backslash (so it can never start a line of its own).
std::string c_quote(std::string_view path);

// "1.5 KiB", "200 MiB".
std::string human_size(std::uint64_t bytes);

// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `typed` (edit distance below `max_distance`, or a candidate that
// `typed`, two characters or more, begins), for "did you mean" hints; "" when none is close.
std::string_view closest(std::string_view typed,
                         const std::vector<std::string_view>& candidates,
                         std::size_t max_distance);

} // namespace util
