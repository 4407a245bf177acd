#include "hooks.hpp"

#include "embedded.hpp"
#include "error.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <system_error>

namespace cmtgen::hooks {

namespace fs = std::filesystem;

namespace {

util::RunResult
git(const Context& context, std::vector<std::string> args)
{
  util::RunRequest request;
  request.argv = {"git"};
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.env = context.env;
  request.cwd = context.cwd;
  request.timeout = std::chrono::seconds(30);
  auto result = context.runner->run(request);
  if (result.reason == util::RunReason::not_found) {
    throw Error(Failure::git, "git is not on PATH");
  }
  return result;
}

// The quoted value on the shim's `cmtgen='...'` line.
fs::path
shim_binary(std::string_view content)
{
  for (const auto line : util::split_lines(content)) {
    if (line.starts_with("cmtgen=")) {
      if (auto words = util::shell_split(line.substr(7)); words && !words->empty()) {
        return words->front();
      }
    }
  }
  return {};
}

} // namespace

Location
locate(const Context& context)
{
  Location location;
  const auto hooks = git(context, {"rev-parse", "--path-format=absolute", "--git-path", "hooks"});
  if (!hooks.succeeded()) {
    throw Error(Failure::git, fmt::format("not inside a git repository ({})", util::trim(hooks.err)));
  }
  location.dir = fs::path(std::string(util::trim(hooks.out))).lexically_normal();
  location.file = location.dir / k_hook_name;

  const auto top = git(context, {"rev-parse", "--show-toplevel"});
  if (top.succeeded()) {
    location.top = std::string(util::trim(top.out));
  }
  const auto hooks_path = git(context, {"config", "--show-scope", "--get", "core.hooksPath"});
  if (hooks_path.succeeded()) {
    const std::string_view line = util::trim(hooks_path.out);
    const auto tab = line.find('\t');
    location.hooks_path_scope = line.substr(0, tab);
    location.hooks_path = tab == std::string_view::npos ? "" : line.substr(tab + 1);
  }
  if (!location.top.empty()) {
    // husky v9 points core.hooksPath at the generated, git-ignored .husky/_; the tracked
    // .husky/<hook> is where a line belongs.
    const fs::path husky = location.top / ".husky";
    location.husky = location.dir == (husky / "_").lexically_normal() && fs::is_directory(husky);
    location.husky_file = husky / k_hook_name;
    for (const char* name : {"lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml"}) {
      location.lefthook = location.lefthook || util::exists(location.top / name);
    }
    location.pre_commit = util::exists(location.top / ".pre-commit-config.yaml");
  }
  return location;
}

Inspection
inspect_file(const fs::path& file)
{
  Inspection inspection;
  std::error_code ec;
  const auto link_status = fs::symlink_status(file, ec);
  if (ec || !fs::exists(link_status)) {
    return inspection;
  }
  inspection.state = State::foreign;
  inspection.executable = ::access(file.c_str(), X_OK) == 0;
  const bool link = fs::is_symlink(link_status);
  if (link) {
    // `ln -s $(which cmtgen) .git/hooks/prepare-commit-msg` makes cmtgen the hook itself;
    // chaining it behind the shim would run it twice. A link left dangling by a moved
    // cmtgen is the same setup.
    const fs::path target = fs::canonical(file, ec);
    const fs::path named = ec ? fs::read_symlink(file, ec) : target;
    if (!ec && (named.filename() == "cmtgen" || fs::equivalent(named, self_path(), ec))) {
      inspection.state = State::symlink;
      inspection.binary = named;
      return inspection;
    }
  }
  const auto status = fs::status(file, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status)) {
    inspection.not_a_file = true;
    return inspection;
  }
  const std::optional<std::string> content = util::read_file(file, 1024 * 1024).take();
  if (!content || !util::contains(*content, k_marker)) {
    return inspection;
  }
  if (link) {
    // cmtgen writes files, never links: the link is someone's, even to a shim.
    inspection.link_to_shim = true;
    return inspection;
  }
  inspection.state = State::ours;
  inspection.binary = shim_binary(*content);
  // The only text cmtgen ever writes there; anything else holds someone's lines.
  inspection.edited = inspection.binary.empty() || *content != shim(inspection.binary);
  return inspection;
}

Inspection
inspect(const Location& location)
{
  Inspection inspection = inspect_file(location.file);
  if (location.husky) {
    const auto content = util::read_file(location.husky_file).take();
    inspection.husky_block = content && !scan_husky(*content).blocks.empty();
  }
  inspection.chained = util::exists(fs::path(location.file.string() + std::string(k_chained_suffix)));
  return inspection;
}

