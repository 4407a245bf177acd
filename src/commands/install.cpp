// `cmtgen install` / `cmtgen uninstall`: put the hook where git will look for it, keep what
// was there, and take back exactly what was added.
#include "backend/backend.hpp"
#include "commands/commands.hpp"
#include "error.hpp"
#include "hooks.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <system_error>

namespace cmtgen::commands {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_lefthook_snippet = R"(prepare-commit-msg:
  commands:
    cmtgen:
      run: cmtgen hook {1} {2} {3})";

constexpr std::string_view k_pre_commit_snippet = R"(  - repo: local
    hooks:
      - id: cmtgen
        name: cmtgen commit message
        entry: cmtgen hook
        language: system
        stages: [prepare-commit-msg]
        always_run: true)";

fs::path
chained_path(const hooks::Location& location)
{
  return location.file.string() + std::string(hooks::k_chained_suffix);
}

Config
load_config(const Context& context)
{
  try {
    return open_session(context, {}, false).config;
  } catch (const Error&) {
    return build_config(git::global_config(context.env, config_prefixes()), context.env, {});
  }
}

std::string
quoted(const fs::path& path)
{
  return util::shell_quote(path.string());
}

std::optional<std::string>
read_husky_file(const hooks::Location& location)
{
  util::ReadResult read = util::read_file(location.husky_file);
  if (read.failed()) {
    throw Error(Failure::install, read.error);
  }
  return std::move(read).take();
}

void
write_or_fail(const fs::path& path, std::string_view content, std::optional<unsigned> mode = std::nullopt)
{
  try {
    util::write_file_atomic(path, content, mode);
  } catch (const std::exception& e) {
    throw Error(Failure::install, e.what());
  }
}

int
install_husky(const Context& context, const hooks::Location& location, const fs::path& binary)
{
  const auto existing = read_husky_file(location);
  const hooks::HuskyScan scan = hooks::scan_husky(existing.value_or(""));
  if (!scan.problem.empty()) {
    throw Error(Failure::install,
                fmt::format("{} has cmtgen's markers out of order ({}); nothing was changed: fix or remove them by "
                            "hand, then run `cmtgen install` again",
                            location.husky_file.string(), scan.problem));
  }
  if (!scan.blocks.empty()) {
    fmt::print("cmtgen is already called from {}\n", location.husky_file.string());
  } else {
    std::string content = existing.value_or("");
    // The block follows the file's own line endings, so the file stays consistent.
    const auto first_break = content.find('\n');
    const std::string_view eol =
      first_break != std::string::npos && first_break > 0 && content[first_break - 1] == '\r' ? "\r\n" : "\n";
    const bool add_break = !content.empty() && !content.ends_with('\n');
    if (add_break) {
      content += eol;
    }
    content += hooks::husky_block(binary, eol, add_break);
    write_or_fail(location.husky_file, content, existing ? std::nullopt : std::optional<unsigned>(0755));
    fmt::print("added cmtgen to {} (husky runs it through core.hooksPath=.husky/_); commit that file to share it\n",
               location.husky_file.string());
  }
  fmt::print("{}\n", backend::readiness(load_config(context), context.env));
  return 0;
}

// Removes cmtgen's blocks from the tracked husky hook. Returns whether there were any.
bool
uninstall_husky(const hooks::Location& location)
{
  auto content = read_husky_file(location);
  if (!content) {
    return false;
  }
  const hooks::HuskyScan scan = hooks::scan_husky(*content);
  if (!scan.problem.empty()) {
    throw Error(Failure::install,
                fmt::format("{} has cmtgen's markers out of order ({}), so cmtgen cannot tell its lines from yours; "
                            "nothing was changed: remove cmtgen's lines by hand",
                            location.husky_file.string(), scan.problem));
  }
  for (const auto& block : scan.blocks) {
    if (block.edited) {
      throw Error(Failure::install,
                  fmt::format("the cmtgen block on line {} of {} was edited, so it is yours now; nothing was changed: "
                              "remove the lines from `{}` to `{}` by hand",
                              block.line, location.husky_file.string(), hooks::k_block_begin, hooks::k_block_end));
    }
  }
  if (scan.blocks.empty()) {
    return false;
  }
  for (auto it = scan.blocks.rbegin(); it != scan.blocks.rend(); ++it) {
    const std::size_t eol = content->compare(it->begin + hooks::k_block_begin.size(), 2, "\r\n") == 0 ? 2 : 1;
    const std::size_t begin = it->after_added_break ? it->begin - eol : it->begin;
    content->erase(begin, it->end - begin);
  }
  // Empty means install created the file: remove it rather than leave an empty hook.
  if (content->empty()) {
    std::error_code ec;
    fs::remove(location.husky_file, ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot remove {}: {}", location.husky_file.string(), ec.message()));
    }
  } else {
    write_or_fail(location.husky_file, *content);
  }
  fmt::print("removed cmtgen from {}\n", location.husky_file.string());
  return true;
}

