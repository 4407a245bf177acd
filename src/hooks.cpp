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

bool
path_exists(const fs::path& path)
{
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
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
      location.lefthook = location.lefthook || path_exists(location.top / name);
    }
    location.pre_commit = path_exists(location.top / ".pre-commit-config.yaml");
  }
  return location;
}

Inspection
inspect(const Location& location)
{
  Inspection inspection;
  if (location.husky) {
    const auto content = util::read_file(location.husky_file);
    inspection.husky_block = content && util::contains(*content, k_block_begin);
  }
  if (!path_exists(location.file)) {
    return inspection;
  }
  inspection.executable = ::access(location.file.c_str(), X_OK) == 0;
  std::error_code ec;
  if (fs::is_symlink(location.file, ec)) {
    // `ln -s $(which cmtgen) .git/hooks/prepare-commit-msg` makes cmtgen the hook itself;
    // chaining it behind the shim would run it twice.
    const fs::path target = fs::canonical(location.file, ec);
    if (!ec && (target.filename() == "cmtgen" || fs::equivalent(target, self_path(), ec))) {
      inspection.state = State::symlink;
      inspection.binary = target;
      return inspection;
    }
  }
  std::optional<std::string> content;
  try {
    content = util::read_file(location.file, 1024 * 1024);
  } catch (const std::exception&) {
    inspection.state = State::foreign;
    return inspection;
  }
  if (content && util::contains(*content, k_marker)) {
    inspection.state = State::ours;
    inspection.binary = shim_binary(*content);
    inspection.chained = path_exists(fs::path(location.file.string() + std::string(k_chained_suffix)));
  } else {
    inspection.state = State::foreign;
  }
  return inspection;
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
husky_block(const fs::path& binary)
{
  return fmt::format("{}\n"
                     "# Added by `cmtgen install`; `cmtgen uninstall` removes these lines.\n"
                     "cmtgen_bin={}\n"
                     "[ -x \"$cmtgen_bin\" ] || cmtgen_bin=$(command -v cmtgen 2>/dev/null) || cmtgen_bin=\n"
                     "[ -z \"$cmtgen_bin\" ] || \"$cmtgen_bin\" hook \"$@\" || exit $?\n"
                     "{}\n",
                     k_block_begin, util::shell_quote(binary.string()), k_block_end);
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
