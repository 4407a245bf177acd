#!/usr/bin/env python3
"""Files that are not what cmtgen expects: FIFOs, symbolic links, huge or odd message files,
and signals during the model call. Real `git commit` through the installed hook, the fake
model (tests/fake_claude).

Opening a FIFO blocks until its other end opens, so every command here runs in a session
of its own under a timeout that kills the whole group: a regression fails instead of
hanging the suite.
"""

import os
import resource
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import CMTGEN, SCISSORS, HookScenario, main  # noqa: E402

REPLY = "Add the staged change"
BOUND = 25  # seconds; every hostile case must end well within it


class Bounded(HookScenario):

    def setUp(self):
        super().setUp()
        self.env["FAKE_CLAUDE_REPLY"] = REPLY

    def run_bounded(self, args, cwd, env=None, timeout=BOUND):
        """Runs `args` in a new session; on timeout kills the group and fails the test."""
        full_env = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        started = time.monotonic()
        proc = subprocess.Popen([str(a) for a in args], cwd=str(cwd), env=full_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            self.fail(f"{args} did not end within {timeout} s (blocked)\nstderr:\n{err.decode(errors='replace')}")
        return subprocess.CompletedProcess(args, proc.returncode, out.decode(errors="replace"),
                                           err.decode(errors="replace")), time.monotonic() - started

    def commit(self, repo, *args, env=None):
        """`git commit --no-edit` (GIT_EDITOR=:, as without a terminal) under the bound."""
        return self.run_bounded(["git", "commit", "--no-edit", *args], repo, env=dict({"GIT_EDITOR": ":"}, **(env or {})))

    def fifo(self, name="fifo"):
        path = self.root / name
        os.mkfifo(path)
        return path

    def state_dir(self, repo):
        path = self.git_dir(repo, common=True) / "cmtgen"
        path.mkdir(parents=True, exist_ok=True)
        return path


class WorkTreeAttributes(Bounded):
    """git never follows a symbolic link to an in-tree .gitattributes; cmtgen must not either."""

    def linked_attributes_repo(self, target):
        repo = self.hooked_repo()
        (repo / ".gitattributes").symlink_to(target)
        self.git(repo, "add", ".gitattributes")
        self.git(repo, "commit", "-q", "-m", "Link the attributes", env={"CMTGEN_SKIP": "1"})
        return repo

    def test_a_gitattributes_symlink_to_a_fifo_does_not_block_the_commit(self):
        repo = self.linked_attributes_repo(self.fifo())
        self.stage(repo, {"a.txt": "a\n"})
        result, elapsed = self.commit(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)
        self.assertLess(elapsed, 20)

    def test_preview_with_a_gitattributes_symlink_to_a_fifo_finishes(self):
        repo = self.linked_attributes_repo(self.fifo())
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.run_bounded([CMTGEN, "preview"], repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(REPLY, result.stdout)

    def test_a_gitattributes_symlink_to_a_regular_file_is_ignored_as_git_ignores_it(self):
        rules = self.root / "rules"
        rules.write_text("*.txt -diff\n")
        repo = self.linked_attributes_repo(rules)
        self.stage(repo, {"notes.txt": "visible_content_marker\n"})
        self.assertIn("diff: unspecified", self.git(repo, "check-attr", "diff", "notes.txt").stdout)
        result, _ = self.commit(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("visible_content_marker", self.prompts()[0])


class FifosCmtgenReads(Bounded):
    """A FIFO where cmtgen reads or appends a file: refused at once, never waited on."""

    def test_a_fifo_as_the_template_path_is_an_error_naming_it(self):
        repo = self.hooked_repo()
        fifo = self.fifo("template.mustache")
        self.git(repo, "config", "cmtgen.template", str(fifo))
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.commit(repo, "--allow-empty-message")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(str(fifo), result.stderr)
        self.assertIn("not a regular file", result.stderr)
        self.assertEqual(self.message(repo), "")

    def test_a_fifo_as_the_answer_cache_is_skipped(self):
        repo = self.hooked_repo()
        os.mkfifo(self.state_dir(repo) / "last-answer")
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.commit(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)

    def test_a_fifo_as_the_run_log_is_skipped(self):
        repo = self.hooked_repo()
        os.mkfifo(self.state_dir(repo) / "runs.log")
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.commit(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)

    def test_a_fifo_as_the_debug_log_is_skipped(self):
        repo = self.hooked_repo()
        os.mkfifo(self.state_dir(repo) / "debug.log")
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.commit(repo, env={"CMTGEN_DEBUG": "1"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)

    def test_a_fifo_as_the_stored_claude_login_does_not_block(self):
        repo = self.hooked_repo()
        (self.home / ".claude").mkdir()
        os.mkfifo(self.home / ".claude" / ".credentials.json")
        self.stage(repo, {"a.txt": "a\n"})
        result, _ = self.commit(repo, "--allow-empty-message", env={"ANTHROPIC_API_KEY": None})
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_a_fifo_as_the_message_file_is_an_error_naming_it(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        fifo = self.fifo("message")
        result, _ = self.run_bounded([CMTGEN, "hook", str(fifo)], repo, env={"GIT_EDITOR": ":"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(str(fifo), result.stderr)
        self.assertIn("not a regular file", result.stderr)


class MessageFileWrittenInPlace(Bounded):
    """git's message file is rewritten in place, as git and editors write it."""

    def test_a_symlinked_commit_editmsg_stays_a_symlink_to_the_message(self):
        repo = self.hooked_repo()
        target = self.root / "elsewhere" / "editmsg"
        target.parent.mkdir()
        target.write_text("")
        link = repo / ".git" / "COMMIT_EDITMSG"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        result, _ = self.run_bounded(["git", "commit"], repo, env={"GIT_EDITOR": editor})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)
        self.assertTrue(link.is_symlink(), "the link was replaced by a plain file")
        self.assertTrue(seen.read_text().startswith(REPLY + "\n"), seen.read_text())

    def test_every_hard_link_of_the_message_file_sees_the_message(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        msg = repo / ".git" / "COMMIT_EDITMSG"
        msg.write_text("old\n")
        other = self.root / "hard-link"
        os.link(msg, other)
        before = msg.stat().st_ino
        result, _ = self.run_bounded([CMTGEN, "hook", ".git/COMMIT_EDITMSG"], repo, env={"GIT_EDITOR": ":"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(msg.read_text(), REPLY + "\n\nold\n")
        self.assertEqual(msg.stat().st_ino, before)
        self.assertEqual(other.read_text(), REPLY + "\n\nold\n")

    @unittest.skipIf(os.geteuid() == 0, "root may write any file")
    def test_a_read_only_message_file_is_left_as_it_was_with_an_error(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        msg = repo / ".git" / "COMMIT_EDITMSG"
        msg.write_text("old\n")
        msg.chmod(0o444)
        result, _ = self.run_bounded([CMTGEN, "hook", ".git/COMMIT_EDITMSG"], repo, env={"GIT_EDITOR": ":"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(msg.read_text(), "old\n")
        self.assertIn("COMMIT_EDITMSG", result.stderr)

    def test_verbose_commit_with_a_diff_larger_than_64_mib_gets_the_message(self):
        repo = self.hooked_repo()
        line = "x" * 99 + "\n"
        big = line * (70 * 1024 * 1024 // len(line))
        # Bytes that are not UTF-8, and a NUL-free binary-looking line, below the scissors.
        big += "last_line_marker \xe9\n"
        (repo / "big.txt").write_text(big, encoding="latin-1")
        self.git(repo, "add", "big.txt")
        editor, seen = self.editor_capture()
        result, _ = self.run_bounded(["git", "commit", "-v"], repo, env={"GIT_EDITOR": editor}, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), REPLY)
        shown = seen.read_bytes()
        self.assertTrue(shown.startswith(REPLY.encode() + b"\n"), shown[:200])
        self.assertGreater(len(shown), 70 * 1024 * 1024)
        self.assertEqual(shown.count(SCISSORS.encode()), 1)
        self.assertTrue(shown.endswith(b"+last_line_marker \xe9\n"), shown[-100:])


class SignalsDuringTheModelCall(Bounded):
    """A signal that ends cmtgen ends the model's process group and the temporary directory."""

    def signal_during_the_model_call(self, sig, returncode=None, config=None):
        repo = self.hooked_repo()
        for key, value in (config or {}).items():
            self.git(repo, "config", key, value)
        self.stage(repo, {"a.txt": "a\n"})
        (repo / ".git" / "COMMIT_EDITMSG").write_text("")
        env = dict(self.env, GIT_EDITOR=":", FAKE_CLAUDE_MODE="hang")
        proc = subprocess.Popen([CMTGEN, "hook", ".git/COMMIT_EDITMSG"], cwd=repo, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True,
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
        claude_pid = None
        try:
            deadline = time.monotonic() + BOUND
            while not self.model_calls() and time.monotonic() < deadline:
                time.sleep(0.05)
            calls = self.model_calls()
            self.assertEqual(len(calls), 1, "the model was not called")
            claude_pid = calls[0]["pid"]
            os.kill(proc.pid, sig)
            _, err = proc.communicate(timeout=BOUND)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        self.assertEqual(proc.returncode, -sig if returncode is None else returncode)
        for _ in range(100):
            if not alive(claude_pid):
                break
            time.sleep(0.05)
        leftover = alive(claude_pid)
        if leftover:
            os.kill(claude_pid, signal.SIGKILL)
        self.assertFalse(leftover, "the model's process outlived cmtgen")
        self.assertEqual(sorted(p.name for p in self.root.glob("cmtgen-*") if p.is_dir()), [])
        return err.decode(errors="replace")

    def test_sigquit_ends_the_model_process_and_removes_the_temporary_directory(self):
        self.signal_during_the_model_call(signal.SIGQUIT)

    def test_sigusr1_ends_the_model_process_and_removes_the_temporary_directory(self):
        self.signal_during_the_model_call(signal.SIGUSR1)

    def test_the_whole_hook_deadline_during_the_model_call_ends_it_as_timed_out(self):
        # SIGALRM is how the hook's whole-run deadline fires: the model's group and the
        # temporary directory go, one line says why, and the hook exits 0 (fail open).
        err = self.signal_during_the_model_call(signal.SIGALRM, returncode=0)
        self.assertEqual([line for line in err.splitlines() if line.startswith("cmtgen: ")],
                         [line for line in err.splitlines() if line.startswith("cmtgen: timed-out: ")])
        self.assertIn("cmtgen: timed-out: ", err)

    def test_the_whole_hook_deadline_stops_the_commit_when_on_error_is_abort(self):
        err = self.signal_during_the_model_call(signal.SIGALRM, returncode=1, config={"cmtgen.onError": "abort"})
        self.assertIn("cmtgen: timed-out: ", err)


def alive(pid):
    """Whether `pid` is a live process (not a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
