#pragma once

#include "git/change.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cmtgen::prompt {

// Why a file's content is not in the prompt. Every file is still named in the summary.
struct Omitted
{
  std::string path;
  std::string reason; // "lock file", "binary", "excluded by cmtgen.exclude '*.pem'", "budget", ...
};

struct Input
{
  std::string template_text;          // a Mustache template (templates/README.md)
  std::vector<git::FileChange> files; // the whole change
  git::Head head;
  std::vector<std::string> recent_subjects;
  std::string previous_message; // --amend with cmtgen.amend=regenerate
  std::string language = "English";
  int candidates = 1;
  // Budget for the user prompt, a hard limit: the branch, recent subjects, the previous
  // message and the file list count against it and are cut to it like the diffs.
  std::size_t max_bytes = 60000;
  std::vector<std::string> exclude; // user globs (the built-in list always applies)
  bool redact = true;
  // Patch of files[index] with at most `limit` bytes of hunks; only called for files whose
  // diff may be shown, smallest first, so memory stays bounded by the budget.
  std::function<git::FilePatch(std::size_t index, std::size_t limit)> patch;
};

struct Prompt
{
  std::string system;
  std::string user; // exactly what goes to the model on stdin
  std::vector<Omitted> omitted;
  std::size_t files_with_diff = 0;
  std::size_t files_cut = 0; // shown only in part
  std::size_t diff_bytes = 0;
  std::size_t redactions = 0;
  bool summary_grouped = false; // the per-file summary was grouped by directory to fit
  bool cut = false;             // even without diffs the prompt was over budget: cut at a line
};

// The built-in exclusion reason for `path`, or "" when none (lock files, minified files,
// .env files, private keys).
std::string builtin_exclusion(std::string_view path);

// Renders the template within the budget (templates/README.md): the summary covers every
// file; diffs go in smallest first, cut at hunk boundaries; excluded content is named and
// never shown; what was left out is said in the prompt. Throws Error(Failure::config) for a
// template that does not render.
Prompt build(const Input& input);

} // namespace cmtgen::prompt
