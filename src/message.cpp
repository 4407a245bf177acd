#include "message.hpp"

#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace cmtgen::message {

namespace {

std::string
normalize_newlines(std::string_view text)
{
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        continue;
      }
      result += '\n';
    } else {
      result += text[i];
    }
  }
  return result;
}

bool
is_fence(std::string_view line)
{
  line = util::trim(line);
  return line.starts_with("```") || line.starts_with("~~~");
}

bool
is_preamble(std::string_view line)
{
  line = util::trim(line);
  if (line.empty()) {
    return false;
  }
  const std::string lower = util::to_lower(line);
  constexpr std::array k_starts = {"here is", "here's", "here are", "sure", "certainly", "okay", "ok,"};
  const bool polite =
    std::any_of(k_starts.begin(), k_starts.end(), [&](const char* s) { return lower.starts_with(s); });
  const bool label = lower.ends_with(':') && (util::contains(lower, "commit message") ||
                                              util::contains(lower, "suggested") || util::contains(lower, "proposed"));
  return (polite && (lower.ends_with(':') || util::contains(lower, "commit message"))) || label;
}

// The content of the first fenced block, when the reply has one: models wrap messages in
// ``` despite being told not to, often after a sentence of introduction.
std::string
unfence(const std::string& text)
{
  const auto lines = util::split_lines(text);
  const auto open = std::find_if(lines.begin(), lines.end(), is_fence);
  if (open == lines.end()) {
    return text;
  }
  const auto close = std::find_if(open + 1, lines.end(), is_fence);
  // Text before the fence must be one line of introduction ("Here is the message:"), not
  // a message of its own whose body happens to contain a code block.
  std::vector<std::string> before;
  for (auto it = lines.begin(); it != open; ++it) {
    if (!util::trim(*it).empty()) {
      before.emplace_back(util::trim(*it));
    }
  }
  if (!before.empty() && (before.size() > 1 || !is_preamble(before.front()))) {
    return text;
  }
  std::vector<std::string> inside(open + 1, close);
  return util::join(inside, "\n");
}

// "Option 1:", "Alternative 2", "1." lines that number alternatives.
bool
is_alternative_label(std::string_view line)
{
  const std::string lower = util::to_lower(util::trim(line));
  for (const char* word : {"option", "alternative", "candidate", "message"}) {
    if (lower.starts_with(word)) {
      const std::string_view rest = util::trim(std::string_view(lower).substr(std::string_view(word).size()));
      if (!rest.empty() && rest.size() <= 4 && std::isdigit(static_cast<unsigned char>(rest.front()))) {
        return true;
      }
    }
  }
  return false;
}

bool
is_separator(std::string_view line)
{
  line = util::trim(line);
  return line.size() >= 3 && line.find_first_not_of('=') == std::string_view::npos;
}

std::string
strip_quotes(std::string text)
{
  constexpr std::array<std::pair<std::string_view, std::string_view>, 5> k_pairs = {{
    {"\"", "\""},
    {"'", "'"},
    {"`", "`"},
    {"\u201c", "\u201d"},
    {"\u2018", "\u2019"},
  }};
  for (const auto& [open, close] : k_pairs) {
    if (text.size() >= open.size() + close.size() && text.starts_with(open) && text.ends_with(close)) {
      std::string inner = text.substr(open.size(), text.size() - open.size() - close.size());
      // Only quotes around the whole message: none of the same kind inside.
      if (inner.find(open) == std::string::npos && inner.find(close) == std::string::npos) {
        return inner;
      }
    }
  }
  return text;
}

std::string
clean_one(std::string_view candidate)
{
  std::vector<std::string> lines;
  for (const auto line : util::split_lines(candidate)) {
    lines.emplace_back(util::trim_right(line));
  }
  auto blank = [](const std::string& line) { return line.empty(); };
  while (!lines.empty() &&
         (blank(lines.front()) || is_preamble(lines.front()) || is_alternative_label(lines.front()))) {
    lines.erase(lines.begin());
  }
  while (!lines.empty() && blank(lines.back())) {
    lines.pop_back();
  }
  if (lines.empty()) {
    return {};
  }
  // A Markdown heading or bold subject: keep the words.
  std::string& subject = lines.front();
  if (subject.starts_with("# ") || subject.starts_with("## ")) {
    subject.erase(0, subject.find(' ') + 1);
  }
  if (subject.size() > 4 && subject.starts_with("**") && subject.ends_with("**")) {
    subject = subject.substr(2, subject.size() - 4);
  }
  if (subject.starts_with("Subject: ")) {
    subject.erase(0, 9);
  }
  std::string text = strip_quotes(util::join(lines, "\n"));
  return std::string(util::trim(text));
}

} // namespace

