#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Reply cleaning and insertion into git's message file. Pure: values in, values out.
namespace cmtgen::message {

// The separator the prompt asks the model to put between alternatives.
constexpr std::string_view k_candidate_separator = "=====";

// Strips code fences, a preamble ("Here is a commit message:"), quotes around the whole
// message, trailing whitespace on every line and blank lines at both ends; keeps the
// body's own formatting. When more than one candidate was asked for, splits alternatives
// on separator lines (k_candidate_separator; any line of three or more '='); with one, a
// line of '=' is the body's own (a Markdown heading underline). Returns no element when
// nothing usable remains.
std::vector<std::string> clean_reply(std::string_view raw, int candidates = 1);

// The cleanup mode git's own text in the file reveals (`git commit --cleanup=...` is not
// visible anywhere else to a hook).
enum class CleanupHint {
  unknown,  // no English git text found (translated git, commit.status=false)
  strip,    // "Lines starting with '#' will be ignored"
  keep,     // "... will be kept" (whitespace, verbatim)
  scissors, // a cut line without the "Please enter" text
};

// What git wrote into the message file before the hook ran.
struct FileLayout
{
  char comment_char = '#';
  bool comment_char_known = false; // found from git's own lines in the file
  bool has_scissors = false;
  CleanupHint cleanup = CleanupHint::unknown;
};

// Detects the comment character: from git's own English lines or the (untranslated)
// scissors line; else `configured` (core.commentChar, including `git -c`) when it is one
// character; else, for "auto", the candidate git picks from ("#;@!$%^&|:") that starts the
// most lines; else '#'.
FileLayout analyze(std::string_view content, std::string_view configured);

// Whether comment lines written into the file would be removed by git: only in editor
// mode with cleanup default/strip.
bool comments_are_stripped(bool editor, std::string_view cleanup);

// The same, trusting what the file says about the cleanup mode over the configured one.
bool comments_are_stripped(bool editor, std::string_view configured_cleanup, const FileLayout& layout);

struct Insertion
{
  std::string message;                   // the chosen message (no trailing newline needed)
  std::vector<std::string> alternatives; // written as comment lines when comments are stripped
  std::vector<std::string> notes;        // short comment lines (e.g. "written by cmtgen ...")
  bool comments = false;                 // comments_are_stripped(...)
  char comment_char = '#';
};

// Puts the message at the very top of `content`, above everything git wrote (comments,
// the scissors line, trailers), followed by one blank line when the rest is not empty.
// Comment lines (alternatives, notes) go right below the message when `comments` is set.
std::string insert(std::string_view content, const Insertion& insertion);

// The hook's whole message file: for a `template` source with placeholders, the template
// with them filled (alternatives as comment lines above git's comments); otherwise insert().
std::string compose(std::string_view content, const Insertion& insertion, bool from_template);

// The message `git commit --amend` put in the file (what comes before git's first comment
// line), and the rest.
std::pair<std::string, std::string> split_amended(std::string_view content, char comment_char);

// Only comment lines (for the hook's failure report in editor mode).
std::string insert_comments(std::string_view content, const std::vector<std::string>& lines, char comment_char);

// The template text with obvious placeholders filled ("<subject>", "<summary>",
// "<body>", ...), or nullopt when the template has none.
std::optional<std::string> fill_template(std::string_view content, std::string_view message, char comment_char);

// `message` reworded so that git keeps every line of it: when git strips comment lines
// (`comments_stripped`), a line that starts with `comment_char` would vanish, so a Markdown
// heading loses its marks ("## Notes" -> "Notes") and any other such line gets one leading
// space; a line that looks like git's scissors line ("# ---...--- >8 ---...---") would cut
// the message under `commit -v` in every cleanup mode, so it is reworded the same way.
// nullopt when, with comments stripped, the message is nothing but comment lines.
std::optional<std::string> protect_lines(std::string_view message, char comment_char, bool comments_stripped);

// Turns every line of `text` into a comment line.
std::string commented(std::string_view text, char comment_char);

} // namespace cmtgen::message
