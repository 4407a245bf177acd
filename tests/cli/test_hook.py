#!/usr/bin/env python3
"""End-to-end tests of the prepare-commit-msg hook: real git commits through the installed
shim, the fake model (tests/fake_claude) standing in for claude.

Every scenario asserts the final commit message (`git log -1 --format=%B`) and how many
times claude was called. GitBehaviourOnThisMachine re-measures the git facts the hook is
built on (docs/git-facts.md) with a plain dumping hook, without cmtgen.
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import CMTGEN, SCISSORS, HookScenario, main  # noqa: E402

REPLY = "Add the staged change"
CANDIDATES = ("Add the parser for config files\n"
              "=====\n"
              "Introduce a config file parser\n"
              "=====\n"
              "Parse INI-style configuration files")
PLEASE = "Please enter the commit message"
# An editor that types a line at the top of the file (above any scissors line).
TYPING_EDITOR = "f() { { printf 'typed\\n'; cat \"$1\"; } > \"$1.typed\" && mv \"$1.typed\" \"$1\"; }; f"

# A prepare-commit-msg hook that is not cmtgen: it records what git hands a hook.
DUMP_HOOK = r'''#!/usr/bin/env python3
import json, os, sys, time
out = DUMP_DIR
os.makedirs(out, exist_ok=True)
n = len([p for p in os.listdir(out) if p.endswith(".json")]) + 1
try:
    stdin_target = os.readlink("/proc/self/fd/0")
except OSError as e:
    stdin_target = "error: %s" % e
try:
    fd = os.open("/dev/tty", os.O_RDWR)
    os.close(fd)
    tty = True
except OSError:
    tty = False
msg = None
if len(sys.argv) > 1 and os.path.exists(sys.argv[1]):
    msg = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
record = {"argv": sys.argv[1:], "cwd": os.getcwd(), "stdin": stdin_target, "tty": tty,
          "env": {k: v for k, v in os.environ.items() if k.startswith("GIT_")},
          "message": msg, "time": time.time()}
with open(os.path.join(out, "hook-%04d.json" % n), "w") as f:
    json.dump(record, f)
if os.path.exists(os.path.join(out, "stdout")):
    print(open(os.path.join(out, "stdout")).read().strip())
if os.path.exists(os.path.join(out, "prepend")):
    old = open(sys.argv[1]).read()
    with open(sys.argv[1], "w") as f:
        f.write(open(os.path.join(out, "prepend")).read() + old)
if os.path.exists(os.path.join(out, "git-add")):
    import subprocess
    subprocess.run(["git", "add", "--", open(os.path.join(out, "git-add")).read().strip()])
if os.path.exists(os.path.join(out, "exit")):
    sys.exit(int(open(os.path.join(out, "exit")).read()))
'''


class HookCase(HookScenario):
    """Shared bits: the fake's reply, counting calls, reading the message git committed."""

    def setUp(self):
        super().setUp()
        self.env["FAKE_CLAUDE_REPLY"] = REPLY

    def assertCalls(self, n, msg=None):
        calls = self.claude_calls()
        self.assertEqual(len(calls), n, msg or f"claude was called {len(calls)} times, expected {n}: "
                                              f"{[c.get('argv') for c in calls]}")

    def assertNoCommentLines(self, text, char="#"):
        bad = [line for line in text.splitlines() if line.startswith(char)]
        self.assertEqual(bad, [], f"comment lines in {text!r}")

    def commit(self, repo, *args, env=None, check=True):
        return self.git(repo, "commit", *args, env=env, check=check)

    def set_editor(self, cmd):
        self.env["GIT_EDITOR"] = cmd

    def dump_hook(self, path, dump_dir):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DUMP_HOOK.replace("DUMP_DIR", repr(str(dump_dir))))
        path.chmod(0o755)

    def dumps(self, dump_dir):
        return [json.loads(p.read_text()) for p in sorted(Path(dump_dir).glob("hook-*.json"))]


# --- the common cases ---------------------------------------------------------------------


