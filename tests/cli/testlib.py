"""Shared helpers for the CLI suites: throwaway repositories, real git, the built cmtgen.

Every scenario gets its own directory under a session root; it is removed when the test
passes and kept (and printed) when it fails. Nothing here fakes git or cmtgen: the only
stand-in is tests/fake_claude for the model.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

CMTGEN = os.environ.get("CMTGEN_BIN") or str(Path(__file__).resolve().parents[2] / "build" / "cmtgen")
TESTS_DIR = Path(os.environ.get("CMTGEN_TESTS_DIR") or Path(__file__).resolve().parents[1])
FAKE_CLAUDE = TESTS_DIR / "fake_claude"
DEFAULT_TIMEOUT = 60
# An expiry a month ahead, for fake claude logins.
FUTURE_MS = int((time.time() + 30 * 24 * 3600) * 1000)


class Scenario(unittest.TestCase):
    """A test case with a private HOME, a clean git environment and helpers to drive git."""

    def setUp(self):
        if not os.access(CMTGEN, os.X_OK):
            self.fail(f"cmtgen binary not found at {CMTGEN} (set CMTGEN_BIN)")
        self.root = Path(tempfile.mkdtemp(prefix=f"cmtgen-{self.id().split('.')[-1]}-"))
        self.home = self.root / "home"
        self.home.mkdir()
        self.calls_dir = self.root / "claude-calls"
        (self.home / ".gitconfig").write_text(
            "[user]\n\tname = Test User\n\temail = test@example.com\n"
            "[init]\n\tdefaultBranch = main\n"
            "[advice]\n\tdetachedHead = false\n"
        )
        self.env = {
            "HOME": str(self.home),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
            "CMTGEN_CLAUDE": str(FAKE_CLAUDE),
            "FAKE_CLAUDE_LOG": str(self.calls_dir),
            "ANTHROPIC_API_KEY": "sk-ant-test-fake",
        }
        # A sanitizer build (scripts/test --sanitize) reads its options from these.
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self._outcome_ok = True

    def tearDown(self):
        failed = self._failed()
        if failed:
            print(f"\n  scenario kept: {self.root}", file=sys.stderr)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        result = getattr(outcome, "result", None)
        if result is not None:
            return any(test is self for test, _ in result.failures + result.errors)
        errors = getattr(outcome, "errors", [])
        return any(exc for _, exc in errors)

    # --- processes -------------------------------------------------------------------

    def run_cmd(self, args, cwd=None, env=None, input=None, check=False, timeout=DEFAULT_TIMEOUT):
        full_env = dict(self.env)
        if env:
            for key, value in env.items():
                if value is None:
                    full_env.pop(key, None)
                else:
                    full_env[key] = value
        result = subprocess.run(
            [str(a) for a in args],
            cwd=str(cwd or self.root),
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            self.fail(f"{shlex.join(str(a) for a in args)} failed ({result.returncode}):\n"
                      f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def git(self, repo, *args, env=None, check=True, input=None):
        return self.run_cmd(["git", *args], cwd=repo, env=env, check=check, input=input)

    def cmtgen(self, repo, *args, env=None, check=False, input=None, timeout=DEFAULT_TIMEOUT):
        return self.run_cmd([CMTGEN, *args], cwd=repo, env=env, check=check, input=input, timeout=timeout)

    # --- repositories ----------------------------------------------------------------

    def make_repo(self, name="repo", files=None, message="Initial commit", bare=False):
        """A repository with one commit holding `files` (path -> text or bytes)."""
        repo = self.root / name
        self.git(self.root, "init", "-q", *(["--bare"] if bare else []), str(repo))
        if bare:
            return repo
        self.write(repo, files or {"README.md": "# project\n"})
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-q", "-m", message, env={"CMTGEN_SKIP": "1"})
        return repo

    def write(self, repo, files):
        for path, content in files.items():
            target = Path(repo) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)

    def stage(self, repo, files):
        self.write(repo, files)
        self.git(repo, "add", "--", *files.keys())

    def head_message(self, repo, rev="HEAD"):
        return self.git(repo, "log", "-1", "--format=%B", rev).stdout

    def commit_count(self, repo):
        return int(self.git(repo, "rev-list", "--count", "HEAD").stdout.strip())

    # --- the fake model --------------------------------------------------------------

    def write_login(self, directory=None, scopes=("user:inference",), expires_at=FUTURE_MS,
                    access="x", refresh="y"):
        """A stored claude subscription login, as `claude /login` writes it (fake tokens)."""
        directory = Path(directory) if directory else self.home / ".claude"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / ".credentials.json"
        path.write_text(json.dumps({"claudeAiOauth": {
            "accessToken": access, "refreshToken": refresh, "expiresAt": expires_at,
            "scopes": list(scopes), "subscriptionType": "pro"}}))
        return path

    def claude_calls(self):
        if not self.calls_dir.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(self.calls_dir.glob("call-*.json"))]

    def editor_capture(self, name="editor-saw"):
        """A GIT_EDITOR that records what git showed the editor and leaves the file as is."""
        seen = self.root / name
        return f'f() {{ cp "$1" {shlex.quote(str(seen))}; }}; f', seen


def main():
    unittest.main(verbosity=2)


# --- helpers for the hook and install suites (test_hook.py, test_install.py) ----------

HOOK_MARKER = "# cmtgen prepare-commit-msg hook"
SCISSORS = "------------------------ >8 ------------------------"


class HookScenario(Scenario):
    """Scenario plus what the hook suites need: installing, committing, reading the record."""

    def hooks_dir(self, repo, env=None):
        out = self.git(repo, "rev-parse", "--path-format=absolute", "--git-path", "hooks", env=env).stdout
        return Path(out.strip())

    def install(self, repo, *args, env=None):
        result = self.cmtgen(repo, "install", *args, env=env)
        self.assertEqual(result.returncode, 0, f"install failed:\n{result.stdout}\n{result.stderr}")
        return result

    def hooked_repo(self, name="repo", files=None):
        repo = self.make_repo(name, files)
        self.install(repo)
        return repo

    def editor_writing(self, text, name="editor-saw"):
        """A GIT_EDITOR that records what git showed and then puts `text` on top of the file,
        as a user typing a message would."""
        seen = self.root / name
        typed = self.root / (name + ".typed")
        typed.write_text(text + "\n")
        q = shlex.quote
        return (f'f() {{ cp "$1" {q(str(seen))}; cat {q(str(typed))} "$1" > "$1.new" && mv "$1.new" "$1"; }}; f',
                seen)

    def model_calls(self):
        """The `claude -p` calls (the hook never needs any other kind)."""
        return [c for c in self.claude_calls() if c.get("kind") == "print"]

    def prompts(self):
        return [c.get("stdin") or "" for c in self.model_calls()]

    def message(self, repo, rev="HEAD"):
        """The commit message without git log's trailing newlines."""
        return self.head_message(repo, rev).rstrip("\n")

    def git_dir(self, repo, common=False, env=None):
        what = "--git-common-dir" if common else "--git-dir"
        out = self.git(repo, "rev-parse", "--path-format=absolute", what, env=env).stdout
        return Path(out.strip())

    def runs_log(self, repo, env=None):
        """<common git dir>/cmtgen/runs.log as lists of tab-separated fields."""
        path = self.git_dir(repo, common=True, env=env) / "cmtgen" / "runs.log"
        if not path.exists():
            return []
        return [line.split("\t") for line in path.read_text().splitlines() if line]

    @staticmethod
    def cmtgen_lines(stderr):
        return [line for line in stderr.splitlines() if line.startswith("cmtgen: ")]

    def files_in_commit(self, repo, rev="HEAD"):
        out = self.git(repo, "show", "--format=", "--name-only", rev).stdout
        return sorted(line for line in out.splitlines() if line)