std::string
edited_advice(const fs::path& file)
{
  return fmt::format("{} has been edited since cmtgen wrote it (cmtgen's part is the script `cmtgen install` "
                     "wrote, from `#!/bin/sh` to the last `exit 0`), so cmtgen leaves it as is",
                     file.string());
}

} // namespace

int
run_install(const Context& context, bool force)
{
  const hooks::Location location = hooks::locate(context);
  const fs::path binary = hooks::self_path();

  if (hooks::global_hooks_path(location) && !force) {
    throw Error(Failure::install,
                fmt::format("git runs every repository's hooks from {} ({} core.hooksPath), so a hook in this "
                            "repository would be ignored; `cmtgen install --force` installs it there (for all "
                            "repositories that use that directory)",
                            location.dir.string(), location.hooks_path_scope));
  }
  if (location.husky) {
    return install_husky(context, location, binary);
  }
  if ((location.lefthook || location.pre_commit) && !force) {
    if (location.lefthook) {
      fmt::print("This repository uses lefthook, which rewrites {}. Add this to lefthook.yml, then run "
                 "`lefthook install`:\n\n{}\n\n",
                 location.file.string(), k_lefthook_snippet);
    } else {
      fmt::print("This repository uses the pre-commit framework. Add this to .pre-commit-config.yaml under `repos:`, "
                 "then run `pre-commit install --hook-type prepare-commit-msg`:\n\n{}\n\n",
                 k_pre_commit_snippet);
    }
    fmt::print("Nothing was written. `cmtgen install --force` writes the git hook anyway.\n");
    return 0;
  }

  const hooks::Inspection before = hooks::inspect(location);
  const fs::path chained = chained_path(location);
  const hooks::Inspection parked = hooks::inspect_file(chained);
  const std::string text = hooks::shim(binary);

  if (before.not_a_file) {
    throw Error(Failure::install, fmt::format("{} is not a file git can run (a directory?); nothing was changed: "
                                              "move it away, then run `cmtgen install` again",
                                              location.file.string()));
  }
  if (before.link_to_shim) {
    throw Error(Failure::install,
                fmt::format("{} is a symlink to a cmtgen hook already; chaining it would run cmtgen twice, so "
                            "nothing was changed: to install here instead, `rm {}` and run `cmtgen install` again",
                            location.file.string(), quoted(location.file)));
  }
  if (before.state == hooks::State::ours && before.edited) {
    std::error_code ec;
    if (before.executable && fs::equivalent(before.binary, binary, ec)) {
      fmt::print("already installed: {} (edited by hand; left as is)\n", location.file.string());
      fmt::print("{}\n", backend::readiness(load_config(context), context.env));
      return 0;
    }
    throw Error(Failure::install,
                fmt::format("{}: to run this cmtgen, make its `cmtgen=` line read cmtgen={}{}, or move your own "
                            "lines elsewhere, `rm {}` and run `cmtgen install` again",
                            edited_advice(location.file), quoted(binary),
                            before.executable ? "" : fmt::format(" and `chmod +x {}`", quoted(location.file)),
                            quoted(location.file)));
  }
  if (before.state == hooks::State::foreign && parked.state != hooks::State::missing) {
    throw Error(Failure::install, fmt::format("{} is not cmtgen's, and {} already exists: move one of them away first",
                                              location.file.string(), chained.string()));
  }
  if (before.state != hooks::State::foreign && hooks::unsafe_to_chain(parked)) {
    // The shim runs whatever is parked there: a cmtgen hook would run cmtgen twice, a
    // directory would fail every commit.
    throw Error(Failure::install,
                fmt::format("{} would run after cmtgen's hook, but it {}; nothing was changed: move it away (`mv {} "
                            "<somewhere>`), then run `cmtgen install` again",
                            chained.string(),
                            parked.not_a_file ? "is not a file git can run" : "runs cmtgen itself (it would run twice)",
                            quoted(chained)));
  }

  std::string did;
  std::error_code ec;
  if (before.state == hooks::State::foreign) {
    // Kept byte for byte (rename, not copy) and run after cmtgen with the same arguments.
    fs::rename(location.file, chained, ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot move {} aside: {}", location.file.string(), ec.message()));
    }
    did = fmt::format("installed {} (the existing hook was moved to {} and still runs, after cmtgen)",
                      location.file.string(), chained.filename().string());
  } else if (before.state == hooks::State::symlink) {
    did =
      fmt::format("replaced the symlink {} -> {} with the hook shim", location.file.string(), before.binary.string());
  } else if (before.state == hooks::State::ours) {
    if (before.binary == binary && before.executable) {
      did = fmt::format("already installed: {}", location.file.string());
    } else {
      did = fmt::format("updated {}", location.file.string());
    }
  } else if (parked.state != hooks::State::missing) {
    did = fmt::format("installed {} (the previous hook, still parked as {}, runs again after cmtgen)",
                      location.file.string(), chained.filename().string());
  } else {
    did = fmt::format("installed {}", location.file.string());
  }
  try {
    fs::create_directories(location.dir);
    util::write_file_atomic(location.file, text, 0755);
  } catch (const std::exception& e) {
    if (before.state == hooks::State::foreign) {
      fs::rename(chained, location.file, ec);
    }
    throw Error(Failure::install, e.what());
  }
  fmt::print("{}\n", did);
  if (hooks::global_hooks_path(location)) {
    fmt::print("note: {} is the {} core.hooksPath: every repository that uses it now runs cmtgen\n",
               location.dir.string(), location.hooks_path_scope);
  }
  fmt::print("{}\n", backend::readiness(load_config(context), context.env));
  return 0;
}

