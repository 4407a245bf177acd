// The hook command with a scripted claude (FakeRunner) in real temporary repositories:
// the decisions of the hook, tested in milliseconds. The process-level behaviour (signals,
// deadlines, git running the installed shim) is in tests/cli/test_hook.py.
#include "commands/commands.hpp"
#include "context.hpp"
#include "fake_runner.hpp"
#include "sandbox.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

using test::exited;
using test::FakeRunner;
using test::Sandbox;

namespace {

constexpr std::string_view k_git_text = "\n"
                                        "# Please enter the commit message for your changes. Lines starting\n"
                                        "# with '#' will be ignored, and an empty message aborts the commit.\n"
                                        "#\n"
                                        "# On branch main\n";

// claude's result JSON for `reply` (quotes and newlines escaped; a backslash escape in
// `reply` is kept as JSON reads it).
std::string
success(std::string_view reply)
{
  std::string escaped;
  for (const char c : reply) {
    if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return fmt::format(
    R"({{"type":"result","subtype":"success","is_error":false,"result":"{}","total_cost_usd":0.0001}})", escaped);
}

// A repository with one commit and one staged change, a message file as git writes it for
// the editor, and a context whose claude is scripted.
struct HookFixture
{
  Sandbox box{"cmtgen-hook-"};
  FakeRunner runner;
  fs::path repo;
  fs::path message_file;
  cmtgen::Context context;

  HookFixture()
  {
    repo = box.init("repo");
    util::write_file_atomic(repo / "a.txt", "one\n");
    box.git(repo, {"add", "a.txt"});
    box.git(repo, {"commit", "-q", "-m", "Initial commit"});
    util::write_file_atomic(repo / "a.txt", "one\ntwo\n");
    box.git(repo, {"add", "a.txt"});
    message_file = repo / ".git" / "COMMIT_EDITMSG";
    util::write_file_atomic(message_file, k_git_text);
    context.env = box.env(
      {{"CMTGEN_CLAUDE", std::string(CMTGEN_TEST_DATA) + "/fake_claude"}, {"ANTHROPIC_API_KEY", "sk-ant-test-fake"}});
    context.env.unset("GIT_EDITOR");
    context.env.unset("CMTGEN_SKIP");
    context.cwd = repo;
    context.runner = &runner;
  }

  int hook(std::string source = "")
  {
    cmtgen::commands::HookArguments arguments;
    arguments.message_file = ".git/COMMIT_EDITMSG";
    arguments.source = std::move(source);
    return cmtgen::commands::run_hook(context, arguments);
  }

  std::string file() const { return util::read_file(message_file).take().value_or("<missing>"); }
};

} // namespace

TEST_CASE("the hook writes claude's reply above git's text", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude", {exited(0, success("Add a second line to a.txt\n\nThe file needed it."))});
  CHECK(f.hook() == 0);
  CHECK(f.file() == "Add a second line to a.txt\n\nThe file needed it.\n" + std::string(k_git_text));
  const auto calls = f.runner.calls();
  REQUIRE(calls.size() == 1);
  const auto& argv = calls.front().argv;
  CHECK(std::find(argv.begin(), argv.end(), "--tools=") != argv.end());
  CHECK(std::find(argv.begin(), argv.end(), "--no-session-persistence") != argv.end());
  CHECK(util::contains(calls.front().stdin_data, "a.txt"));
  // claude runs outside the repository, without git's repository variables.
  CHECK(calls.front().cwd != f.repo);
  CHECK_FALSE(calls.front().env->get("GIT_INDEX_FILE"));
}

TEST_CASE("the same staged change is answered from the cache", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude", {exited(0, success("Add a second line"))});
  CHECK(f.hook() == 0);
  util::write_file_atomic(f.message_file, k_git_text);
  CHECK(f.hook() == 0);
  CHECK(f.file().starts_with("Add a second line\n"));
  CHECK(f.runner.calls().size() == 1);
}

TEST_CASE("a failed run leaves git's text and a note naming the class", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude",
                  {exited(1, R"({"type":"result","subtype":"success","is_error":true,)"
                             R"("api_error_status":401,"result":"Invalid API key · Fix external API key"})")});
  CHECK(f.hook() == 0);
  const std::string text = f.file();
  CHECK(text.starts_with("\n# cmtgen could not write a message (api-key-rejected):\n"));
  CHECK(text.ends_with(k_git_text.substr(1)));
}

TEST_CASE("a timed-out run is reported as timed-out", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude", {test::timed_out()});
  CHECK(f.hook() == 0);
  CHECK(util::contains(f.file(), "(timed-out)"));
}

TEST_CASE("without an editor a failure leaves the file exactly as git wrote it", "[hook]")
{
  HookFixture f;
  f.context.env.set("GIT_EDITOR", ":");
  util::write_file_atomic(f.message_file, "");
  f.runner.script("fake_claude", {exited(0, "not json")});
  CHECK(f.hook() == 0);
  CHECK(f.file().empty());
}

TEST_CASE("cmtgen.onError=abort stops the commit on a failure", "[hook]")
{
  HookFixture f;
  f.box.git(f.repo, {"config", "cmtgen.onError", "abort"});
  f.runner.script("fake_claude", {exited(1, "")});
  CHECK(f.hook() == 1);
}

TEST_CASE("an invalid setting is reported in the editor and claude is not run", "[hook]")
{
  HookFixture f;
  f.box.git(f.repo, {"config", "cmtgen.timeout", "90s"});
  f.runner.script("fake_claude", {exited(0, success("never used"))});
  CHECK(f.hook() == 0);
  CHECK(util::contains(f.file(), "(config)"));
  CHECK(util::contains(f.file(), "cmtgen.timeout"));
  CHECK(f.runner.calls().empty());
}

TEST_CASE("sources with a message, CMTGEN_SKIP and an empty change touch nothing", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude", {exited(0, success("never used"))});
  for (const char* source : {"message", "merge", "squash"}) {
    CHECK(f.hook(source) == 0);
  }
  f.context.env.set("CMTGEN_SKIP", "1");
  CHECK(f.hook() == 0);
  f.context.env.unset("CMTGEN_SKIP");
  f.box.git(f.repo, {"commit", "-q", "-m", "Commit the change"});
  util::write_file_atomic(f.message_file, k_git_text); // git's commit wrote its own
  CHECK(f.hook() == 0);
  CHECK(f.file() == k_git_text);
  CHECK(f.runner.calls().empty());
}

TEST_CASE("a reply line that git would strip is kept, and a NUL never reaches the file", "[hook]")
{
  HookFixture f;
  f.runner.script("fake_claude", {exited(0, success("Fix the parser\n\n#12 was the cause\\u0000."))});
  CHECK(f.hook() == 0);
  CHECK(f.file().starts_with("Fix the parser\n\n #12 was the cause.\n"));
}
