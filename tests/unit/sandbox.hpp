#pragma once

// Test support: a throwaway HOME and repositories made with the real git CLI.
#include "git/handles.hpp"
#include "git/repository.hpp"
#include "util/environment.hpp"
#include "util/file.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace test {

namespace fs = std::filesystem;
using cmtgen::git::OpenRequest;

// A throwaway HOME and repositories under one temporary directory. The process's HOME,
// XDG_CONFIG_HOME and git variables are replaced for the test's lifetime and restored
// afterwards, so the machine's ~/.gitconfig never leaks in. libgit2 stays initialized for the
// whole process (git::library()) and guessed its config search path from the HOME of its
// first use, so the global, XDG and system paths are pointed at the sandbox too, and reset
// to libgit2's guess from the restored environment afterwards.
class Sandbox
{
public:
  explicit Sandbox(std::string_view prefix = "cmtgen-test-")
    : m_dir(prefix)
  {
    m_home = m_dir.path() / "home";
    fs::create_directories(m_home / ".config");
    replace("HOME", m_home.string());
    replace("XDG_CONFIG_HOME", (m_home / ".config").string());
    replace("GIT_CONFIG_NOSYSTEM", "1");
    for (const char* name :
         {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
          "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CEILING_DIRECTORIES", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX"}) {
      replace(name, std::nullopt);
    }
    fs::create_directories(m_dir.path() / "etc");
    cmtgen::git::library();
    set_search_path(GIT_CONFIG_LEVEL_SYSTEM, (m_dir.path() / "etc").string().c_str());
    set_search_path(GIT_CONFIG_LEVEL_XDG, (m_home / ".config/git").string().c_str());
    set_search_path(GIT_CONFIG_LEVEL_GLOBAL, m_home.string().c_str());
  }

  ~Sandbox()
  {
    for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
    for (const auto level : {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL}) {
      set_search_path(level, nullptr);
    }
  }

  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const fs::path& home() const { return m_home; }
  fs::path path(const std::string& name) const { return m_dir.path() / name; }

  // The environment git and cmtgen see: this process's (already sandboxed) plus a fixed
  // identity and dates so commits are reproducible.
  util::Environment env(const std::vector<std::pair<std::string, std::string>>& extra = {}) const
  {
    util::Environment env = util::Environment::current();
    env.set("GIT_AUTHOR_NAME", "Test");
    env.set("GIT_AUTHOR_EMAIL", "test@example.com");
    env.set("GIT_COMMITTER_NAME", "Test");
    env.set("GIT_COMMITTER_EMAIL", "test@example.com");
    env.set("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z");
    env.set("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z");
    for (const auto& [name, value] : extra) {
      env.set(name, value);
    }
    return env;
  }

  // Runs git in `cwd`; the test fails when git does.
  std::string git(const fs::path& cwd,
                  const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& extra_env = {}) const
  {
    util::RunRequest request;
    request.argv = {"git"};
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    request.env = env(extra_env);
    request.cwd = cwd;
    request.timeout = std::chrono::seconds(30);
    const auto result = util::system_runner().run(request);
    INFO("git " << util::join(args, " ") << " in " << cwd.string() << ": " << result.err);
    REQUIRE(result.succeeded());
    return result.out;
  }

  fs::path init(const std::string& name, const std::string& branch = "main") const
  {
    const fs::path dir = path(name);
    fs::create_directories(dir);
    git(dir, {"init", "-q", "-b", branch});
    return dir;
  }

  OpenRequest request(const fs::path& cwd, const std::vector<std::pair<std::string, std::string>>& extra_env = {}) const
  {
    OpenRequest request;
    request.env = env(extra_env);
    request.cwd = cwd;
    return request;
  }

private:
  static void set_search_path(git_config_level_t level, const char* path)
  {
    const int rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, static_cast<int>(level), path);
    if (rc < 0) {
      FAIL("git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH) failed");
    }
  }

  void replace(const std::string& name, const std::optional<std::string>& value)
  {
    const char* old = std::getenv(name.c_str());
    m_saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }

  util::TemporaryDirectory m_dir;
  fs::path m_home;
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

} // namespace test