int
run_uninstall(const Context& context)
{
  const hooks::Location location = hooks::locate(context);

  bool removed_husky = false;
  if (location.husky || util::exists(location.husky_file)) {
    removed_husky = uninstall_husky(location);
    // .husky/_ belongs to husky: its prepare-commit-msg is husky's runner, not cmtgen's.
    if (location.husky) {
      if (!removed_husky) {
        fmt::print("cmtgen is not installed in this repository ({} does not call it)\n", location.husky_file.string());
      }
      return 0;
    }
  }

  const hooks::Inspection here = hooks::inspect(location);
  const fs::path chained = chained_path(location);
  const hooks::Inspection parked = hooks::inspect_file(chained);
  const bool has_parked = parked.state != hooks::State::missing;
  const std::string restore = fmt::format("`mv {} {}`", quoted(chained), quoted(location.file));

  if (here.state == hooks::State::foreign && !removed_husky) {
    throw Error(Failure::install,
                fmt::format("{} is not cmtgen's hook; leaving it alone{}", location.file.string(),
                            has_parked ? fmt::format("; the hook cmtgen replaced waits in {}, where git never runs "
                                                     "it: {} puts it back (replacing the current one)",
                                                     chained.string(), restore)
                                       : ""));
  }
  if (here.state == hooks::State::ours && here.edited) {
    throw Error(Failure::install,
                fmt::format("{}: move your own lines elsewhere, then `rm {}`{}", edited_advice(location.file),
                            quoted(location.file),
                            has_parked ? fmt::format(" and {} to restore the hook it replaced", restore) : ""));
  }

  std::error_code ec;
  std::string did;
  if (here.state == hooks::State::symlink || here.state == hooks::State::ours) {
    // A parked cmtgen shim is cmtgen's own text; restoring it would leave cmtgen installed.
    const bool drop_parked = parked.state == hooks::State::ours && !parked.edited;
    if (parked.state != hooks::State::missing && !drop_parked) {
      // rename() replaces the shim in one step: the previous hook is back, byte for byte.
      fs::rename(chained, location.file, ec);
      if (ec) {
        throw Error(Failure::install, fmt::format("cannot restore {}: {}", location.file.string(), ec.message()));
      }
      fmt::print("removed cmtgen's hook and restored the previous {}\n", location.file.string());
      return 0;
    }
    fs::remove(location.file, ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot remove {}: {}", location.file.string(), ec.message()));
    }
    if (drop_parked) {
      fs::remove(chained, ec);
    }
    if (here.state == hooks::State::symlink) {
      fmt::print("removed {} (a symlink to {})\n", location.file.string(), here.binary.string());
    } else {
      fmt::print("removed {}\n", location.file.string());
    }
    return 0;
  }

  // No prepare-commit-msg, but a hook parked by install: the shim was deleted by hand.
  if (here.state == hooks::State::missing && parked.state != hooks::State::missing) {
    if (parked.state == hooks::State::ours && !parked.edited) {
      fs::remove(chained, ec);
      if (ec) {
        throw Error(Failure::install, fmt::format("cannot remove {}: {}", chained.string(), ec.message()));
      }
      fmt::print("removed {}\n", chained.string());
      return 0;
    }
    fs::rename(chained, location.file, ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot restore {} from {}: {}", location.file.string(),
                                                chained.filename().string(), ec.message()));
    }
    fmt::print("restored the previous {} (cmtgen's hook was already gone)\n", location.file.string());
    return 0;
  }
  if (!removed_husky) {
    fmt::print("cmtgen is not installed in this repository ({} has no cmtgen hook)\n", location.dir.string());
  }
  return 0;
}

} // namespace cmtgen::commands
