// The config files git reads, assembled for libgit2.
#include "git/handles.hpp"
#include "git/readers.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <system_error>

namespace cmtgen::git {

namespace fs = std::filesystem;

namespace {

std::string
level_name(git_config_level_t level)
{
  switch (level) {
    case GIT_CONFIG_LEVEL_SYSTEM: return "system config";
    case GIT_CONFIG_LEVEL_XDG: return "XDG config";
    case GIT_CONFIG_LEVEL_GLOBAL: return "global config";
    case GIT_CONFIG_LEVEL_LOCAL: return "local config";
    case GIT_CONFIG_LEVEL_APP: return "worktree config";
    default: return "config";
  }
}

} // namespace

handle::Config
open_config(const util::Environment& env, git_repository* repo, const fs::path& common_dir, const fs::path& git_dir)
{
  git_config* raw = nullptr;
  check(git_config_new(&raw), "creating a config");
  handle::Config config(raw);

  auto add = [&](const fs::path& path, git_config_level_t level) {
    if (path.empty() || !util::is_regular_file(path)) {
      return;
    }
    check(git_config_add_file_ondisk(config.get(), path.c_str(), level, repo, 0),
          fmt::format("reading {}", path.string()));
  };
  auto found = [](int (*find)(git_buf*)) {
    git_buf buf = GIT_BUF_INIT;
    fs::path path;
    if (find(&buf) == 0) {
      path = buf.ptr;
    }
    git_buf_dispose(&buf);
    return path;
  };

  if (!env.has_value("GIT_CONFIG_NOSYSTEM") || !parse_bool(*env.get("GIT_CONFIG_NOSYSTEM")).value_or(false)) {
    const auto system = env.get("GIT_CONFIG_SYSTEM");
    add(system ? fs::path(*system) : found(git_config_find_system), GIT_CONFIG_LEVEL_SYSTEM);
  }
  if (const auto global = env.get("GIT_CONFIG_GLOBAL")) {
    add(*global, GIT_CONFIG_LEVEL_GLOBAL);
  } else {
    add(found(git_config_find_xdg), GIT_CONFIG_LEVEL_XDG);
    add(found(git_config_find_global), GIT_CONFIG_LEVEL_GLOBAL);
  }
  if (!common_dir.empty()) {
    add(common_dir / "config", GIT_CONFIG_LEVEL_LOCAL);
    int worktree_config = 0;
    if (git_config_get_bool(&worktree_config, config.get(), "extensions.worktreeconfig") == 0 && worktree_config) {
      add(git_dir / "config.worktree", GIT_CONFIG_LEVEL_APP);
    }
  }
  return config;
}

std::vector<ConfigEntry>
read_entries(git_config* config, const util::Environment& env, const std::vector<std::string>& prefixes)
{
  struct Leveled
  {
    git_config_level_t level;
    ConfigEntry entry;
  };
  std::vector<Leveled> found;
  // All entries, filtered here: libgit2's glob iterator compiles a regex with pcre2 and
  // leaks its match data on every call.
  git_config_iterator* raw = nullptr;
  check(git_config_iterator_new(&raw, config), "reading config");
  handle::ConfigIterator iterator(raw);
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, iterator.get()) == 0) {
    if (matches_prefixes(entry->name, prefixes)) {
      found.push_back({entry->level, {entry->name, entry->value ? entry->value : "true", level_name(entry->level)}});
    }
  }
  // libgit2 visits the highest level first; precedence wants the lowest first.
  std::stable_sort(found.begin(), found.end(), [](const Leveled& a, const Leveled& b) { return a.level < b.level; });
  std::vector<ConfigEntry> entries;
  entries.reserve(found.size());
  for (auto& item : found) {
    entries.push_back(std::move(item.entry));
  }
  for (auto& override_entry : config_from_environment(env)) {
    if (matches_prefixes(override_entry.key, prefixes)) {
      entries.push_back(std::move(override_entry));
    }
  }
  return entries;
}

std::vector<ConfigEntry>
global_config(const util::Environment& env, const std::vector<std::string>& prefixes)
{
  library();
  handle::Config config = open_config(env, nullptr, {}, {});
  return read_entries(config.get(), env, prefixes);
}

} // namespace cmtgen::git
