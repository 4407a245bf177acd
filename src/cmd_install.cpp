// `cmtgen install` / `cmtgen uninstall`: put the hook where git will look for it, keep what
// was there, and take back exactly what was added.
#include "commands.hpp"
#include "error.hpp"
#include "hooks.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <system_error>

namespace cmtgen {

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

bool
path_exists(const fs::path& path)
{
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
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

int
install_husky(const Context& context, const hooks::Location& location, const fs::path& binary)
{
  const auto existing = util::read_file(location.husky_file);
  if (existing && util::contains(*existing, hooks::k_block_begin)) {
    fmt::print("cmtgen is already called from {}\n", location.husky_file.string());
  } else {
    std::string content = existing.value_or("");
    if (!content.empty() && !content.ends_with('\n')) {
      content += '\n';
    }
    content += hooks::husky_block(binary);
    util::write_file_atomic(location.husky_file, content, existing ? std::nullopt : std::optional<unsigned>(0755));
    fmt::print("added cmtgen to {} (husky runs it through core.hooksPath=.husky/_); commit that file to share it\n",
               location.husky_file.string());
  }
  fmt::print("{}\n", doctor_verdict(context, load_config(context)));
  return 0;
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
  const std::string text = hooks::shim(binary);
  std::error_code ec;
  fs::create_directories(location.dir, ec);
  if (ec) {
    throw Error(Failure::install, fmt::format("cannot create {}: {}", location.dir.string(), ec.message()));
  }

  std::string did;
  if (before.state == hooks::State::foreign) {
    if (path_exists(chained_path(location))) {
      throw Error(Failure::install,
                  fmt::format("{} is not cmtgen's, and {} already exists: move one of them away first",
                              location.file.string(), chained_path(location).string()));
    }
    // Kept byte for byte (rename, not copy) and run after cmtgen with the same arguments.
    fs::rename(location.file, chained_path(location), ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot move {} aside: {}", location.file.string(), ec.message()));
    }
    did = fmt::format("installed {} (the existing hook was moved to {} and still runs, after cmtgen)",
                      location.file.string(), chained_path(location).filename().string());
  } else if (before.state == hooks::State::symlink) {
    did =
      fmt::format("replaced the symlink {} -> {} with the hook shim", location.file.string(), before.binary.string());
  } else if (before.state == hooks::State::ours) {
    const auto current = util::read_file(location.file);
    if (current && *current == text && before.executable) {
      did = fmt::format("already installed: {}", location.file.string());
    } else {
      did = fmt::format("updated {}", location.file.string());
    }
  } else {
    did = fmt::format("installed {}", location.file.string());
  }
  try {
    util::write_file_atomic(location.file, text, 0755);
  } catch (const std::exception& e) {
    if (before.state == hooks::State::foreign) {
      fs::rename(chained_path(location), location.file, ec);
    }
    throw Error(Failure::install, e.what());
  }
  fmt::print("{}\n", did);
  if (hooks::global_hooks_path(location)) {
    fmt::print("note: {} is the {} core.hooksPath: every repository that uses it now runs cmtgen\n",
               location.dir.string(), location.hooks_path_scope);
  }
  fmt::print("{}\n", doctor_verdict(context, load_config(context)));
  return 0;
}

int
run_uninstall(const Context& context)
{
  const hooks::Location location = hooks::locate(context);
  bool removed = false;

  if (location.husky || path_exists(location.husky_file)) {
    if (auto content = util::read_file(location.husky_file);
        content && util::contains(*content, hooks::k_block_begin)) {
      const auto begin = content->find(hooks::k_block_begin);
      auto end = content->find(hooks::k_block_end, begin);
      end = end == std::string::npos ? content->size() : std::min(content->size(), end + hooks::k_block_end.size() + 1);
      content->erase(begin, end - begin);
      // A file cmtgen created holds nothing else: remove it rather than leave an empty hook.
      if (util::trim(*content).empty() || util::trim(*content) == "#!/bin/sh" ||
          util::trim(*content) == "#!/usr/bin/env sh") {
        fs::remove(location.husky_file);
      } else {
        util::write_file_atomic(location.husky_file, *content);
      }
      fmt::print("removed cmtgen from {}\n", location.husky_file.string());
      removed = true;
    }
    // .husky/_ belongs to husky: its prepare-commit-msg is husky's runner, not cmtgen's.
    if (location.husky) {
      if (!removed) {
        fmt::print("cmtgen is not installed in this repository ({} does not call it)\n", location.husky_file.string());
      }
      return 0;
    }
  }

  const hooks::Inspection inspection = hooks::inspect(location);
  if (inspection.state == hooks::State::foreign) {
    throw Error(Failure::install, fmt::format("{} is not cmtgen's hook; leaving it alone", location.file.string()));
  }
  if (inspection.state == hooks::State::symlink) {
    std::error_code ec;
    fs::remove(location.file, ec);
    if (ec) {
      throw Error(Failure::install, fmt::format("cannot remove {}: {}", location.file.string(), ec.message()));
    }
    fmt::print("removed {} (a symlink to {})\n", location.file.string(), inspection.binary.string());
    removed = true;
  }
  if (inspection.state == hooks::State::ours) {
    std::error_code ec;
    if (inspection.chained) {
      fs::rename(chained_path(location), location.file, ec);
      if (ec) {
        throw Error(Failure::install, fmt::format("cannot restore {}: {}", location.file.string(), ec.message()));
      }
      fmt::print("removed cmtgen's hook and restored the previous {}\n", location.file.string());
    } else {
      fs::remove(location.file, ec);
      if (ec) {
        throw Error(Failure::install, fmt::format("cannot remove {}: {}", location.file.string(), ec.message()));
      }
      fmt::print("removed {}\n", location.file.string());
    }
    removed = true;
  }
  if (!removed) {
    fmt::print("cmtgen is not installed in this repository ({} has no cmtgen hook)\n", location.dir.string());
  }
  return 0;
}

} // namespace cmtgen
