// `cmtgen hook <msg-file> [<source> [<sha>]]`: the prepare-commit-msg entry point. It runs
// on every commit, once per rebase pick, often with no terminal. It never breaks a commit
// unless cmtgen.onError=abort asks for that (DESIGN.md, "The hook, in one paragraph").
#include "backend/backend.hpp"
#include "commands/commands.hpp"
#include "error.hpp"
#include "message.hpp"
#include "runlog.hpp"
#include "util/deadline.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>

namespace cmtgen::commands {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Beyond cmtgen.timeout: the model call itself ends at the timeout (plus the runner's grace).
constexpr std::chrono::seconds k_deadline_margin{10};

// Sources for which git already has the message: -m/-F, merges, `merge --squash`, and
// -c/-C/--amend. Rebase picks, cherry-picks and reverts arrive as one of these too.
bool
has_message_already(std::string_view source)
{
  return source == "message" || source == "merge" || source == "squash";
}

// git exports GIT_EDITOR=: exactly when it will not open an editor (--no-edit, -m,
// sequencer picks). Then cleanup is "whitespace" and any comment line would be committed.
bool
editor_mode(const Context& context)
{
  const auto editor = context.env.get("GIT_EDITOR");
  return !(editor && util::trim(*editor) == ":");
}

// A rebase, cherry-pick or revert in progress replays commits: rewording one is the user's
// own choice of message.
bool
sequencer_in_progress(const git::Repository& repo)
{
  std::error_code ec;
  for (const char* name : {"rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "REVERT_HEAD", "sequencer"}) {
    if (fs::exists(repo.git_dir() / name, ec)) {
      return true;
    }
  }
  return false;
}

// `--amend` and `-c HEAD` reach the hook identically ("commit HEAD", editor mode). The
// git process that runs the hook knows which: look at its command line (Linux /proc; an
// ancestor a few levels up, the shim and shells sit in between). nullopt when unknown.
std::optional<bool>
git_was_asked_to_amend()
{
  pid_t pid = ::getppid();
  for (int level = 0; level < 6 && pid > 1; ++level) {
    const auto cmdline = util::read_file(fmt::format("/proc/{}/cmdline", pid), 1024 * 1024).take();
    const auto status = util::read_file(fmt::format("/proc/{}/status", pid), 64 * 1024).take();
    if (!cmdline || !status) {
      return std::nullopt;
    }
    const auto args = util::split(*cmdline, '\0');
    const std::string_view program = args.empty() ? "" : args.front();
    if (program == "git" || program.ends_with("/git")) {
      // git accepts any unambiguous prefix of a long option: --am, --ame, --amen, --amend.
      return std::any_of(args.begin() + 1, args.end(), [](std::string_view arg) {
        return arg.size() >= 4 && std::string_view("--amend").starts_with(arg);
      });
    }
    const auto ppid = status->find("\nPPid:");
    if (ppid == std::string::npos) {
      return std::nullopt;
    }
    pid = static_cast<pid_t>(std::atoi(status->c_str() + ppid + 6));
  }
  return std::nullopt;
}

class Hook
{
public:
  Hook(const Context& context, const HookArguments& arguments)
    : m_context(context)
    , m_args(arguments)
    , m_editor(editor_mode(context))
    , m_started(Clock::now())
  {
  }

  int run()
  {
    // The whole hook, not only the model call, ends on a deadline: the configured timeout is
    // not known before the config is read, so the default one holds until then.
    util::deadline::Scope deadline(Config{}.timeout + k_deadline_margin, deadline_line(Config{}.timeout), 0);
    if (has_message_already(m_args.source)) {
      return 0;
    }
    if (!m_args.source.empty() && m_args.source != "template" && m_args.source != "commit") {
      return 0; // a source this version does not know: leave it to git
    }
    if (skip_requested(m_context.env)) {
      return 0;
    }
    // --amend --no-edit, -C: the user asked to keep a message as it is.
    if (m_args.source == "commit" && !m_editor) {
      return 0;
    }

    // Setup failures (no repository, an invalid setting) take the same path as a failed
    // model call: the note in the editor, the stderr line, the run log, cmtgen.onError.
    std::optional<std::string> config_error;
    try {
      m_session.repo = open_repository(m_context, true);
      m_state = state_directory(*m_session.repo);
      util::log::to_file(m_state / "debug.log");
      ConfigReading reading = read_config(m_session.repo->config(config_prefixes()), m_context.env, {});
      m_session.config = std::move(reading.config);
      config_error = std::move(reading.error);
    } catch (const Error& e) {
      return fail_setup(e.failure(), e.what());
    } catch (const std::exception& e) {
      return fail_setup(Failure::internal, e.what());
    }
    util::deadline::arm(m_session.config.timeout + k_deadline_margin, deadline_line(m_session.config.timeout),
                        m_session.config.on_error == OnError::abort ? 1 : 0);
    CMTGEN_LOG("hook: file={} source={} commit={} editor={}", m_args.message_file, m_args.source, m_args.commit,
               m_editor);

    if (!m_session.config.enabled) {
      return 0;
    }
    const bool amend = m_args.source == "commit";
    if (amend) {
      // Only `--amend` (git passes "HEAD") and only when asked for; never while a
      // rebase/cherry-pick replays commits (a reword is the user writing a message).
      if (m_session.config.amend != AmendMode::regenerate || m_args.commit != "HEAD" ||
          sequencer_in_progress(*m_session.repo) || !git_was_asked_to_amend().value_or(true)) {
        return 0;
      }
    }
    if (config_error) {
      return fail_setup(Failure::config, *config_error);
    }

    try {
      return generate_message(amend);
    } catch (const Error& e) {
      return fail(e.failure(), e.what(), m_content);
    } catch (const std::exception& e) {
      return fail(Failure::internal, e.what(), m_content);
    }
  }

private:
  int generate_message(bool amend)
  {
    const Staged staged = read_staged(m_session, amend ? git::Base::head_parent : git::Base::head);
    if (staged.files.empty()) {
      // --allow-empty, a reword: nothing to describe.
      log("nothing-staged", "", "");
      return 0;
    }
    m_content = read_message_file();
    m_layout = message::analyze(*m_content, m_session.config.comment_char);
    m_comments = message::comments_are_stripped(m_editor, m_session.config.cleanup, m_layout);

    std::string previous;
    std::string rest = *m_content;
    if (amend) {
      auto [old_message, remainder] = message::split_amended(*m_content, m_layout.comment_char);
      previous = old_message;
      rest = std::move(remainder);
      if (m_comments && !util::trim(old_message).empty()) {
        rest = message::commented(fmt::format("cmtgen: the previous message was:\n{}", util::trim(old_message)),
                                  m_layout.comment_char) +
               rest;
      }
    }

    const prompt::Prompt prompt = make_prompt(m_session, staged, previous);
    backend::Generation generation = generate(m_context, m_session, prompt, staged, true);
    if (!generation.ok) {
      // An amended commit keeps its old message when no new one comes.
      return amend ? fail(generation.failure, generation.diagnosis, m_content) : fail_generation(generation, staged);
    }

    // git would drop the reply's lines that start with its comment character, and cut
    // the message at a line that looks like its scissors line.
    auto text = message::protect_lines(generation.messages.front(), m_layout.comment_char, m_comments);
    if (!text) {
      return fail(Failure::empty_reply,
                  fmt::format("the reply holds only lines that start with the comment character '{}', which git "
                              "would remove",
                              m_layout.comment_char),
                  m_content);
    }
    message::Insertion insertion;
    insertion.message = std::move(*text);
    insertion.alternatives.assign(generation.messages.begin() + 1, generation.messages.end());
    insertion.comments = m_comments;
    insertion.comment_char = m_layout.comment_char;
    write(message::compose(rest, insertion, m_args.source == "template"));
    log("written", "", fmt::format("{} {}", generation.backend, generation.model));
    return 0;
  }

  int fail_generation(const backend::Generation& generation, const Staged& staged)
  {
    const std::string diagnosis = util::strip_controls(generation.diagnosis);
    if (m_session.config.fallback == FallbackMode::offline) {
      backend::Request request;
      request.files = &staged.files;
      const auto draft = backend::make_offline_backend()->generate(request);
      if (draft.ok) {
        message::Insertion insertion;
        insertion.message =
          message::protect_lines(draft.messages.front(), m_layout.comment_char, m_comments).value_or("");
        insertion.comments = m_comments;
        insertion.comment_char = m_layout.comment_char;
        insertion.notes.push_back(fmt::format("cmtgen: {} failed ({}): {}",
                                              generation.backend.empty() ? "the model" : generation.backend,
                                              failure_name(generation.failure), diagnosis));
        insertion.notes.emplace_back("cmtgen: the message above is an offline draft from the file list, not a model's");
        write(message::insert(*m_content, insertion));
        fmt::print(stderr, "cmtgen: {}: {} (wrote an offline draft instead)\n", failure_name(generation.failure),
                   diagnosis);
        log("fallback", failure_name(generation.failure), diagnosis);
        // The commit has a message the user asked for as the fallback: nothing to abort.
        return 0;
      }
    }
    return fail(generation.failure, generation.diagnosis, m_content);
  }

  // A failure before the staged change was read: the message file is read only now, to
  // put the note in it (its own comment character and cleanup text tell where and whether).
  int fail_setup(Failure failure, const std::string& what)
  {
    try {
      m_content = read_message_file();
      m_layout = message::analyze(*m_content, m_session.config.comment_char);
      m_comments = message::comments_are_stripped(m_editor, m_session.config.cleanup, m_layout);
    } catch (const std::exception& e) {
      CMTGEN_LOG("message file unreadable: {}", e.what());
      m_content.reset();
    }
    return fail(failure, what, m_content);
  }

  // Fail open: the file stays as git wrote it (plus, in editor mode, comment lines that say
  // what happened), one line on stderr, a line in the run log; exit 0 unless
  // cmtgen.onError=abort.
  int fail(Failure failure, const std::string& raw_what, const std::optional<std::string>& content)
  {
    // The text may quote claude's or a command's own output: no escape sequence of theirs
    // reaches the terminal or the message file.
    const std::string what = util::strip_controls(raw_what);
    fmt::print(stderr, "cmtgen: {}: {}\n", failure_name(failure), what);
    const bool abort = m_session.repo && m_session.config.on_error == OnError::abort;
    if (content && m_comments) {
      try {
        write(message::insert_comments(
          *content, {fmt::format("cmtgen could not write a message ({}):", failure_name(failure)), what},
          m_layout.comment_char));
      } catch (const std::exception& e) {
        CMTGEN_LOG("cannot add the failure note: {}", e.what());
      }
    }
    log("failed", failure_name(failure), what);
    if (abort) {
      fmt::print(
        stderr,
        "cmtgen: stopping the commit (cmtgen.onError=abort); `CMTGEN_SKIP=1 git commit ...` skips cmtgen once\n");
      return 1;
    }
    return 0;
  }

  // With `git commit -v` the file holds the whole staged diff below the scissors line:
  // only the part above it is read, and the rest is kept on disk as it is.
  std::string read_message_file()
  {
    const fs::path path = m_context.cwd / m_args.message_file;
    const auto is_scissors = [](std::string_view line) {
      return line.size() > 1 && line.substr(1).starts_with(" -----") && util::contains(line, " >8 ");
    };
    auto head = util::read_file_head(path, 1024 * 1024, 64 * 1024 * 1024, is_scissors);
    if (!head) {
      throw Error(Failure::git, fmt::format("the message file {} does not exist", path.string()));
    }
    m_keep_from = head->rest();
    return std::move(head->text);
  }

  // In place, as git and editors write it: a symbolic link stays one, and a writable file
  // in a read-only directory can be written. The deadline waits for the write to end.
  void write(const std::string& content)
  {
    const util::deadline::Hold hold;
    util::write_file_in_place(m_context.cwd / m_args.message_file, content, m_keep_from);
    util::deadline::disarm();
  }

  static std::string deadline_line(std::chrono::seconds timeout)
  {
    return fmt::format("cmtgen: {}: the hook did not end within {} s (cmtgen.timeout + {} s); the message file "
                       "is as git wrote it",
                       failure_name(Failure::timed_out), timeout.count(), k_deadline_margin.count());
  }

  void log(std::string_view outcome, std::string_view failure, std::string_view detail)
  {
    if (m_state.empty()) {
      return;
    }
    runlog::Entry entry;
    entry.time = runlog::now_iso8601();
    entry.source = m_args.source.empty() ? "-" : m_args.source;
    entry.outcome = outcome;
    entry.failure = failure.empty() ? "-" : std::string(failure);
    entry.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started);
    entry.detail = detail;
    runlog::append(m_state, entry);
  }

  const Context& m_context;
  const HookArguments& m_args;
  bool m_editor;
  Clock::time_point m_started;
  Session m_session;
  fs::path m_state;
  std::optional<std::string> m_content;
  std::optional<std::uint64_t> m_keep_from; // where the bytes below the scissors line begin
  message::FileLayout m_layout;
  bool m_comments = false;
};

} // namespace

int
run_hook(const Context& context, const HookArguments& arguments)
{
  return Hook(context, arguments).run();
}

} // namespace cmtgen::commands