std::vector<std::string>
clean_reply(std::string_view raw, int wanted)
{
  const std::string text = unfence(util::strip_controls(normalize_newlines(raw)));
  std::vector<std::string> candidates;
  std::string current;
  auto flush = [&] {
    std::string cleaned = clean_one(current);
    if (!cleaned.empty()) {
      candidates.push_back(std::move(cleaned));
    }
    current.clear();
  };
  for (const auto line : util::split_lines(text)) {
    if (wanted > 1 && is_separator(line)) {
      flush();
    } else {
      current.append(line);
      current += '\n';
    }
  }
  flush();
  return candidates;
}

FileLayout
analyze(std::string_view content, std::string_view configured)
{
  FileLayout layout;
  bool please_enter = false;
  const auto lines = util::split_lines(content);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.size() < 3) {
      continue;
    }
    const std::string_view rest = line.substr(1);
    if (util::contains(rest, " >8 ") && rest.starts_with(" -----")) {
      layout.has_scissors = true;
      layout.comment_char = line.front();
      layout.comment_char_known = true;
    } else if (rest.starts_with(" Please enter the commit message")) {
      please_enter = true;
      // git wraps the sentence: "... Lines starting\n# with '#' will be ignored, ...".
      const std::string sentence = std::string(rest) + (i + 1 < lines.size() ? std::string(lines[i + 1]) : "");
      if (util::contains(sentence, "will be ignored")) {
        layout.cleanup = CleanupHint::strip;
      } else if (util::contains(sentence, "will be kept")) {
        layout.cleanup = CleanupHint::keep;
      }
      if (!layout.comment_char_known) {
        layout.comment_char = line.front();
        layout.comment_char_known = true;
      }
    } else if (!layout.comment_char_known && (rest.starts_with(" On branch ") || rest.starts_with(" HEAD detached") ||
                                              rest.starts_with(" Changes to be committed:"))) {
      layout.comment_char = line.front();
      layout.comment_char_known = true;
    }
  }
  // --cleanup=scissors puts the cut line where the "Please enter" text would be.
  if (layout.has_scissors && !please_enter && util::contains(content, " Do not modify or remove the line above.")) {
    layout.cleanup = CleanupHint::scissors;
  }
  if (layout.comment_char_known) {
    return layout;
  }
  const std::string_view value = util::trim(configured);
  if (value.size() == 1) {
    layout.comment_char = value.front();
    return layout;
  }
  if (util::to_lower(value) == "auto") {
    // git chose a character no line of the message starts with; its own comment block
    // (status, translated or not) then starts every line with it.
    constexpr std::string_view k_candidates = "#;@!$%^&|:";
    std::size_t best = 0;
    for (const char candidate : k_candidates) {
      std::size_t count = 0;
      for (const auto line : util::split_lines(content)) {
        count += !line.empty() && line.front() == candidate ? 1U : 0U;
      }
      if (count > best) {
        best = count;
        layout.comment_char = candidate;
      }
    }
  }
  return layout;
}

bool
comments_are_stripped(bool editor, std::string_view cleanup)
{
  return editor && (cleanup.empty() || cleanup == "default" || cleanup == "strip");
}

bool
comments_are_stripped(bool editor, std::string_view configured_cleanup, const FileLayout& layout)
{
  switch (layout.cleanup) {
    case CleanupHint::strip: return editor;
    case CleanupHint::keep:
    case CleanupHint::scissors: return false;
    case CleanupHint::unknown: break;
  }
  return comments_are_stripped(editor, configured_cleanup);
}

std::optional<std::string>
protect_lines(std::string_view message, char comment_char, bool comments_stripped)
{
  std::vector<std::string> lines;
  bool kept_any = false;
  for (const auto view : util::split_lines(message)) {
    std::string line(view);
    const bool comment = !line.empty() && line.front() == comment_char;
    const std::string_view rest = comment ? std::string_view(line).substr(1) : std::string_view();
    const bool scissors = comment && rest.starts_with(" -----") && util::contains(rest, " >8 ");
    if (comment && (comments_stripped || scissors)) {
      const auto marks = line.find_first_not_of(comment_char);
      const std::string_view heading =
        marks == std::string::npos ? std::string_view() : util::trim(std::string_view(line).substr(marks));
      if (comment_char == '#' && !heading.empty() && line[marks] == ' ' && !scissors &&
          heading.front() != comment_char) {
        line = std::string(heading);
      } else {
        line.insert(line.begin(), ' ');
      }
    } else if (!util::trim(line).empty()) {
      kept_any = true;
    }
    lines.push_back(std::move(line));
  }
  if (comments_stripped && !kept_any) {
    return std::nullopt;
  }
  return util::join(lines, "\n");
}

std::string
commented(std::string_view text, char comment_char)
{
  std::string result;
  for (const auto line : util::split_lines(text)) {
    result += comment_char;
    if (!line.empty()) {
      result += ' ';
      result.append(line);
    }
    result += '\n';
  }
  return result;
}

