#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Masks secrets in diff text before it leaves the machine. Pure.
namespace cmtgen::redact {

struct Finding
{
  std::string kind; // "aws-access-key", "private-key", "assignment", ...
  std::size_t line; // 1-based line in the input
};

struct Result
{
  std::string text;
  std::vector<Finding> findings;
};

// Replaces each secret with "[REDACTED:<kind>]", keeping the surrounding text (a variable
// name, quotes, the diff's +/- column) so the model still sees what changed.
Result mask(std::string_view text);

} // namespace cmtgen::redact