bool
unsafe_to_chain(const Inspection& inspection)
{
  return inspection.state == State::ours || inspection.state == State::symlink || inspection.link_to_shim ||
         inspection.not_a_file;
}

std::string
shim(const fs::path& binary)
{
  std::string text(embedded::find("prepare-commit-msg").value_or(""));
  // The template quotes the placeholder for readability; the path is quoted here so any
  // character in it survives.
  constexpr std::string_view k_placeholder = "'@CMTGEN@'";
  if (const auto pos = text.find(k_placeholder); pos != std::string::npos) {
    text.replace(pos, k_placeholder.size(), util::shell_quote(binary.string()));
  }
  return text;
}

std::string
husky_block(const fs::path& binary, std::string_view eol, bool after_added_break)
{
  const std::string_view comment =
    after_added_break ? "# Added by `cmtgen install` with the line break above; `cmtgen uninstall` removes both."
                      : "# Added by `cmtgen install`; `cmtgen uninstall` removes these lines.";
  std::string text =
    fmt::format("{}\n"
                "{}\n"
                "cmtgen_bin={}\n"
                "[ -x \"$cmtgen_bin\" ] || cmtgen_bin=$(command -v cmtgen 2>/dev/null) || cmtgen_bin=\n"
                "[ -z \"$cmtgen_bin\" ] || \"$cmtgen_bin\" hook \"$@\" || exit $?\n"
                "{}\n",
                k_block_begin, comment, util::shell_quote(binary.string()), k_block_end);
  if (eol == "\n") {
    return text;
  }
  std::string converted;
  for (const char c : text) {
    if (c == '\n') {
      converted += eol;
    } else {
      converted += c;
    }
  }
  return converted;
}

namespace {

// Whether the block in [block.begin, block.end) is exactly what install appends, for the
// binary its `cmtgen_bin=` line names and the line ending of its begin marker.
void
check_block(std::string_view content, HuskyBlock& block)
{
  const std::string_view text = content.substr(block.begin, block.end - block.begin);
  const std::string_view eol = text.substr(k_block_begin.size()).starts_with("\r\n") ? "\r\n" : "\n";
  fs::path binary;
  for (auto line : util::split_lines(text)) {
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    if (line.starts_with("cmtgen_bin=")) {
      if (auto words = util::shell_split(line.substr(11)); words && words->size() == 1) {
        binary = words->front();
      }
      break;
    }
  }
  const auto same = [&](bool after_added_break) {
    const std::string expected = husky_block(binary, eol, after_added_break);
    // An editor that drops the file's last line break leaves the block cmtgen's.
    return text == expected || (block.end == content.size() && !text.ends_with('\n') &&
                                std::string_view(expected).substr(0, expected.size() - eol.size()) == text);
  };
  if (!binary.empty() && same(false)) {
    block.edited = false;
  } else if (!binary.empty() && same(true) && block.begin >= eol.size() &&
             content.substr(block.begin - eol.size(), eol.size()) == eol) {
    block.after_added_break = true;
  } else {
    block.edited = true;
  }
}

} // namespace

HuskyScan
scan_husky(std::string_view content)
{
  HuskyScan scan;
  std::optional<HuskyBlock> open;
  std::size_t pos = 0;
  std::size_t line_number = 0;
  while (pos < content.size()) {
    const auto newline = content.find('\n', pos);
    const std::size_t line_end = newline == std::string_view::npos ? content.size() : newline;
    const std::size_t next = newline == std::string_view::npos ? content.size() : newline + 1;
    ++line_number;
    std::string_view line = content.substr(pos, line_end - pos);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    if (line == k_block_begin) {
      if (open) {
        scan.problem = fmt::format("`{}` on line {} comes before the `{}` of the block opened on line {}",
                                   k_block_begin, line_number, k_block_end, open->line);
        return scan;
      }
      open = HuskyBlock{pos, 0, line_number, false, false};
    } else if (line == k_block_end) {
      if (!open) {
        scan.problem = fmt::format("`{}` on line {} has no `{}` before it", k_block_end, line_number, k_block_begin);
        return scan;
      }
      open->end = next;
      check_block(content, *open);
      scan.blocks.push_back(*open);
      open.reset();
    }
    pos = next;
  }
  if (open) {
    scan.problem = fmt::format("`{}` on line {} has no `{}` after it", k_block_begin, open->line, k_block_end);
  }
  return scan;
}

fs::path
self_path()
{
  std::error_code ec;
  fs::path path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("cmtgen") : path;
}

bool
global_hooks_path(const Location& location)
{
  return !location.hooks_path.empty() &&
         (location.hooks_path_scope == "global" || location.hooks_path_scope == "system");
}

} // namespace cmtgen::hooks