namespace {

// Where git's first comment line begins in `content` (content.size() when there is none).
std::size_t
first_comment_line(std::string_view content, char comment_char)
{
  std::size_t pos = 0;
  while (pos < content.size() && content[pos] != comment_char) {
    const auto end = content.find('\n', pos);
    pos = end == std::string_view::npos ? content.size() : end + 1;
  }
  return pos;
}

// The alternatives as comment lines, each after a lone comment character.
std::string
alternatives_block(const Insertion& insertion)
{
  std::string block;
  for (std::size_t i = 0; i < insertion.alternatives.size(); ++i) {
    block += insertion.comment_char;
    block += '\n';
    block += commented(fmt::format("cmtgen alternative {}:", i + 2), insertion.comment_char);
    block += commented(insertion.alternatives[i], insertion.comment_char);
  }
  return block;
}

// `block` right before git's first comment line: above the scissors line, below anything
// the user or a template wrote, and leaving the empty first line where the user types.
std::string
insert_block(std::string_view content, std::string_view block, char comment_char)
{
  const std::size_t pos = first_comment_line(content, comment_char);
  std::string result(content.substr(0, pos));
  if (pos == content.size() && !result.empty() && !result.ends_with('\n')) {
    result += '\n';
  }
  if (result.empty()) {
    result += '\n';
  }
  result += block;
  result.append(content.substr(pos));
  return result;
}

} // namespace

std::pair<std::string, std::string>
split_amended(std::string_view content, char comment_char)
{
  const std::size_t pos = first_comment_line(content, comment_char);
  return {std::string(content.substr(0, pos)), std::string(content.substr(pos))};
}

std::string
insert(std::string_view content, const Insertion& insertion)
{
  std::string result(util::trim(insertion.message));
  result += '\n';
  if (insertion.comments) {
    result += alternatives_block(insertion);
    for (const auto& note : insertion.notes) {
      result += commented(note, insertion.comment_char);
    }
  }
  if (util::trim(content).empty()) {
    return result;
  }
  // One blank line between the message and what git wrote (git's own file starts with the
  // empty line where the user would type).
  if (!content.starts_with('\n')) {
    result += '\n';
  }
  result.append(content);
  return result;
}

std::string
insert_comments(std::string_view content, const std::vector<std::string>& lines, char comment_char)
{
  std::string block;
  for (const auto& line : lines) {
    block += commented(line, comment_char);
  }
  return insert_block(content, block, comment_char);
}

std::string
compose(std::string_view content, const Insertion& insertion, bool from_template)
{
  if (from_template) {
    if (auto filled = fill_template(content, insertion.message, insertion.comment_char)) {
      return insertion.comments && !insertion.alternatives.empty()
               ? insert_block(*filled, alternatives_block(insertion), insertion.comment_char)
               : *filled;
    }
  }
  return insert(content, insertion);
}

std::optional<std::string>
fill_template(std::string_view content, std::string_view message, char comment_char)
{
  constexpr std::array k_subject = {"<subject>", "<summary>", "<title>",   "[subject]",
                                    "[summary]", "{subject}", "{summary}", "<short summary>"};
  constexpr std::array k_body = {"<body>",        "<description>", "<details>",     "[body]",
                                 "[description]", "{body}",        "{description}", "<why>"};
  const std::string_view trimmed = util::trim(message);
  const auto blank = trimmed.find("\n\n");
  const std::string subject(trimmed.substr(0, std::min(trimmed.find('\n'), trimmed.size())));
  const std::string body = blank == std::string_view::npos ? "" : std::string(util::trim(trimmed.substr(blank + 2)));

  auto find_token = [](const std::string& lower, const auto& tokens) -> std::pair<std::size_t, std::size_t> {
    for (const std::string_view token : tokens) {
      if (const auto pos = lower.find(token); pos != std::string::npos) {
        return {pos, token.size()};
      }
    }
    return {std::string::npos, 0};
  };

  std::vector<std::string> lines;
  bool filled_subject = false;
  bool filled_body = false;
  std::size_t subject_line = 0;
  for (const auto view : util::split_lines(content)) {
    std::string line(view);
    if (!line.empty() && line.front() == comment_char) {
      lines.push_back(std::move(line));
      continue;
    }
    const std::string lower = util::to_lower(line);
    if (const auto [pos, size] = find_token(lower, k_subject); !filled_subject && pos != std::string::npos) {
      line.replace(pos, size, subject);
      filled_subject = true;
      subject_line = lines.size();
    } else if (const auto [bpos, bsize] = find_token(lower, k_body); !filled_body && bpos != std::string::npos) {
      line.replace(bpos, bsize, body);
      filled_body = true;
    }
    lines.push_back(std::move(line));
  }
  if (!filled_subject) {
    return std::nullopt;
  }
  if (!filled_body && !body.empty()) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(subject_line) + 1, {"", body});
  }
  std::string result = util::join(lines, "\n");
  if (content.ends_with('\n')) {
    result += '\n';
  }
  return result;
}

} // namespace cmtgen::message
