#include "git/attributes.hpp"

#include "util/file.hpp"
#include "util/glob.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace cmtgen::git {

namespace {

// A pattern may be C-quoted ("a b.txt") like a path in git's output.
std::string
unquote(std::string_view text)
{
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
    return std::string(text);
  }
  std::string result;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size()) {
      const char next = text[++i];
      result += next == 'n' ? '\n' : next == 't' ? '\t' : next;
    } else {
      result += text[i];
    }
  }
  return result;
}

// Splits on blanks, keeping a leading quoted pattern whole.
std::vector<std::string_view>
words(std::string_view line)
{
  std::vector<std::string_view> result;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    std::size_t end = i;
    if (line[i] == '"' && result.empty()) {
      end = i + 1;
      while (end < line.size() && line[end] != '"') {
        end += line[end] == '\\' ? 2U : 1U;
      }
      end = std::min(end + 1, line.size());
    } else {
      while (end < line.size() && line[end] != ' ' && line[end] != '\t') {
        ++end;
      }
    }
    result.push_back(line.substr(i, end - i));
    i = end;
  }
  return result;
}

} // namespace

Attributes::Attributes(const std::vector<AttributeFile>& files)
{
  m_macros["binary"] = {{"diff", State::unset, ""}, {"merge", State::unset, ""}, {"text", State::unset, ""}};
  for (const auto& file : files) {
    parse(file);
  }
}

void
Attributes::parse(const AttributeFile& file)
{
  for (const auto raw : util::split_lines(file.content)) {
    const std::string_view line = util::trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto parts = words(line);
    std::vector<Assignment> assignments;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      std::string_view word = parts[i];
      Assignment assignment;
      if (word.front() == '-') {
        assignment.state = State::unset;
        word.remove_prefix(1);
      } else if (word.front() == '!') {
        assignment.state = State::unspecified;
        word.remove_prefix(1);
      } else if (const auto equals = word.find('='); equals != std::string_view::npos) {
        assignment.state = State::value;
        assignment.value = word.substr(equals + 1);
        word = word.substr(0, equals);
      }
      assignment.name = word;
      if (!assignment.name.empty()) {
        assignments.push_back(std::move(assignment));
      }
    }
    const std::string_view pattern = parts.front();
    if (pattern.starts_with("[attr]")) {
      if (file.may_define_macros) {
        m_macros[std::string(pattern.substr(6))] = std::move(assignments);
      }
      continue;
    }
    // Negative patterns are forbidden in gitattributes and a directory pattern never
    // applies to the files below it: git ignores both.
    if (pattern.front() == '!' || pattern.back() == '/') {
      continue;
    }
    m_rules.push_back({file.directory, unquote(pattern), std::move(assignments)});
  }
}

void
Attributes::expand(const Assignment& assignment, std::vector<Assignment>& out, int depth) const
{
  out.push_back(assignment);
  if (assignment.state != State::set || depth > 8) {
    return;
  }
  if (const auto macro = m_macros.find(assignment.name); macro != m_macros.end()) {
    for (const auto& inner : macro->second) {
      expand(inner, out, depth + 1);
    }
  }
}

PathAttributes
Attributes::lookup(std::string_view path) const
{
  PathAttributes result;
  for (const auto& rule : m_rules) {
    std::string_view relative = path;
    if (!rule.directory.empty()) {
      if (!path.starts_with(rule.directory) || path.size() <= rule.directory.size() ||
          path[rule.directory.size()] != '/') {
        continue;
      }
      relative.remove_prefix(rule.directory.size() + 1);
    }
    if (!util::glob_match(rule.pattern, relative)) {
      continue;
    }
    std::vector<Assignment> expanded;
    for (const auto& assignment : rule.assignments) {
      expand(assignment, expanded, 0);
    }
    for (const auto& assignment : expanded) {
      if (assignment.name == "linguist-generated") {
        result.generated = assignment.state == State::set ||
                           (assignment.state == State::value && util::to_lower(assignment.value) == "true");
      } else if (assignment.name == "diff") {
        result.no_diff = assignment.state == State::unset;
      }
    }
  }
  return result;
}

std::optional<std::string>
read_worktree_attributes(const std::filesystem::path& path)
{
  util::ReadResult read = util::read_file(path, 4 * 1024 * 1024, util::Symlinks::refuse);
  if (read.failed()) {
    CMTGEN_LOG("attributes not read from the work tree: {}", read.error);
  }
  return std::move(read).take();
}

} // namespace cmtgen::git