class PlainCommit(HookCase):

    def test_plain_commit_puts_the_message_above_gits_comments_and_calls_claude_once(self):
        repo = self.hooked_repo()
        self.stage(repo, {"src/parser.py": "def parse():\n    return 42\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        shown = seen.read_text()
        self.assertTrue(shown.startswith(REPLY + "\n\n# " + PLEASE), shown)
        self.assertIn("#\tnew file:   src/parser.py", shown)
        self.assertIn("src/parser.py", self.prompts()[0])
        self.assertIn("return 42", self.prompts()[0])

    def test_the_message_file_is_rewritten_in_place_not_replaced_by_rename(self):
        # As git and editors write it: the same inode, so a symbolic link or a hard link to
        # the file keeps working and a read-only directory is no obstacle.
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        msg = repo / ".git" / "COMMIT_EDITMSG"
        msg.write_text("old\n")
        before = msg.stat().st_ino
        result = self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG", env={"GIT_EDITOR": ":"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(msg.read_text(), REPLY + "\n\nold\n")
        self.assertEqual(msg.stat().st_ino, before)

    def test_commit_all_describes_the_tracked_changes_git_adds_and_not_untracked_files(self):
        repo = self.hooked_repo(files={"tracked.txt": "one\n", "README.md": "# r\n"})
        self.write(repo, {"tracked.txt": "one\ntwo-tracked-edit\n", "untracked-file.txt": "new\n"})
        self.commit(repo, "-a", "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        prompt = self.prompts()[0]
        self.assertIn("tracked.txt", prompt)
        self.assertIn("two-tracked-edit", prompt)
        self.assertNotIn("untracked-file.txt", prompt)
        self.assertEqual(self.files_in_commit(repo), ["tracked.txt"])

    def test_commit_with_paths_describes_only_those_paths(self):
        repo = self.hooked_repo()
        self.stage(repo, {"staged-but-left-out.txt": "left-out-content\n",
                          "committed-path.txt": "committed-content\n"})
        self.commit(repo, "--no-edit", "committed-path.txt")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        prompt = self.prompts()[0]
        self.assertIn("committed-path.txt", prompt)
        self.assertIn("committed-content", prompt)
        self.assertNotIn("staged-but-left-out", prompt)
        self.assertNotIn("left-out-content", prompt)
        self.assertEqual(self.files_in_commit(repo), ["committed-path.txt"])

    def test_commit_with_paths_describes_the_work_tree_version_of_those_paths(self):
        repo = self.hooked_repo(files={"f.txt": "base\n"})
        self.stage(repo, {"f.txt": "staged-version\n"})
        self.write(repo, {"f.txt": "worktree-version\n"})
        self.commit(repo, "--no-edit", "f.txt")
        self.assertCalls(1)
        self.assertIn("worktree-version", self.prompts()[0])
        self.assertNotIn("staged-version", self.prompts()[0])
        self.assertEqual(self.git(repo, "show", "HEAD:f.txt").stdout, "worktree-version\n")

    def test_commit_include_describes_the_staged_changes_and_the_included_paths(self):
        repo = self.hooked_repo(files={"included.txt": "v1\n", "README.md": "# r\n"})
        self.stage(repo, {"already-staged.txt": "staged-content\n"})
        self.write(repo, {"included.txt": "v1\nincluded-edit\n", "README.md": "# r\nnot-included-edit\n"})
        self.commit(repo, "--no-edit", "--include", "included.txt")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        prompt = self.prompts()[0]
        self.assertIn("already-staged.txt", prompt)
        self.assertIn("included-edit", prompt)
        self.assertNotIn("not-included-edit", prompt)
        self.assertEqual(self.files_in_commit(repo), ["already-staged.txt", "included.txt"])

    def test_commit_patch_describes_only_the_hunks_chosen(self):
        repo = self.hooked_repo(files={"numbers.txt": "".join(f"{i}\n" for i in range(1, 31))})
        lines = [f"{i}\n" for i in range(1, 31)]
        lines[1], lines[27] = "chosen-hunk\n", "declined-hunk\n"
        self.write(repo, {"numbers.txt": "".join(lines)})
        self.git(repo, "commit", "-p", "--no-edit", input="y\nn\n")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("chosen-hunk", self.prompts()[0])
        self.assertNotIn("declined-hunk", self.prompts()[0])

    def test_an_editor_from_core_editor_counts_as_editor_mode(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        editor, seen = self.editor_capture()
        self.git(repo, "config", "core.editor", editor)
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, env={"GIT_EDITOR": None})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertIn("# Introduce a config file parser", seen.read_text())
        self.assertCalls(1)

    def test_verbose_commit_puts_the_message_above_the_scissors_and_keeps_the_diff_out(self):
        repo = self.hooked_repo()
        self.stage(repo, {"lib.c": "int diff_marker_line = 1;\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-v", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        shown = seen.read_text()
        self.assertTrue(shown.startswith(REPLY + "\n"), shown)
        self.assertLess(shown.index(REPLY), shown.index(SCISSORS))
        self.assertIn("+int diff_marker_line = 1;", shown.split(SCISSORS, 1)[1])
        self.assertNotIn("diff_marker_line", self.message(repo))

    def test_commit_verbose_config_behaves_like_dash_v(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "commit.verbose", "true")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"lib.c": "int diff_marker_line = 1;\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        shown = seen.read_text()
        self.assertIn(SCISSORS, shown)
        # the alternatives are comment lines above the scissors, so git drops them
        self.assertLess(shown.index("Introduce a config file parser"), shown.index(SCISSORS))

    def test_no_edit_commits_exactly_the_message_without_any_comment_line(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        self.assertNoCommentLines(self.head_message(repo))

    def test_editor_mode_with_candidates_shows_the_alternatives_as_comment_lines(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        shown = seen.read_text()
        self.assertTrue(shown.startswith("Add the parser for config files\n#"), shown)
        self.assertIn("# Introduce a config file parser", shown)
        self.assertIn("# Parse INI-style configuration files", shown)

    def test_signoff_trailer_stays_below_the_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-s", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY + "\n\nSigned-off-by: Test User <test@example.com>")
        self.assertCalls(1)

    def test_signoff_with_no_edit_keeps_the_trailer_last(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "-s", "--no-edit")
        self.assertEqual(self.message(repo), REPLY + "\n\nSigned-off-by: Test User <test@example.com>")
        self.assertCalls(1)

    def test_trailer_option_stays_below_the_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-edit", "--trailer", "Reviewed-by: Someone <s@example.com>")
        self.assertEqual(self.message(repo), REPLY + "\n\nReviewed-by: Someone <s@example.com>")
        self.assertCalls(1)

    def test_nothing_staged_with_allow_empty_leaves_the_file_alone_and_calls_nobody(self):
        repo = self.hooked_repo()
        editor, seen = self.editor_writing("Typed by the user")
        self.commit(repo, "--allow-empty", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Typed by the user")
        self.assertCalls(0)
        self.assertTrue(seen.read_text().startswith("\n# " + PLEASE), seen.read_text())
        self.assertNotIn("cmtgen", seen.read_text())

    def test_nothing_staged_with_allow_empty_and_no_edit_leaves_git_to_abort(self):
        repo = self.hooked_repo()
        result = self.commit(repo, "--allow-empty", "--no-edit", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("empty commit message", result.stderr)
        self.assertEqual(self.commit_count(repo), 1)
        self.assertCalls(0)
        self.assertEqual((repo / ".git" / "COMMIT_EDITMSG").read_text(), "")

    def test_first_commit_on_an_unborn_branch(self):
        repo = self.root / "fresh"
        self.git(self.root, "init", "-q", str(repo))
        self.install(repo)
        self.stage(repo, {"first-file.txt": "hello\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.commit_count(repo), 1)
        self.assertCalls(1)
        self.assertIn("first-file.txt", self.prompts()[0])
        self.assertIn("\n# Initial commit\n", seen.read_text())

    def test_commit_on_a_detached_head(self):
        repo = self.hooked_repo()
        self.git(repo, "checkout", "-q", "--detach")
        self.stage(repo, {"detached.txt": "d\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("detached.txt", self.prompts()[0])
        self.assertIn("HEAD detached", seen.read_text())

    def test_commit_from_a_subdirectory(self):
        repo = self.hooked_repo(files={"pkg/deep/mod.py": "x = 1\n", "README.md": "# r\n"})
        sub = repo / "pkg" / "deep"
        self.write(repo, {"pkg/deep/mod.py": "x = 2\n", "pkg/deep/new.py": "y = 1\n"})
        self.git(sub, "add", "new.py")
        self.git(sub, "commit", "--no-edit", "mod.py", "new.py")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("pkg/deep/mod.py", self.prompts()[0])
        self.assertIn("pkg/deep/new.py", self.prompts()[0])
        self.assertEqual(self.files_in_commit(repo), ["pkg/deep/mod.py", "pkg/deep/new.py"])

    def test_no_verify_does_not_skip_the_hook(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-verify", "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_a_rename_reaches_the_prompt_as_a_rename(self):
        repo = self.hooked_repo(files={"old-name.txt": "".join(f"line {i}\n" for i in range(40))})
        self.git(repo, "mv", "old-name.txt", "new-name.txt")
        self.commit(repo, "--no-edit")
        self.assertCalls(1)
        prompt = self.prompts()[0]
        self.assertIn("old-name.txt", prompt)
        self.assertIn("new-name.txt", prompt)
        self.assertNotIn("line 17", prompt, "a pure rename should not be sent as a delete + add")

    def test_a_huge_staged_file_stays_within_the_prompt_budget(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.maxPromptBytes", "20000")
        big = "".join(f"row {i} of a very large generated file\n" for i in range(200_000))  # ~8 MB
        self.stage(repo, {"data/huge.txt": big, "small.txt": "small-change\n"})
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        call = self.model_calls()[0]
        sent = call["stdin_bytes"] + len((call.get("system_prompt") or "").encode())
        self.assertLessEqual(sent, 20000 + 4096, f"{sent} bytes sent")
        self.assertIn("data/huge.txt", call["stdin"])
        self.assertIn("small.txt", call["stdin"])

    def test_a_retried_commit_reuses_the_answer_for_the_same_staged_change(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        # The user quits the editor with an empty message: git aborts.
        empty = "f() { : > \"$1\"; }; f"
        self.assertNotEqual(self.commit(repo, env={"GIT_EDITOR": empty}, check=False).returncode, 0)
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)


class NoTerminal(HookCase):

    def test_setsid_commit_with_stdin_from_dev_null_finishes(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        env = dict(self.env)
        started = time.monotonic()
        result = subprocess.run(["setsid", "git", "commit", "--no-edit"], cwd=repo, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_setsid_commit_with_a_hanging_model_finishes_within_the_timeout(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.timeout", "2")
        self.stage(repo, {"a.txt": "a\n"})
        env = dict(self.env, FAKE_CLAUDE_MODE="hang")
        started = time.monotonic()
        result = subprocess.run(["setsid", "git", "commit", "--no-edit", "--allow-empty-message"], cwd=repo,
                                env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        elapsed = time.monotonic() - started
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLess(elapsed, 10)
        self.assertEqual(self.message(repo), "")
        self.assertCalls(1)

    def test_the_hook_never_reads_stdin(self):
        # stdin is a pipe nobody writes to or closes: reading it would hang forever.
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        (repo / ".git" / "COMMIT_EDITMSG").write_text("")
        proc = subprocess.Popen([CMTGEN, "hook", ".git/COMMIT_EDITMSG"], cwd=repo,
                                env=dict(self.env, GIT_EDITOR=":"), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.fail("cmtgen hook blocked with an open stdin")
        finally:
            if proc.stdin:
                proc.stdin.close()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual((repo / ".git" / "COMMIT_EDITMSG").read_text(), REPLY + "\n")
        self.assertCalls(1)


# --- sources that already have a message ---------------------------------------------------


class SourcesThatSkip(HookCase):
    """message, merge, squash and commit: exit 0 at once, no model call."""

    def diverged(self, conflict=False):
        repo = self.hooked_repo(files={"shared.txt": "base\n", "README.md": "# r\n"})
        self.git(repo, "checkout", "-q", "-b", "feature")
        self.write(repo, {"shared.txt": "feature side\n" if conflict else "base\n", "feature.txt": "f\n"})
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-q", "-m", "Feature work")
        self.git(repo, "checkout", "-q", "main")
        self.write(repo, {"shared.txt": "main side\n" if conflict else "base\n", "main.txt": "m\n"})
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-q", "-m", "Main work")
        self.assertCalls(0)
        return repo

    def test_dash_m_keeps_the_given_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "-m", "My own message")
        self.assertEqual(self.message(repo), "My own message")
        self.assertCalls(0)

    def test_dash_F_keeps_the_file_message(self):
        repo = self.hooked_repo()
        (self.root / "msg.txt").write_text("From a file\n\nWith a body\n")
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "-F", str(self.root / "msg.txt"))
        self.assertEqual(self.message(repo), "From a file\n\nWith a body")
        self.assertCalls(0)

    def test_dash_C_reuses_a_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "-C", "HEAD")
        self.assertEqual(self.message(repo), "Initial commit")
        self.assertEqual(self.commit_count(repo), 2)
        self.assertCalls(0)

    def test_dash_c_with_an_editor_keeps_the_reused_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "-m", "Second")
        self.stage(repo, {"b.txt": "b\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-c", "HEAD~1", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Initial commit")
        self.assertCalls(0)

    def test_amend_keeps_the_old_message_by_default(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "--amend", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Initial commit")
        self.assertEqual(self.commit_count(repo), 1)
        self.assertCalls(0)
        self.assertTrue(seen.read_text().startswith("Initial commit\n"))

    def test_fixup_commit_keeps_gits_fixup_subject(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--fixup", "HEAD")
        self.assertEqual(self.message(repo), "fixup! Initial commit")
        self.assertCalls(0)

    def test_squash_commit_keeps_gits_squash_subject(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "--squash", "HEAD", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "squash! Initial commit")
        self.assertCalls(0)

    def test_clean_merge_keeps_gits_merge_message(self):
        repo = self.diverged()
        self.git(repo, "merge", "--no-ff", "feature")
        self.assertEqual(self.message(repo), "Merge branch 'feature'")
        self.assertCalls(0)

    def test_clean_merge_with_edit_keeps_gits_merge_message(self):
        repo = self.diverged()
        editor, seen = self.editor_capture()
        self.git(repo, "merge", "--edit", "--no-ff", "feature", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Merge branch 'feature'")
        self.assertCalls(0)
        self.assertNotIn("cmtgen", seen.read_text())

    def test_conflicted_merge_resolved_and_committed_keeps_gits_merge_message(self):
        repo = self.diverged(conflict=True)
        self.assertNotEqual(self.git(repo, "merge", "feature", check=False).returncode, 0)
        self.write(repo, {"shared.txt": "resolved\n"})
        self.git(repo, "add", "shared.txt")
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertTrue(self.message(repo).startswith("Merge branch 'feature'"), self.message(repo))
        self.assertNotIn("cmtgen", self.message(repo))
        self.assertEqual(len(self.git(repo, "log", "-1", "--format=%P").stdout.split()), 2)
        self.assertCalls(0)

    def test_conflicted_merge_committed_with_no_edit_keeps_gits_merge_message(self):
        repo = self.diverged(conflict=True)
        self.git(repo, "merge", "feature", check=False)
        self.write(repo, {"shared.txt": "resolved\n"})
        self.git(repo, "add", "shared.txt")
        self.commit(repo, "--no-edit")
        self.assertTrue(self.message(repo).startswith("Merge branch 'feature'"), self.message(repo))
        self.assertCalls(0)

    def test_merge_squash_then_commit_keeps_gits_squash_message(self):
        repo = self.diverged()
        self.git(repo, "merge", "--squash", "feature")
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertTrue(self.message(repo).startswith("Squashed commit of the following:"), self.message(repo))
        self.assertIn("Feature work", self.message(repo))
        self.assertCalls(0)

    def test_cherry_pick_keeps_the_picked_message(self):
        repo = self.diverged()
        self.git(repo, "cherry-pick", "feature")
        self.assertEqual(self.message(repo), "Feature work")
        self.assertCalls(0)

    def test_conflicted_cherry_pick_resolved_and_committed_keeps_the_picked_message(self):
        repo = self.diverged(conflict=True)
        self.assertNotEqual(self.git(repo, "cherry-pick", "feature", check=False).returncode, 0)
        self.write(repo, {"shared.txt": "resolved\n"})
        self.git(repo, "add", "shared.txt")
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo).splitlines()[0], "Feature work")
        self.assertCalls(0)

    def test_cherry_pick_with_edit_keeps_the_picked_message(self):
        repo = self.diverged()
        editor, seen = self.editor_capture()
        self.git(repo, "cherry-pick", "-e", "feature", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Feature work")
        self.assertCalls(0)

    def test_revert_keeps_gits_revert_message(self):
        repo = self.diverged()
        self.git(repo, "revert", "--no-edit", "HEAD")
        self.assertTrue(self.message(repo).startswith('Revert "Main work"'), self.message(repo))
        self.assertCalls(0)

    def test_revert_with_edit_keeps_gits_revert_message(self):
        repo = self.diverged()
        editor, seen = self.editor_capture()
        self.git(repo, "revert", "--edit", "HEAD", env={"GIT_EDITOR": editor})
        self.assertTrue(self.message(repo).startswith('Revert "Main work"'), self.message(repo))
        self.assertCalls(0)

    def rebase_repo(self):
        """main with 6 commits on top of the initial one, the hook chained to a recorder."""
        repo = self.make_repo()
        dump = self.root / "hook-runs"
        self.dump_hook(self.hooks_dir(repo) / "prepare-commit-msg", dump)
        self.install(repo)
        for i in range(1, 7):
            self.write(repo, {f"step{i}.txt": f"{i}\n"})
            self.git(repo, "add", "-A")
            self.git(repo, "commit", "-q", "-m", f"Step {i}")
        self.assertCalls(0)
        for p in dump.glob("hook-*.json"):
            p.unlink()
        return repo, dump

    def test_interactive_rebase_with_many_picks_and_a_reword_never_calls_claude(self):
        repo, dump = self.rebase_repo()
        reword = "f() { printf 'Reworded by the user\\n' > \"$1\"; }; f"
        self.git(repo, "rebase", "-i", "--force-rebase", "HEAD~6", env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '3s/^pick/reword/'",
            "GIT_EDITOR": reword})
        subjects = self.git(repo, "log", "--format=%s", "-7").stdout.splitlines()
        self.assertEqual(subjects, ["Step 6", "Step 5", "Step 4", "Reworded by the user", "Step 2", "Step 1",
                                    "Initial commit"])
        self.assertCalls(0)
        # git 2.39.5 runs the hook once per pick ("message") and a second time for the
        # reword ("commit HEAD", with the editor): 7 runs, all skipped by cmtgen.
        runs = self.dumps(dump)
        self.assertEqual([r["argv"][1:] for r in runs], [["message"]] * 3 + [["commit", "HEAD"]] + [["message"]] * 3)

    def test_rebase_reword_is_skipped_even_with_amend_regenerate(self):
        repo, dump = self.rebase_repo()
        self.git(repo, "config", "cmtgen.amend", "regenerate")
        editor, seen = self.editor_writing("Reworded by the user")
        self.git(repo, "rebase", "-i", "HEAD~2", env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/reword/'", "GIT_EDITOR": editor})
        self.assertEqual(self.message(repo, "HEAD~1").splitlines()[0], "Reworded by the user")
        self.assertEqual(self.message(repo), "Step 6")
        self.assertNotIn("cmtgen", seen.read_text())
        self.assertCalls(0)

    def test_the_skip_path_reads_no_repository(self):
        # Run from a directory that is no repository at all, with a GIT_DIR that does not exist.
        empty = self.root / "not-a-repo"
        empty.mkdir()
        (empty / "msg").write_text("Given message\n")
        for source in ("message", "merge", "squash"):
            with self.subTest(source=source):
                result = self.cmtgen(empty, "hook", "msg", source, "HEAD",
                                     env={"GIT_DIR": str(self.root / "missing.git")})
                self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""))
                self.assertEqual((empty / "msg").read_text(), "Given message\n")
        self.assertCalls(0)

    def test_an_amend_is_skipped_silently_by_default(self):
        repo = self.hooked_repo()
        (repo / "msg").write_text("Old\n")
        result = self.cmtgen(repo, "hook", "msg", "commit", "HEAD", env={"GIT_EDITOR": "true"})
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""))
        self.assertEqual((repo / "msg").read_text(), "Old\n")
        self.assertCalls(0)

    def test_the_skip_path_reads_no_repository(self):
        # What keeps a long rebase fast (scripts/bench measures it): for a message source the
        # hook returns before it opens anything, even where no repository could be opened.
        outside = self.root / "not-a-repository"
        outside.mkdir()
        (outside / "msg").write_text("m\n")
        for source in ("message", "merge", "squash"):
            result = self.cmtgen(outside, "hook", "msg", source, env={"GIT_DIR": str(outside / "missing")})
            self.assertEqual((result.returncode, result.stderr), (0, ""))
        self.assertEqual((outside / "msg").read_text(), "m\n")
        self.assertEqual(sorted(p.name for p in outside.iterdir()), ["msg"])


class AmendRegenerate(HookCase):

    def amended_repo(self):
        repo = self.hooked_repo(files={"core.txt": "core\n"})
        self.git(repo, "config", "cmtgen.amend", "regenerate")
        self.stage(repo, {"in-head.txt": "head-change-content\n"})
        self.commit(repo, "-m", "Old message of HEAD")
        self.stage(repo, {"amended-in.txt": "amend-change-content\n"})
        return repo

    def test_amend_in_editor_mode_regenerates_from_heads_parent_and_keeps_the_old_message_as_comments(self):
        repo = self.amended_repo()
        editor, seen = self.editor_capture()
        self.commit(repo, "--amend", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.commit_count(repo), 2)
        self.assertCalls(1)
        prompt = self.prompts()[0]
        self.assertIn("in-head.txt", prompt, "the base is HEAD's parent")
        self.assertIn("amended-in.txt", prompt)
        self.assertIn("Old message of HEAD", prompt, "the old message is sent as context")
        shown = seen.read_text()
        self.assertTrue(shown.startswith(REPLY + "\n"), shown)
        old_lines = [line for line in shown.splitlines() if "Old message of HEAD" in line]
        self.assertTrue(old_lines and all(line.startswith("#") for line in old_lines), shown)

    def test_amend_regenerate_of_a_root_commit_describes_everything(self):
        repo = self.root / "rootrepo"
        self.git(self.root, "init", "-q", str(repo))
        self.install(repo)
        self.git(repo, "config", "cmtgen.amend", "regenerate")
        self.stage(repo, {"root-file.txt": "r\n"})
        self.commit(repo, "-m", "Root")
        self.stage(repo, {"second-file.txt": "s\n"})
        self.commit(repo, "--amend", env={"GIT_EDITOR": "true"})
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.commit_count(repo), 1)
        self.assertCalls(1)
        self.assertIn("root-file.txt", self.prompts()[0])
        self.assertIn("second-file.txt", self.prompts()[0])

    # `git commit -c HEAD` reaches the hook exactly like `--amend` ("commit HEAD", editor
    # mode); cmtgen tells them apart from the command line of the git process.
    def test_reuse_of_heads_message_with_dash_c_is_not_taken_for_an_amend(self):
        repo = self.amended_repo()
        editor, seen = self.editor_capture()
        self.commit(repo, "-c", "HEAD", env={"GIT_EDITOR": editor})
        self.assertEqual(self.commit_count(repo), 3)
        for prompt in self.prompts():
            self.assertNotIn("in-head.txt", prompt, "HEAD's change is not part of the new commit")
        self.assertCalls(0)

    def test_amend_no_edit_still_keeps_the_old_message(self):
        repo = self.amended_repo()
        self.commit(repo, "--amend", "--no-edit")
        self.assertEqual(self.message(repo), "Old message of HEAD")
        self.assertCalls(0)

    def test_reuse_of_another_commits_message_still_skips(self):
        repo = self.amended_repo()
        editor, seen = self.editor_capture()
        self.commit(repo, "-c", "HEAD~1", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Initial commit")
        self.commit(repo, "--allow-empty", "-C", "HEAD~1")
        self.assertEqual(self.message(repo), "Old message of HEAD")
        self.assertCalls(0)

    def test_amend_regenerate_failure_keeps_the_old_message(self):
        repo = self.amended_repo()
        editor, seen = self.editor_capture()
        result = self.commit(repo, "--amend", env={"GIT_EDITOR": editor, "FAKE_CLAUDE_MODE": "exit-1"})
        self.assertEqual(self.message(repo), "Old message of HEAD")
        self.assertCalls(1)
        self.assertEqual(len(self.cmtgen_lines(result.stderr)), 1, result.stderr)


# --- configuration that changes what is written ---------------------------------------------


class TemplatesAndCommentCharacters(HookCase):

    def test_commit_template_without_placeholders_is_kept_below_the_message(self):
        repo = self.hooked_repo()
        tpl = self.root / "template.txt"
        tpl.write_text("\nTicket: ABC-123\n# Remember to reference the ticket\n")
        self.git(repo, "config", "commit.template", str(tpl))
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), REPLY + "\n\nTicket: ABC-123")
        self.assertCalls(1)
        self.assertIn("# Remember to reference the ticket", seen.read_text())

    def test_commit_template_with_no_edit_keeps_the_template_text(self):
        repo = self.hooked_repo()
        tpl = self.root / "template.txt"
        tpl.write_text("Ticket: ABC-123\n")
        self.git(repo, "config", "commit.template", str(tpl))
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY + "\n\nTicket: ABC-123")
        self.assertCalls(1)

    def test_commit_template_with_placeholders_gets_them_filled(self):
        repo = self.hooked_repo()
        tpl = self.root / "template.txt"
        tpl.write_text("JIRA-7: <subject>\n\n<body>\n\nReviewed-by: nobody\n")
        self.git(repo, "config", "commit.template", str(tpl))
        self.env["FAKE_CLAUDE_REPLY"] = "Add the config parser\n\nIt reads INI files."
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo),
                         "JIRA-7: Add the config parser\n\nIt reads INI files.\n\nReviewed-by: nobody")
        self.assertCalls(1)

    def test_template_option_with_placeholders_and_no_body_leaves_no_placeholder(self):
        repo = self.hooked_repo()
        tpl = self.root / "template.txt"
        tpl.write_text("[area] <summary>\n\n<body>\n")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-t", str(tpl), env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "[area] " + REPLY)
        self.assertCalls(1)

    def test_semicolon_comment_char_is_used_for_the_alternatives(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "core.commentChar", ";")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        self.assertIn("; Introduce a config file parser", seen.read_text())
        self.assertNotIn("# Introduce", seen.read_text())

    def test_auto_comment_char_is_read_from_the_file(self):
        # A template line starting with '#' makes git pick another comment character.
        repo = self.hooked_repo()
        self.git(repo, "config", "core.commentChar", "auto")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        tpl = self.root / "template.txt"
        tpl.write_text("#42 is the ticket\n")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-t", str(tpl), env={"GIT_EDITOR": editor})
        shown = seen.read_text()
        chosen = [line[0] for line in shown.splitlines() if PLEASE in line][0]
        self.assertNotEqual(chosen, "#")
        self.assertIn(f"{chosen} Introduce a config file parser", shown)
        self.assertEqual(self.message(repo), "Add the parser for config files\n\n#42 is the ticket")
        self.assertCalls(1)

    def test_auto_comment_char_with_a_translated_git(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "core.commentChar", "auto")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        tpl = self.root / "template.txt"
        tpl.write_text("#42 is the ticket\n")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-t", str(tpl), env={"GIT_EDITOR": editor, "LANGUAGE": "de"})
        self.assertNotIn(PLEASE, seen.read_text(), "git speaks German here")
        self.assertEqual(self.message(repo), "Add the parser for config files\n\n#42 is the ticket")
        self.assertCalls(1)

    def test_translated_git_with_the_default_comment_char(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "-v", env={"GIT_EDITOR": editor, "LANGUAGE": "de"})
        self.assertNotIn(PLEASE, seen.read_text(), "git speaks German here")
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)

    def test_auto_comment_char_during_a_failure_note(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "core.commentChar", "auto")
        tpl = self.root / "template.txt"
        tpl.write_text("#42 is the ticket\n")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_writing("Typed")
        self.commit(repo, "-t", str(tpl), env={"GIT_EDITOR": editor, "FAKE_CLAUDE_MODE": "exit-1"})
        self.assertEqual(self.message(repo), "Typed\n#42 is the ticket")
        self.assertCalls(1)

    def test_comment_char_given_with_git_dash_c_is_honoured(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.git(repo, "-c", "core.commentChar=%", "commit", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        self.assertIn("% Introduce a config file parser", seen.read_text())

    def test_comment_char_given_with_git_dash_c_and_no_status_block(self):
        # commit.status=false: the file has no git comment line to read the character from.
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.git(repo, "config", "commit.status", "false")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.git(repo, "-c", "core.commentChar=%", "commit", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)

    def test_commit_status_false_still_counts_as_editor_mode(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "commit.status", "false")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertIn("Introduce a config file parser", seen.read_text(), "alternatives shown to the editor")
        self.assertCalls(1)

    def test_cleanup_modes_that_keep_comments_get_no_comment_lines(self):
        for mode in ("scissors", "verbatim", "whitespace"):
            with self.subTest(cleanup=mode):
                repo = self.hooked_repo(f"repo-{mode}")
                self.git(repo, "config", "commit.cleanup", mode)
                self.git(repo, "config", "cmtgen.candidates", "3")
                self.stage(repo, {f"{mode}.txt": "a\n"})
                before = len(self.claude_calls())
                editor, seen = self.editor_capture(f"saw-{mode}")
                self.commit(repo, env={"GIT_EDITOR": editor, "FAKE_CLAUDE_REPLY": CANDIDATES})
                self.assertEqual(len(self.claude_calls()), before + 1)
                committed = self.message(repo)
                self.assertTrue(committed.startswith("Add the parser for config files"), committed)
                self.assertNotIn("Introduce a config file parser", committed)
                self.assertNotIn("cmtgen", committed)

    def test_cleanup_scissors_commits_exactly_the_message(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "commit.cleanup", "scissors")
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Add the parser for config files")
        self.assertCalls(1)
        self.assertIn(SCISSORS, seen.read_text())

    def test_cleanup_given_with_git_dash_c_is_honoured(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.git(repo, "-c", "commit.cleanup=verbatim", "commit", env={"GIT_EDITOR": editor})
        committed = self.message(repo)
        self.assertCalls(1)
        self.assertTrue(committed.startswith("Add the parser for config files"), committed)
        self.assertNotIn("Introduce a config file parser", committed)

    def test_cleanup_given_on_the_command_line_is_honoured(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.candidates", "3")
        self.env["FAKE_CLAUDE_REPLY"] = CANDIDATES
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, "--cleanup=verbatim", env={"GIT_EDITOR": editor})
        committed = self.message(repo)
        self.assertCalls(1)
        self.assertTrue(committed.startswith("Add the parser for config files"), committed)
        self.assertNotIn("Introduce a config file parser", committed)


# --- where the repository is and how it is stored -----------------------------------------


class RepositoryLayouts(HookCase):

    def test_linked_worktree_uses_the_common_hook_and_its_own_index(self):
        repo = self.make_repo()
        wt = self.root / "wt"
        self.git(repo, "worktree", "add", "-q", "-b", "wt-branch", str(wt))
        result = self.install(wt)
        common_hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        self.assertIn(str(common_hook), result.stdout)
        self.assertTrue(common_hook.exists())
        self.assertFalse((repo / ".git" / "worktrees" / "wt" / "hooks").exists())
        self.stage(repo, {"main-only.txt": "m\n"})  # staged in the main worktree, not in wt
        self.stage(wt, {"wt-file.txt": "w\n"})
        editor, seen = self.editor_capture()
        self.commit(wt, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(wt), REPLY)
        self.assertCalls(1)
        self.assertIn("wt-file.txt", self.prompts()[0])
        self.assertNotIn("main-only.txt", self.prompts()[0])
        self.assertEqual(self.runs_log(wt)[-1][2], "written")
        self.assertTrue((repo / ".git" / "cmtgen" / "runs.log").exists())
        self.write(wt, {"wt-file.txt": "changed-in-wt\n"})
        self.commit(wt, "-a", "--no-edit")
        self.assertEqual(self.message(wt), REPLY)
        self.assertCalls(2)
        self.assertIn("changed-in-wt", self.prompts()[1])
        self.assertNotIn("main-only.txt", self.prompts()[1])

    def test_submodule_commit_inside_the_submodule(self):
        lib = self.make_repo("lib", {"lib.c": "int lib;\n"})
        repo = self.make_repo("super")
        self.git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "lib")
        self.git(repo, "commit", "-q", "-m", "Add lib", env={"CMTGEN_SKIP": "1"})
        sub = repo / "lib"
        result = self.install(sub)
        hook = repo / ".git" / "modules" / "lib" / "hooks" / "prepare-commit-msg"
        self.assertIn(str(hook), result.stdout)
        self.assertTrue(hook.exists())
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.stage(sub, {"sub-change.c": "int sub;\n"})
        editor, seen = self.editor_capture()
        self.commit(sub, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(sub), REPLY)
        self.assertEqual(self.message(repo), "Add lib")
        self.assertCalls(1)
        self.assertIn("sub-change.c", self.prompts()[0])

    def test_superproject_commit_of_a_submodule_bump(self):
        lib = self.make_repo("lib", {"lib.c": "int lib;\n"})
        repo = self.make_repo("super")
        self.git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "lib")
        self.git(repo, "commit", "-q", "-m", "Add lib", env={"CMTGEN_SKIP": "1"})
        self.install(repo)
        self.stage(repo / "lib", {"more.c": "int more;\n"})
        self.git(repo / "lib", "commit", "-q", "-m", "More in lib", env={"CMTGEN_SKIP": "1"})
        self.git(repo, "add", "lib")
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("lib", self.prompts()[0])

    def test_git_dir_and_work_tree_options(self):
        repo = self.hooked_repo()
        self.write(repo, {"outside.txt": "o\n"})
        elsewhere = self.root / "elsewhere"
        elsewhere.mkdir()
        gd = ["--git-dir", str(repo / ".git"), "--work-tree", str(repo)]
        self.git(elsewhere, *gd, "add", "outside.txt")
        self.git(elsewhere, *gd, "commit", "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("outside.txt", self.prompts()[0])

    def test_git_dir_and_work_tree_in_the_environment_with_commit_all(self):
        repo = self.hooked_repo(files={"tracked.txt": "1\n"})
        self.write(repo, {"tracked.txt": "2\n"})
        elsewhere = self.root / "elsewhere"
        elsewhere.mkdir()
        env = {"GIT_DIR": str(repo / ".git"), "GIT_WORK_TREE": str(repo)}
        self.git(elsewhere, "commit", "-a", "--no-edit", env=env)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("tracked.txt", self.prompts()[0])

    def test_bare_dotfiles_repository_with_home_as_work_tree(self):
        dotfiles = self.home / ".dotfiles"
        self.git(self.home, "init", "-q", "--bare", str(dotfiles))
        cfg = ["--git-dir", str(dotfiles), "--work-tree", str(self.home)]
        self.git(self.home, *cfg, "config", "status.showUntrackedFiles", "no")
        env = {"GIT_DIR": str(dotfiles), "GIT_WORK_TREE": str(self.home)}
        result = self.install(self.home, env=env)
        self.assertTrue((dotfiles / "hooks" / "prepare-commit-msg").exists(), result.stdout)
        self.write(self.home, {".bashrc": "export EDITOR=vi\n"})
        self.git(self.home, *cfg, "add", ".bashrc")
        self.git(self.home, *cfg, "commit", "--no-edit")
        self.write(self.home, {".vimrc": "set number\n"})
        self.git(self.home / ".dotfiles", *cfg, "add", str(self.home / ".vimrc"))
        editor, seen = self.editor_capture()
        self.git(self.home, *cfg, "commit", env={"GIT_EDITOR": editor})
        log = self.git(self.home, *cfg, "log", "--format=%s").stdout.splitlines()
        self.assertEqual(log, [REPLY, REPLY])
        self.assertCalls(2)
        self.assertIn(".bashrc", self.prompts()[0])
        self.assertIn(".vimrc", self.prompts()[1])
        self.assertNotIn(".bashrc", self.prompts()[1].split("<diff>")[-1])

    def test_separate_git_dir(self):
        repo = self.root / "sep"
        gitdir = self.root / "sep.git"
        self.git(self.root, "init", "-q", "--separate-git-dir", str(gitdir), str(repo))
        self.install(repo)
        self.assertTrue((gitdir / "hooks" / "prepare-commit-msg").exists())
        self.stage(repo, {"sep-file.txt": "s\n"})
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("sep-file.txt", self.prompts()[0])

    def test_split_index(self):
        repo = self.hooked_repo(files={"tracked.txt": "1\n", "README.md": "# r\n"})
        self.git(repo, "config", "core.splitIndex", "true")
        self.git(repo, "update-index", "--split-index")
        self.stage(repo, {"split-new.txt": "split-content\n"})
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.write(repo, {"tracked.txt": "2\n"})
        self.commit(repo, "-a", "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(2)
        self.assertIn("split-new.txt", self.prompts()[0])
        self.assertNotIn("README.md", self.prompts()[0].split("Files changed")[-1])
        self.assertIn("tracked.txt", self.prompts()[1])
        self.assertNotIn("split-new.txt", self.prompts()[1].split("Files changed")[-1])

    def test_sha256_repository(self):
        repo = self.root / "sha256"
        self.git(self.root, "init", "-q", "--object-format=sha256", str(repo))
        self.install(repo)
        self.stage(repo, {"first.txt": "1\n"})
        self.commit(repo, "--no-edit")
        self.stage(repo, {"second.txt": "2\n"})
        editor, seen = self.editor_capture()
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.git(repo, "log", "--format=%s").stdout.splitlines(), [REPLY, REPLY])
        self.assertCalls(2)
        self.assertIn("first.txt", self.prompts()[0])
        self.assertIn("second.txt", self.prompts()[1])
        self.assertNotIn("first.txt", self.prompts()[1].split("Files changed")[-1])

    @unittest.skipUnless(hasattr(os, "geteuid") and os.geteuid() == 0, "needs root to chown the repository to nobody")
    def test_repository_owned_by_another_user_with_safe_directory_star(self):
        repo = self.hooked_repo()
        self.stage(repo, {"owned.txt": "o\n"})
        subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
        self.git(repo, "config", "--global", "safe.directory", "*")
        self.commit(repo, "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertIn("owned.txt", self.prompts()[0])

    def test_typechange_reaches_the_prompt(self):
        repo = self.hooked_repo(files={"link-or-file": "plain file\n", "README.md": "# r\n"})
        (repo / "link-or-file").unlink()
        (repo / "link-or-file").symlink_to("README.md")
        self.commit(repo, "-a", "--no-edit")
        self.assertCalls(1)
        self.assertIn("link-or-file", self.prompts()[0])

    def test_the_hook_does_not_touch_the_index(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        index = repo / ".git" / "index"
        before = (index.read_bytes(), index.stat().st_mtime_ns)
        (repo / ".git" / "COMMIT_EDITMSG").write_text("")
        self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG", env={"GIT_EDITOR": ":", "GIT_INDEX_FILE": ".git/index"})
        self.assertEqual((index.read_bytes(), index.stat().st_mtime_ns), before)
        self.assertCalls(1)

    def test_a_missing_index_file_is_not_described_as_deleting_everything(self):
        repo = self.hooked_repo(files={"keep-me.txt": "k\n", "README.md": "# r\n"})
        msg = repo / ".git" / "COMMIT_EDITMSG"
        msg.write_text("")
        result = self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG",
                             env={"GIT_EDITOR": ":", "GIT_INDEX_FILE": str(repo / ".git" / "no-such-index")})
        # Found while writing this suite (the fallback to `git diff --cached` read the missing
        # index as empty and sent every file as deleted); now a git failure, failing open.
        self.assertEqual(result.returncode, 0)
        for prompt in self.prompts():
            self.assertNotIn("D keep-me.txt", prompt)
        self.assertCalls(0)
        self.assertEqual(msg.read_text(), "")
        lines = self.cmtgen_lines(result.stderr)
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("no-such-index", lines[0])


# --- failures never block the commit -------------------------------------------------------


# One failure per outcome the hook must produce; which class each fake mode maps to is
# covered by the unit tests of the classifier (test_backend.cpp) and by test_backends.py.
FAILURES = {
    # fake mode -> failure class cmtgen must name
    "exit-1": "backend-failed",           # a failed run: note or untouched file
    "missing": "claude-not-found",        # no run at all
    "sigterm-ignored": "timed-out",       # the deadline, down to SIGKILL
    "api-key-rejected": "api-key-rejected",  # a credential failure names the credential
}


class Failures(HookCase):

    def failing_repo(self, name, mode):
        repo = self.hooked_repo(name)
        self.git(repo, "config", "cmtgen.timeout", "2")
        self.stage(repo, {f"{name}.txt": "content\n"})
        env = {"CMTGEN_CLAUDE": "/nonexistent/claude"} if mode == "missing" else {"FAKE_CLAUDE_MODE": mode}
        return repo, env

    def check_editor_mode(self, modes):
        for mode, failure in modes.items():
            with self.subTest(mode=mode):
                repo, env = self.failing_repo(f"editor-{mode}", mode)
                before = len(self.claude_calls())
                editor, seen = self.editor_writing("Typed by the user", f"saw-{mode}")
                started = time.monotonic()
                result = self.commit(repo, env=dict(env, GIT_EDITOR=editor), check=False)
                elapsed = time.monotonic() - started
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(self.message(repo), "Typed by the user")
                self.assertEqual(len(self.claude_calls()) - before, 0 if mode == "missing" else 1)
                lines = self.cmtgen_lines(result.stderr)
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(failure, lines[0])
                shown = seen.read_text()
                self.assertTrue(shown.startswith("\n"), shown)
                notes = [line for line in shown.splitlines() if line.startswith("#") and "cmtgen" in line]
                self.assertTrue(any(failure in line for line in notes), shown)
                block = shown.split("\n# " + PLEASE)[0].strip("\n").splitlines()
                self.assertGreaterEqual(len(block), 2, f"a class line and a fix line: {shown!r}")
                self.assertTrue(all(line.startswith("#") for line in block), shown)
                self.assertLess(elapsed, 15)
                log = self.runs_log(repo)
                self.assertEqual(len(log[-1]), 6, log)
                self.assertEqual(log[-1][1:4], ["-", "failed", failure])

    def check_no_edit_mode(self, modes):
        for mode, failure in modes.items():
            with self.subTest(mode=mode):
                repo, env = self.failing_repo(f"noedit-{mode}", mode)
                before = len(self.claude_calls())
                result = self.commit(repo, "--no-edit", env=env, check=False)
                # cmtgen leaves the empty file alone; git then refuses the empty message.
                self.assertEqual(result.returncode, 1)
                self.assertIn("Aborting commit due to empty commit message", result.stderr)
                self.assertEqual(self.commit_count(repo), 1)
                self.assertEqual((repo / ".git" / "COMMIT_EDITMSG").read_text(), "")
                self.assertEqual(len(self.claude_calls()) - before, 0 if mode == "missing" else 1)
                lines = self.cmtgen_lines(result.stderr)
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(failure, lines[0])
                self.assertEqual(self.runs_log(repo)[-1][2:4], ["failed", failure])

    def test_each_failure_in_editor_mode_leaves_a_note_and_lets_the_user_commit(self):
        self.check_editor_mode(FAILURES)

    def test_each_failure_with_no_edit_leaves_the_file_untouched(self):
        self.check_no_edit_mode(FAILURES)

    def test_a_hanging_grandchild_is_killed_with_its_parent(self):
        repo, env = self.failing_repo("grandchild", "hang-grandchild")
        self.commit(repo, "--no-edit", "--allow-empty-message", env=env, check=False)
        calls = self.model_calls()
        self.assertEqual(len(calls), 1)
        pid = calls[0].get("grandchild_pid")
        self.assertTrue(pid)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}/status").exists() else ""
            if "State:\tZ" in status:
                break
            time.sleep(0.1)
        alive = Path(f"/proc/{pid}/status").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
        if alive:
            os.kill(pid, signal.SIGKILL)
        self.assertFalse(alive, "the grandchild outlived the hook")

    def test_with_signoff_and_no_edit_git_still_aborts_on_a_trailer_only_message(self):
        repo, env = self.failing_repo("signoff", "exit-1")
        result = self.commit(repo, "-s", "--no-edit", env=env, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(self.commit_count(repo), 1)
        # git 2.39.5 hands the hook "\n\nSigned-off-by: ..." and counts a sign-off-only
        # message as empty.
        self.assertIn("empty commit message", result.stderr)
        self.assertEqual((repo / ".git" / "COMMIT_EDITMSG").read_text(),
                         "\n\nSigned-off-by: Test User <test@example.com>\n")
        self.assertCalls(1)

    def test_with_a_template_and_no_edit_git_refuses_the_untouched_template(self):
        repo, env = self.failing_repo("tpl", "exit-1")
        tpl = self.root / "template.txt"
        tpl.write_text("Ticket: ABC-1\n")
        result = self.commit(repo, "-t", str(tpl), "--no-edit", env=env, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("you did not edit the message", result.stderr)
        self.assertEqual((repo / ".git" / "COMMIT_EDITMSG").read_text(), "Ticket: ABC-1\n")
        self.assertCalls(1)

    def test_with_allow_empty_message_the_commit_goes_through_empty(self):
        repo, env = self.failing_repo("allowempty", "exit-1")
        result = self.commit(repo, "--no-edit", "--allow-empty-message", env=env, check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), "")
        self.assertEqual(self.commit_count(repo), 2)
        self.assertCalls(1)

    def test_fallback_offline_writes_a_draft_in_editor_mode(self):
        repo, env = self.failing_repo("fallback", "exit-1")
        self.git(repo, "config", "cmtgen.fallback", "offline")
        editor, seen = self.editor_capture()
        result = self.commit(repo, env=dict(env, GIT_EDITOR=editor))
        committed = self.message(repo)
        self.assertTrue(committed, "a draft was committed")
        self.assertIn("fallback.txt", committed)
        self.assertNotIn("cmtgen", committed)
        self.assertCalls(1)
        self.assertEqual(len(self.cmtgen_lines(result.stderr)), 1, result.stderr)
        shown = seen.read_text()
        self.assertTrue(shown.startswith(committed + "\n"), shown)
        self.assertIn("offline draft", shown)
        self.assertEqual(self.runs_log(repo)[-1][2:4], ["fallback", "backend-failed"])

    def test_fallback_offline_writes_a_draft_with_no_edit(self):
        repo, env = self.failing_repo("fallback", "not-logged-in")
        self.git(repo, "config", "cmtgen.fallback", "offline")
        result = self.commit(repo, "--no-edit", env=env)
        committed = self.message(repo)
        self.assertIn("fallback.txt", committed)
        self.assertNoCommentLines(committed)
        self.assertNotIn("cmtgen", committed)
        self.assertEqual(self.commit_count(repo), 2)
        self.assertCalls(1)
        self.assertEqual(len(self.cmtgen_lines(result.stderr)), 1, result.stderr)

    def test_on_error_abort_stops_the_commit(self):
        for edit in (True, False):
            with self.subTest(editor=edit):
                repo, env = self.failing_repo(f"abort-{edit}", "exit-1")
                self.git(repo, "config", "cmtgen.onError", "abort")
                editor, seen = self.editor_writing("Typed", f"saw-{edit}")
                args = [] if edit else ["--no-edit"]
                result = self.commit(repo, *args, env=dict(env, GIT_EDITOR=editor), check=False)
                self.assertNotEqual(result.returncode, 0)
                self.assertEqual(self.commit_count(repo), 1)
                self.assertEqual(self.message(repo), "Initial commit")
                self.assertIn("backend-failed", result.stderr)
                self.assertFalse(seen.exists(), "git stops before the editor")
        self.assertCalls(2)

    def test_doctor_shows_the_recent_failure(self):
        repo, env = self.failing_repo("doctor", "api-key-rejected")
        self.commit(repo, "--no-edit", "--allow-empty-message", env=env)
        result = self.cmtgen(repo, "doctor", env={"FAKE_CLAUDE_MODE": "success"})
        self.assertIn("api-key-rejected", result.stdout + result.stderr)
        self.assertIn("failed", result.stdout + result.stderr)

    def test_runs_log_records_successes_and_nothing_staged(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-edit")
        self.commit(repo, "--allow-empty", "--no-edit", "--allow-empty-message")
        log = self.runs_log(repo)
        self.assertEqual([entry[2] for entry in log], ["written", "nothing-staged"])
        for entry in log:
            self.assertEqual(len(entry), 6, entry)
            self.assertRegex(entry[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertEqual(entry[1], "-")
            self.assertRegex(entry[4], r"^\d+$")
        self.assertCalls(1)


class Bypass(HookCase):

    def test_cmtgen_skip_leaves_the_file_untouched(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_writing("Typed")
        result = self.commit(repo, env={"GIT_EDITOR": editor, "CMTGEN_SKIP": "1"})
        self.assertEqual(self.message(repo), "Typed")
        self.assertTrue(seen.read_text().startswith("\n# " + PLEASE))
        self.assertNotIn("cmtgen", result.stderr)
        self.assertCalls(0)

    def test_cmtgen_skip_zero_does_not_skip(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        self.commit(repo, "--no-edit", env={"CMTGEN_SKIP": "0"})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_enabled_false_leaves_the_file_untouched(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.enabled", "false")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_writing("Typed")
        self.commit(repo, env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Typed")
        self.assertTrue(seen.read_text().startswith("\n# " + PLEASE))
        self.assertCalls(0)

    def test_enabled_false_given_with_git_dash_c(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_writing("Typed")
        self.git(repo, "-c", "cmtgen.enabled=false", "commit", env={"GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Typed")
        self.assertCalls(0)


# --- the git facts the hook relies on (docs/git-facts.md), measured here ------------


class GitBehaviourOnThisMachine(HookCase):
    """A plain recording hook, no cmtgen: if git changes, these say which note is stale."""

    def setUp(self):
        super().setUp()
        self.repo = self.make_repo(files={"tracked.txt": "1\n", "README.md": "# r\n"})
        self.dump = self.root / "dump"
        self.dump_hook(self.repo / ".git" / "hooks" / "prepare-commit-msg", self.dump)

    def last(self):
        runs = self.dumps(self.dump)
        self.assertTrue(runs, "the hook did not run")
        return runs[-1]

    def reset_dumps(self):
        for p in self.dump.glob("hook-*.json"):
            p.unlink()

    def test_arguments_for_each_kind_of_commit(self):
        repo = self.repo
        msgfile = self.root / "m.txt"
        msgfile.write_text("from file\n")
        tpl = self.root / "t.txt"
        tpl.write_text("template\n")
        cases = [
            ("plain", ["commit"], [".git/COMMIT_EDITMSG"]),
            ("-a", ["commit", "-a", "--no-edit", "--allow-empty-message"], [".git/COMMIT_EDITMSG"]),
            ("-v", ["commit", "-v"], [".git/COMMIT_EDITMSG"]),
            ("-s", ["commit", "-s"], [".git/COMMIT_EDITMSG"]),
            ("paths", ["commit", "--no-edit", "--allow-empty-message", "tracked.txt"], [".git/COMMIT_EDITMSG"]),
            ("-m", ["commit", "-m", "x"], [".git/COMMIT_EDITMSG", "message"]),
            ("-F", ["commit", "-F", str(msgfile)], [".git/COMMIT_EDITMSG", "message"]),
            ("-t", ["commit", "-t", str(tpl)], [".git/COMMIT_EDITMSG", "template"]),
            # An earlier measurement said $3 is present but empty for both; on git 2.39.5 only
            # --squash passes an empty $3, --fixup passes two arguments.
            ("--fixup", ["commit", "--fixup", "HEAD"], [".git/COMMIT_EDITMSG", "message"]),
            ("--squash", ["commit", "--squash", "HEAD"], [".git/COMMIT_EDITMSG", "message", ""]),
            ("--amend", ["commit", "--amend"], [".git/COMMIT_EDITMSG", "commit", "HEAD"]),
            ("-C", ["commit", "-C", "HEAD~1"], [".git/COMMIT_EDITMSG", "commit", "HEAD~1"]),
            ("-c", ["commit", "-c", "HEAD~1"], [".git/COMMIT_EDITMSG", "commit", "HEAD~1"]),
        ]
        writer = TYPING_EDITOR
        for i, (name, args, expected) in enumerate(cases):
            with self.subTest(case=name):
                self.write(repo, {"tracked.txt": f"change {i}\n"})
                if name != "-a" and name != "paths":
                    self.git(repo, "add", "tracked.txt")
                self.git(repo, *args, env={"GIT_EDITOR": writer})
                self.assertEqual(self.last()["argv"], expected)

    def test_merge_conflict_resolution_and_squash_sources(self):
        repo = self.repo
        self.git(repo, "checkout", "-q", "-b", "feature")
        self.write(repo, {"tracked.txt": "feature\n"})
        self.git(repo, "commit", "-qam", "Feature")
        self.git(repo, "checkout", "-q", "main")
        self.write(repo, {"other.txt": "o\n"})
        self.git(repo, "add", "other.txt")
        self.git(repo, "commit", "-qm", "Main")
        self.git(repo, "merge", "--no-ff", "-q", "feature")
        run = self.last()
        self.assertEqual(run["argv"], [".git/MERGE_MSG", "merge"])
        self.assertFalse(run["message"].endswith("\n"), repr(run["message"]))
        self.assertEqual(run["env"].get("GIT_EDITOR"), ":")
        self.git(repo, "reset", "-q", "--hard", "HEAD~1")
        self.git(repo, "merge", "--squash", "-q", "feature")
        self.git(repo, "commit", "--no-edit")
        self.assertEqual(self.last()["argv"], [".git/COMMIT_EDITMSG", "squash"])
        # conflicted merge, resolved, committed
        self.git(repo, "reset", "-q", "--hard", "HEAD~1")
        self.write(repo, {"tracked.txt": "main\n"})
        self.git(repo, "commit", "-qam", "Main conflict")
        self.git(repo, "merge", "-q", "feature", check=False)
        self.write(repo, {"tracked.txt": "resolved\n"})
        self.git(repo, "add", "tracked.txt")
        self.git(repo, "commit", "--no-edit")
        self.assertEqual(self.last()["argv"], [".git/COMMIT_EDITMSG", "merge"])

    def test_sequencer_sources(self):
        repo = self.repo
        self.git(repo, "checkout", "-q", "-b", "feature")
        self.write(repo, {"f.txt": "f\n"})
        self.git(repo, "add", "f.txt")
        self.git(repo, "commit", "-qm", "Feature")
        self.git(repo, "checkout", "-q", "main")
        self.reset_dumps()
        self.git(repo, "cherry-pick", "feature")
        self.assertEqual(self.last()["argv"][1:], ["message"])
        self.assertEqual(self.last()["env"].get("GIT_EDITOR"), ":")
        self.git(repo, "revert", "--no-edit", "HEAD")
        self.assertEqual(self.last()["argv"][1:], ["message"])
        self.git(repo, "cherry-pick", "-e", "feature", env={"GIT_EDITOR": "true"})
        self.assertEqual(self.last()["argv"][1:], ["merge"])
        self.assertEqual(self.last()["env"].get("GIT_EDITOR"), "true")

    def test_rebase_runs_the_hook_once_per_pick_and_a_reword_is_commit(self):
        repo = self.repo
        for i in range(4):
            self.write(repo, {f"s{i}.txt": "x\n"})
            self.git(repo, "add", "-A")
            self.git(repo, "commit", "-qm", f"S{i}")
        self.reset_dumps()
        self.git(repo, "rebase", "-i", "--force-rebase", "HEAD~4", env={
            "GIT_SEQUENCE_EDITOR": "sed -i -e '2s/^pick/reword/'", "GIT_EDITOR": "true"})
        # Measured before: "rebase reword -> commit + rev". On git 2.39.5 the reworded
        # commit is first picked ("message", no editor) and then amended: "commit HEAD" with
        # the editor, exactly what `git commit --amend` passes.
        runs = self.dumps(self.dump)
        self.assertEqual([r["argv"][1:] for r in runs],
                         [["message"], ["message"], ["commit", "HEAD"], ["message"], ["message"]])
        self.assertEqual(runs[0]["env"].get("GIT_EDITOR"), ":")
        self.assertEqual(runs[1]["env"].get("GIT_EDITOR"), ":")
        self.assertEqual(runs[2]["env"].get("GIT_EDITOR"), "true")
        self.assertFalse((self.repo / ".git" / "rebase-merge").exists())

    def test_no_verify_still_runs_the_hook_and_a_failing_hook_aborts(self):
        repo = self.repo
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "--no-verify", "-m", "x")
        self.assertEqual(len(self.dumps(self.dump)), 1)
        (self.dump / "exit").write_text("1")
        self.stage(repo, {"b.txt": "b\n"})
        self.assertNotEqual(self.git(repo, "commit", "-m", "y", check=False).returncode, 0)
        self.assertEqual(self.commit_count(repo), 2)
        # merge
        self.git(repo, "commit", "-qm", "y", "--no-verify", env={"CMTGEN_SKIP": "1"}, check=False)
        self.git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
        self.stage(repo, {"c.txt": "c\n"})
        (self.dump / "exit").unlink()
        self.git(repo, "commit", "-qm", "side")
        (self.dump / "exit").write_text("1")
        result = self.git(repo, "merge", "--no-ff", "main", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Not committing merge", result.stderr + result.stdout)
        self.git(repo, "merge", "--abort", check=False)
        # cherry-pick
        result = self.git(repo, "cherry-pick", "main", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.git(repo, "cherry-pick", "--abort", check=False)
        # rebase stops
        result = self.git(repo, "rebase", "--force-rebase", "HEAD~1", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertTrue((repo / ".git" / "rebase-merge").exists() or (repo / ".git" / "rebase-apply").exists())
        self.git(repo, "rebase", "--abort", check=False)

    def test_stdin_is_dev_null_stdout_goes_to_stderr_cwd_is_the_top(self):
        repo = self.repo
        (repo / "sub" / "dir").mkdir(parents=True)
        (self.dump / "stdout").parent.mkdir(parents=True, exist_ok=True)
        (self.dump / "stdout").write_text("HOOK-SAYS-HELLO")
        self.write(repo, {"tracked.txt": "2\n"})
        result = subprocess.run(["setsid", "git", "commit", "-a", "-m", "x"], cwd=repo / "sub" / "dir",
                                env=self.env, stdin=subprocess.PIPE, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        run = self.last()
        self.assertEqual(run["stdin"], "/dev/null")
        self.assertFalse(run["tty"])
        self.assertIn("HOOK-SAYS-HELLO", result.stderr)
        self.assertNotIn("HOOK-SAYS-HELLO", result.stdout)
        self.assertEqual(Path(run["cwd"]).resolve(), repo.resolve())
        self.assertEqual(run["env"].get("GIT_PREFIX"), "sub/dir/")

    def test_index_file_git_exports_for_each_kind_of_commit(self):
        repo = self.repo
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "-m", "plain")
        self.assertEqual(self.last()["env"].get("GIT_INDEX_FILE"), ".git/index")
        gitdir = str((repo / ".git").resolve())
        self.write(repo, {"tracked.txt": "2\n"})
        self.git(repo, "commit", "-a", "-m", "all")
        self.assertEqual(self.last()["env"].get("GIT_INDEX_FILE"), gitdir + "/index.lock")
        self.stage(repo, {"b.txt": "b\n"})
        self.write(repo, {"tracked.txt": "3\n"})
        self.git(repo, "commit", "--include", "tracked.txt", "-m", "include")
        self.assertEqual(self.last()["env"].get("GIT_INDEX_FILE"), gitdir + "/index.lock")
        self.stage(repo, {"c.txt": "c\n"})
        self.write(repo, {"tracked.txt": "4\n"})
        self.git(repo, "commit", "tracked.txt", "-m", "only")
        self.assertRegex(self.last()["env"].get("GIT_INDEX_FILE"), "^" + gitdir + r"/next-index-\d+\.lock$")

    def test_a_git_add_inside_the_hook_is_not_committed(self):
        repo = self.repo
        self.write(repo, {"sneaky.txt": "s\n"})
        (self.dump / "git-add").parent.mkdir(parents=True, exist_ok=True)
        (self.dump / "git-add").write_text("sneaky.txt")
        self.write(repo, {"tracked.txt": "2\n"})
        self.git(repo, "commit", "-a", "-m", "x")
        self.assertEqual(self.files_in_commit(repo), ["tracked.txt"])

    def test_editor_is_colon_exactly_when_git_opens_no_editor(self):
        repo = self.repo
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "--no-edit", "--allow-empty-message")
        run = self.last()
        self.assertEqual(run["env"].get("GIT_EDITOR"), ":")
        self.assertEqual(run["message"], "")
        self.stage(repo, {"b.txt": "b\n"})
        self.git(repo, "commit", "-m", "x", env={"GIT_EDITOR": "true"})
        self.assertEqual(self.last()["env"].get("GIT_EDITOR"), ":")
        self.stage(repo, {"c.txt": "c\n"})
        writer = TYPING_EDITOR
        self.git(repo, "-c", "commit.status=false", "commit", env={"GIT_EDITOR": writer})
        run = self.last()
        self.assertEqual(run["env"].get("GIT_EDITOR"), writer)
        self.assertEqual(run["message"], "", "commit.status=false gives an empty file with an editor")

    def test_no_edit_keeps_comment_lines_a_hook_writes(self):
        repo = self.repo
        (self.dump / "prepend").parent.mkdir(parents=True, exist_ok=True)
        (self.dump / "prepend").write_text("Subject\n# a comment line\n")
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "--no-edit")
        self.assertEqual(self.message(repo), "Subject\n# a comment line")
        for cleanup, kept in (("strip", False), ("default", False), ("whitespace", True), ("verbatim", True),
                              ("scissors", True)):
            with self.subTest(cleanup=cleanup):
                self.stage(repo, {f"{cleanup}.txt": "x\n"})
                self.git(repo, "-c", f"commit.cleanup={cleanup}", "commit", env={"GIT_EDITOR": "true"})
                self.assertEqual("# a comment line" in self.message(repo), kept, self.head_message(repo))

    def test_comment_char_auto_and_dash_c_show_in_the_file(self):
        repo = self.repo
        tpl = self.root / "t.txt"
        tpl.write_text("#1 first\n")
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "-c", "core.commentChar=auto", "commit", "-t", str(tpl), env={"GIT_EDITOR": TYPING_EDITOR})
        text = self.last()["message"]
        please = [line for line in text.splitlines() if PLEASE in line][0]
        self.assertIn(please[0], "#;@!$%^&|:")
        self.assertNotEqual(please[0], "#")
        self.stage(repo, {"b.txt": "b\n"})
        self.git(repo, "-c", "core.commentChar=%", "commit", "-v", env={"GIT_EDITOR": TYPING_EDITOR})
        text = self.last()["message"]
        self.assertIn("% " + SCISSORS, text)
        self.assertIn("\n% " + PLEASE, text)

    def test_trailers_sit_above_the_comment_block(self):
        repo = self.repo
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "-s", "--trailer", "Ref: 1", env={"GIT_EDITOR": "true"}, check=False)
        text = self.last()["message"]
        # 2.39.5: two empty lines, then Signed-off-by, then --trailer, then the comment block
        self.assertTrue(text.startswith("\n\nSigned-off-by: Test User <test@example.com>\nRef: 1\n\n# "), repr(text))

    def test_verbose_puts_the_diff_below_the_scissors(self):
        repo = self.repo
        self.stage(repo, {"a.txt": "a\n"})
        self.git(repo, "commit", "-v", env={"GIT_EDITOR": "true"}, check=False)
        text = self.last()["message"]
        self.assertLess(text.index(PLEASE), text.index(SCISSORS))
        self.assertIn("diff --git a/a.txt b/a.txt", text.split(SCISSORS)[1])

    def test_message_file_is_absolute_for_worktrees_submodules_and_git_dir(self):
        repo = self.repo
        wt = self.root / "wt"
        self.git(repo, "worktree", "add", "-q", "-b", "wtb", str(wt))
        self.stage(wt, {"w.txt": "w\n"})
        self.git(wt, "commit", "-m", "w")
        run = self.last()
        self.assertEqual(run["argv"][0], str((repo / ".git" / "worktrees" / "wt" / "COMMIT_EDITMSG").resolve()))
        self.assertEqual(run["env"].get("GIT_INDEX_FILE"), str((repo / ".git" / "worktrees" / "wt" / "index").resolve()))
        # GIT_DIR setup
        self.stage(repo, {"g.txt": "g\n"})
        self.git(self.root, "--git-dir", str(repo / ".git"), "--work-tree", str(repo), "commit", "-m", "g")
        self.assertTrue(os.path.isabs(self.last()["argv"][0]), self.last()["argv"])
        # submodule
        lib = self.make_repo("lib")
        self.git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "lib")
        self.dump_hook(repo / ".git" / "modules" / "lib" / "hooks" / "prepare-commit-msg", self.dump)
        self.stage(repo / "lib", {"s.txt": "s\n"})
        self.git(repo / "lib", "commit", "-m", "s")
        self.assertEqual(self.last()["argv"][0],
                         str((repo / ".git" / "modules" / "lib" / "COMMIT_EDITMSG").resolve()))

    def test_hooks_directory_resolution(self):
        repo = self.repo
        sub = repo / "a" / "b"
        sub.mkdir(parents=True)
        self.git(repo, "config", "core.hooksPath", "myhooks")
        self.assertEqual(self.hooks_dir(sub), (repo / "myhooks").resolve())
        self.git(repo, "config", "core.hooksPath", "~/tilde-hooks")
        self.assertEqual(self.hooks_dir(sub), self.home / "tilde-hooks")
        self.git(repo, "config", "--unset", "core.hooksPath")
        self.git(repo, "config", "--global", "core.hooksPath", str(self.home / "global-hooks"))
        self.assertEqual(self.hooks_dir(sub), self.home / "global-hooks")
        self.git(repo, "config", "--global", "--unset", "core.hooksPath")
        wt = self.root / "wt"
        self.git(repo, "worktree", "add", "-q", "-b", "wtb", str(wt))
        self.assertEqual(self.hooks_dir(wt), (repo / ".git" / "hooks").resolve())
        # a hook in the worktree's private git dir is ignored
        self.dump_hook(repo / ".git" / "worktrees" / "wt" / "hooks" / "prepare-commit-msg", self.root / "private")
        self.stage(wt, {"w.txt": "w\n"})
        self.git(wt, "commit", "-m", "w")
        self.assertFalse((self.root / "private").exists())
        self.assertEqual(len(self.dumps(self.dump)), 1)

    def test_a_hook_without_the_executable_bit_is_skipped_with_a_hint(self):
        repo = self.repo
        (repo / ".git" / "hooks" / "prepare-commit-msg").chmod(0o644)
        self.stage(repo, {"a.txt": "a\n"})
        result = self.git(repo, "-c", "advice.ignoredHook=true", "commit", "-m", "x")
        self.assertIn("ignored because it's not set as executable", result.stderr)
        self.assertEqual(self.dumps(self.dump), [])


if __name__ == "__main__":
    main()
