#!/usr/bin/env python3
"""End-to-end tests of `cmtgen install` / `cmtgen uninstall`: where the hook lands, what it
keeps, what it gives back, and that a real commit then runs it."""

import os
import shlex
import shutil
import stat
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import CMTGEN, HOOK_MARKER, HookScenario, main  # noqa: E402

REPLY = "Add the staged change"
BINARY = os.path.realpath(CMTGEN)

# husky v9's generated runner, reduced to what matters: .husky/_/<hook> sources .husky/_/h,
# which runs the tracked .husky/<hook> with `sh -e` and the same arguments.
HUSKY_H = r'''#!/usr/bin/env sh
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n
[ ! -f "$s" ] && exit 0
[ "${HUSKY-}" = "0" ] && exit 0
export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?
[ $c != 0 ] && echo "husky - $n script failed (code $c)"
exit $c
'''
HUSKY_RUNNER = '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n'


def mode(path):
    return stat.S_IMODE(Path(path).stat().st_mode)


def tree_snapshot(directory):
    """Every file under `directory` with its bytes and mode."""
    return {str(p.relative_to(directory)): (p.read_bytes(), mode(p))
            for p in sorted(Path(directory).rglob("*")) if p.is_file()}


class InstallCase(HookScenario):

    def setUp(self):
        super().setUp()
        self.env["FAKE_CLAUDE_REPLY"] = REPLY
        self.env["GIT_EDITOR"] = "true"

    def assertCalls(self, n):
        calls = self.claude_calls()
        self.assertEqual(len(calls), n, [c.get("argv") for c in calls])

    def commit_generated(self, repo, cwd=None, env=None):
        """Stage a change and commit it with --no-edit: the message only cmtgen can write."""
        name = f"change-{len(self.claude_calls())}-{os.urandom(3).hex()}.txt"
        self.write(repo, {name: "x\n"})
        self.git(cwd or repo, "add", str(Path(repo) / name), env=env)
        result = self.git(cwd or repo, "commit", "--no-edit", env=env)
        return result

    def assertOneErrorLine(self, result):
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("cmtgen: error: "), lines[0])


class FreshInstall(InstallCase):

    def test_install_writes_an_executable_shim_with_the_marker_and_the_absolute_binary(self):
        repo = self.make_repo()
        result = self.install(repo)
        hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        self.assertEqual(mode(hook), 0o755)
        text = hook.read_text()
        self.assertTrue(text.startswith("#!/bin/sh\n"), text)
        self.assertTrue(any(line.startswith(HOOK_MARKER) for line in text.splitlines()), text)
        assignments = [shlex.split(line[len("cmtgen="):]) for line in text.splitlines() if line.startswith("cmtgen=")]
        self.assertEqual(assignments, [[BINARY]], "the shim names this binary by absolute path")
        self.assertIn('hook "$@"', text)
        self.assertEqual(subprocess.run(["sh", "-n", str(hook)]).returncode, 0)
        self.assertIn(str(hook), result.stdout)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_install_output_ends_with_a_verdict_naming_claude(self):
        repo = self.make_repo()
        result = self.install(repo)
        last = result.stdout.strip().splitlines()[-1]
        self.assertIn("claude", last)
        self.assertIn(str(self.env["CMTGEN_CLAUDE"]), last)

    def test_install_without_claude_still_installs_and_says_what_is_missing(self):
        repo = self.make_repo()
        result = self.install(repo, env={"CMTGEN_CLAUDE": "/nonexistent/claude"})
        self.assertTrue((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        last = result.stdout.strip().splitlines()[-1]
        self.assertIn("claude", last)
        self.assertIn("/nonexistent/claude", last)

    def test_reinstall_is_byte_identical_and_says_already_installed(self):
        repo = self.make_repo()
        self.install(repo)
        hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        before = hook.read_bytes()
        result = self.install(repo)
        self.assertIn("already installed", result.stdout)
        self.assertEqual(hook.read_bytes(), before)
        self.assertEqual(mode(hook), 0o755)
        self.assertFalse(Path(str(hook) + ".cmtgen-chained").exists(), "its own shim is not chained")

    def test_reinstall_restores_a_lost_executable_bit(self):
        repo = self.make_repo()
        self.install(repo)
        hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        hook.chmod(0o644)
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        result = self.git(repo, "-c", "advice.ignoredHook=true", "commit", "-m", "manual")
        self.assertIn("ignored because it's not set as executable", result.stderr)
        result = self.install(repo)
        self.assertIn("updated", result.stdout)
        self.assertEqual(mode(hook), 0o755)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_install_creates_a_missing_hooks_directory(self):
        repo = self.root / "bare-template"
        self.git(self.root, "init", "-q", "--template=", str(repo))
        self.assertFalse((repo / ".git" / "hooks").exists())
        self.install(repo)
        self.assertEqual(mode(repo / ".git" / "hooks" / "prepare-commit-msg"), 0o755)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_install_outside_a_repository_fails_with_one_line(self):
        nowhere = self.root / "nowhere"
        nowhere.mkdir()
        result = self.cmtgen(nowhere, "install", env={"GIT_CEILING_DIRECTORIES": str(self.root)})
        self.assertEqual(result.returncode, 1)
        self.assertOneErrorLine(result)

    def test_the_hook_runs_with_a_thin_path(self):
        # GUI clients run hooks with a minimal PATH; the shim calls cmtgen by absolute path.
        repo = self.make_repo()
        self.install(repo)
        self.commit_generated(repo, env={"PATH": "/usr/bin:/bin"})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_the_shim_falls_back_to_path_when_the_installed_binary_is_gone(self):
        repo = self.make_repo()
        moved = self.root / "old-bin"
        moved.mkdir()
        shutil.copy2(BINARY, moved / "cmtgen")
        result = self.run_cmd([moved / "cmtgen", "install"], cwd=repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        hook_text = (repo / ".git" / "hooks" / "prepare-commit-msg").read_text()
        self.assertIn(str(moved / "cmtgen"), hook_text)
        (moved / "cmtgen").unlink()
        on_path = self.root / "path-bin"
        on_path.mkdir()
        (on_path / "cmtgen").symlink_to(BINARY)
        self.commit_generated(repo, env={"PATH": f"{on_path}:/usr/bin:/bin"})
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        # Gone and not on PATH either: the commit goes on without cmtgen, with one line.
        editor = "f() { echo 'Typed by the user' > \"$1\"; }; f"
        self.write(repo, {"b.txt": "b\n"})
        self.git(repo, "add", "b.txt")
        result = self.git(repo, "commit", env={"PATH": "/usr/bin:/bin", "GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Typed by the user")
        self.assertIn("is gone and cmtgen is not on PATH", result.stderr)
        self.assertCalls(1)

    def test_a_binary_path_with_a_space_is_quoted_in_the_shim(self):
        repo = self.make_repo()
        spaced = self.root / "dir with space's"
        spaced.mkdir()
        shutil.copy2(BINARY, spaced / "cmtgen")
        result = self.run_cmd([spaced / "cmtgen", "install"], cwd=repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_uninstall_removes_the_shim(self):
        repo = self.make_repo()
        self.install(repo)
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        self.git(repo, "commit", "-q", "-m", "manual")
        self.assertCalls(0)

    def test_uninstall_when_not_installed_says_so(self):
        repo = self.make_repo()
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("not installed", result.stdout)
        self.assertEqual(sorted(p.name for p in (repo / ".git" / "hooks").iterdir()
                                if not p.name.endswith(".sample")), [])


class ChainedForeignHook(InstallCase):

    def foreign(self, repo, exit_code=0):
        log = self.root / "foreign-argv.log"
        seen = self.root / "foreign-saw"
        hook = self.hooks_dir(repo) / "prepare-commit-msg"
        hook.parent.mkdir(parents=True, exist_ok=True)
        hook.write_text("#!/bin/sh\n"
                        "# the team's own hook\n"
                        f"printf '%s|%s\\n' \"$#\" \"$*\" >> '{log}'\n"
                        f"cp \"$1\" '{seen}'\n"
                        f"exit {exit_code}\n")
        hook.chmod(0o750)
        return hook, log, seen

    def test_a_foreign_hook_is_chained_and_runs_after_cmtgen_with_the_same_arguments(self):
        repo = self.make_repo()
        hook, log, seen = self.foreign(repo)
        original = hook.read_bytes()
        result = self.install(repo)
        chained = Path(str(hook) + ".cmtgen-chained")
        self.assertIn("prepare-commit-msg.cmtgen-chained", result.stdout)
        self.assertEqual(chained.read_bytes(), original)
        self.assertIn(HOOK_MARKER, hook.read_text())
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(log.read_text().splitlines(), ["1|.git/COMMIT_EDITMSG"])
        self.assertTrue(seen.read_text().startswith(REPLY + "\n"), "the chained hook runs after cmtgen")
        self.write(repo, {"b.txt": "b\n"})
        self.git(repo, "add", "b.txt")
        self.git(repo, "commit", "-m", "Given")
        self.assertEqual(log.read_text().splitlines()[-1], "2|.git/COMMIT_EDITMSG message")
        self.git(repo, "commit", "--amend", "--no-edit")
        self.assertEqual(log.read_text().splitlines()[-1], "3|.git/COMMIT_EDITMSG commit HEAD")
        self.assertCalls(1)

    def test_a_failing_chained_hook_aborts_the_commit(self):
        repo = self.make_repo()
        self.foreign(repo, exit_code=3)
        self.install(repo)
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        result = self.git(repo, "commit", "--no-edit", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(self.commit_count(repo), 1)
        self.assertCalls(1)

    def test_uninstall_restores_the_foreign_hook_byte_for_byte(self):
        repo = self.make_repo()
        hook, log, seen = self.foreign(repo)
        original, original_mode = hook.read_bytes(), mode(hook)
        self.install(repo)
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("restored", result.stdout)
        self.assertEqual(hook.read_bytes(), original)
        self.assertEqual(mode(hook), original_mode)
        self.assertFalse(Path(str(hook) + ".cmtgen-chained").exists())
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        self.git(repo, "commit", "-m", "Manual")
        self.assertEqual(log.read_text().splitlines(), ["2|.git/COMMIT_EDITMSG message"])
        self.assertCalls(0)

    def test_uninstall_refuses_a_foreign_hook(self):
        repo = self.make_repo()
        hook, log, seen = self.foreign(repo)
        before = (hook.read_bytes(), mode(hook), hook.stat().st_mtime_ns)
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 1)
        self.assertOneErrorLine(result)
        self.assertEqual((hook.read_bytes(), mode(hook), hook.stat().st_mtime_ns), before)

    def test_a_foreign_symlinked_hook_is_restored_as_the_same_symlink(self):
        repo = self.make_repo()
        target = self.root / "team-hooks" / "prepare-commit-msg"
        target.parent.mkdir()
        log = self.root / "foreign-argv.log"
        target.write_text(f"#!/bin/sh\necho \"$#|$*\" >> '{log}'\n")
        target.chmod(0o755)
        hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        hook.symlink_to(target)
        self.install(repo)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(log.read_text(), "1|.git/COMMIT_EDITMSG\n")
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertTrue(hook.is_symlink())
        self.assertEqual(os.readlink(hook), str(target))
        self.assertCalls(1)

    def test_install_refuses_when_a_chained_hook_is_already_parked(self):
        repo = self.make_repo()
        hook, log, seen = self.foreign(repo)
        parked = Path(str(hook) + ".cmtgen-chained")
        parked.write_text("#!/bin/sh\nexit 0\n")
        before = (hook.read_bytes(), parked.read_bytes())
        result = self.cmtgen(repo, "install")
        self.assertEqual(result.returncode, 1)
        self.assertOneErrorLine(result)
        self.assertEqual((hook.read_bytes(), parked.read_bytes()), before)

    def test_reinstall_keeps_the_chained_hook(self):
        repo = self.make_repo()
        hook, log, seen = self.foreign(repo)
        original = hook.read_bytes()
        self.install(repo)
        result = self.install(repo)
        self.assertIn("already installed", result.stdout)
        self.assertEqual(Path(str(hook) + ".cmtgen-chained").read_bytes(), original)


class SymlinkedBinary(InstallCase):
    """cmtgen is also the hook when argv[0] is prepare-commit-msg (a symlink)."""

    def test_a_symlink_to_cmtgen_works_as_the_hook(self):
        repo = self.make_repo()
        (repo / ".git" / "hooks" / "prepare-commit-msg").symlink_to(BINARY)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_install_over_a_symlink_to_cmtgen_does_not_chain_cmtgen_to_itself(self):
        repo = self.make_repo()
        hook = repo / ".git" / "hooks" / "prepare-commit-msg"
        hook.symlink_to(BINARY)
        self.install(repo)
        self.assertFalse(Path(str(hook) + ".cmtgen-chained").exists())
        result = self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_install_over_a_symlink_to_cmtgen_keeps_commits_working(self):
        # Whatever install decides, the commit after it must go through.
        repo = self.make_repo()
        (repo / ".git" / "hooks" / "prepare-commit-msg").symlink_to(BINARY)
        self.install(repo)
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        result = self.git(repo, "commit", "--no-edit", check=False)
        self.assertEqual(result.returncode, 0, result.stderr)


class HooksPath(InstallCase):

    def test_relative_hooks_path_from_a_subdirectory(self):
        repo = self.make_repo()
        self.git(repo, "config", "core.hooksPath", "githooks")
        sub = repo / "src" / "deep"
        sub.mkdir(parents=True)
        result = self.install(sub)
        hook = repo / "githooks" / "prepare-commit-msg"
        self.assertEqual(self.hooks_dir(sub), hook.parent.resolve())
        self.assertTrue(hook.exists(), result.stdout)
        self.assertFalse((sub / "githooks").exists())
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.write(repo, {"src/deep/x.py": "x = 1\n"})
        self.git(sub, "add", "x.py")
        self.git(sub, "commit", "--no-edit")
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_home_relative_hooks_path(self):
        repo = self.make_repo()
        self.git(repo, "config", "core.hooksPath", "~/my-hooks")
        self.install(repo)
        self.assertTrue((self.home / "my-hooks" / "prepare-commit-msg").exists())
        self.assertFalse((repo / "~").exists())
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)

    def test_global_hooks_path_needs_force(self):
        repo = self.make_repo()
        global_dir = self.home / "global-hooks"
        self.git(repo, "config", "--global", "core.hooksPath", str(global_dir))
        result = self.cmtgen(repo, "install")
        self.assertEqual(result.returncode, 1)
        self.assertOneErrorLine(result)
        self.assertIn("--force", result.stderr)
        self.assertFalse((global_dir / "prepare-commit-msg").exists())
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        result = self.install(repo, "--force")
        self.assertTrue((global_dir / "prepare-commit-msg").exists())
        self.assertEqual(mode(global_dir / "prepare-commit-msg"), 0o755)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        other = self.make_repo("other")
        self.commit_generated(other)
        self.assertEqual(self.message(other), REPLY, "every repository using that directory runs it")
        self.assertCalls(2)

    def test_a_local_hooks_path_overrides_the_global_one_without_force(self):
        repo = self.make_repo()
        self.git(repo, "config", "--global", "core.hooksPath", str(self.home / "global-hooks"))
        self.git(repo, "config", "core.hooksPath", ".githooks")
        self.install(repo)
        self.assertTrue((repo / ".githooks" / "prepare-commit-msg").exists())
        self.assertFalse((self.home / "global-hooks").exists())

    def test_hook_path_with_a_space(self):
        repo = self.make_repo("my repo")
        self.git(repo, "config", "core.hooksPath", "git hooks")
        self.install(repo)
        self.assertTrue((repo / "git hooks" / "prepare-commit-msg").exists())
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertFalse((repo / "git hooks" / "prepare-commit-msg").exists())


class RepositoryLayouts(InstallCase):

    def test_install_from_a_linked_worktree_lands_in_the_common_hooks(self):
        repo = self.make_repo()
        wt = self.root / "wt"
        self.git(repo, "worktree", "add", "-q", "-b", "wt-branch", str(wt))
        self.install(wt)
        self.assertTrue((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.assertFalse((repo / ".git" / "worktrees" / "wt" / "hooks").exists())
        self.assertIn("already installed", self.install(repo).stdout)
        self.commit_generated(wt)
        self.assertEqual(self.message(wt), REPLY)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(2)

    def test_install_inside_a_submodule_lands_in_its_module_dir(self):
        lib = self.make_repo("lib")
        repo = self.make_repo("super")
        self.git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "lib")
        self.git(repo, "commit", "-q", "-m", "Add lib")
        sub = repo / "lib"
        self.install(sub)
        self.assertTrue((repo / ".git" / "modules" / "lib" / "hooks" / "prepare-commit-msg").exists())
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.commit_generated(sub)
        self.assertEqual(self.message(sub), REPLY)
        self.assertEqual(self.message(repo), "Add lib")
        self.assertCalls(1)
        self.assertEqual(self.cmtgen(sub, "uninstall").returncode, 0)
        self.assertFalse((repo / ".git" / "modules" / "lib" / "hooks" / "prepare-commit-msg").exists())


class Husky(InstallCase):

    def husky_repo(self, tracked=True):
        repo = self.make_repo()
        husky = repo / ".husky"
        (husky / "_").mkdir(parents=True)
        (husky / "_" / ".gitignore").write_text("*\n")
        (husky / "_" / "h").write_text(HUSKY_H)
        (husky / "_" / "prepare-commit-msg").write_text(HUSKY_RUNNER)
        for name in ("h", "prepare-commit-msg"):
            (husky / "_" / name).chmod(0o755)
        self.husky_log = self.root / "husky-ran"
        if tracked:
            (husky / "prepare-commit-msg").write_text(f"echo \"team line $*\" >> '{self.husky_log}'\n")
            self.git(repo, "add", ".husky/prepare-commit-msg")
            self.git(repo, "commit", "-q", "-m", "Add husky hook")
        self.git(repo, "config", "core.hooksPath", ".husky/_")
        return repo

    def test_install_appends_a_marked_block_to_the_tracked_hook_and_leaves_the_runner_alone(self):
        repo = self.husky_repo()
        tracked = repo / ".husky" / "prepare-commit-msg"
        original = tracked.read_bytes()
        runner_before = tree_snapshot(repo / ".husky" / "_")
        result = self.install(repo)
        self.assertIn(str(tracked), result.stdout)
        text = tracked.read_text()
        self.assertTrue(text.startswith(original.decode()), text)
        self.assertIn("# >>> cmtgen >>>", text)
        self.assertIn("# <<< cmtgen <<<", text)
        self.assertIn(BINARY, text)
        self.assertEqual(tree_snapshot(repo / ".husky" / "_"), runner_before)
        self.assertFalse((repo / ".git" / "hooks" / "prepare-commit-msg").exists())
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.husky_log.read_text(), "team line .git/COMMIT_EDITMSG\n")
        self.assertCalls(1)
        self.assertIn("already", self.install(repo).stdout)
        self.assertEqual(tracked.read_text().count("# >>> cmtgen >>>"), 1)

    def test_uninstall_removes_the_block_byte_for_byte(self):
        # Only the file contents; the exit status is checked (and currently wrong) below.
        repo = self.husky_repo()
        tracked = repo / ".husky" / "prepare-commit-msg"
        original = tracked.read_bytes()
        runner_before = tree_snapshot(repo / ".husky" / "_")
        self.install(repo)
        result = self.cmtgen(repo, "uninstall")
        self.assertIn(f"removed cmtgen from {tracked}", result.stdout)
        self.assertEqual(tracked.read_bytes(), original)
        self.assertEqual(tree_snapshot(repo / ".husky" / "_"), runner_before)
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        self.git(repo, "commit", env={"GIT_EDITOR": "f() { echo 'Typed by the user' > \"$1\"; }; f"})
        self.assertEqual(self.message(repo), "Typed by the user")
        self.assertCalls(0)

    def test_uninstall_in_a_husky_repository_succeeds(self):
        repo = self.husky_repo()
        self.install(repo)
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        self.assertIn("not installed", result.stdout)

    def test_install_creates_the_tracked_hook_when_there_is_none_and_uninstall_removes_it(self):
        repo = self.husky_repo(tracked=False)
        tracked = repo / ".husky" / "prepare-commit-msg"
        runner_before = tree_snapshot(repo / ".husky" / "_")
        self.install(repo)
        self.assertTrue(tracked.exists())
        self.assertEqual(tree_snapshot(repo / ".husky" / "_"), runner_before)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertCalls(1)
        self.cmtgen(repo, "uninstall")  # exit status: see test_uninstall_in_a_husky_repository_succeeds
        self.assertFalse(tracked.exists())

    def test_a_failing_cmtgen_in_the_husky_block_does_not_break_the_commit(self):
        repo = self.husky_repo()
        self.install(repo)
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        editor = "f() { echo 'Typed by the user' > \"$1\"; }; f"
        result = self.git(repo, "commit", env={"FAKE_CLAUDE_MODE": "exit-1", "GIT_EDITOR": editor})
        self.assertEqual(self.message(repo), "Typed by the user")
        self.assertEqual(len([l for l in result.stderr.splitlines() if l.startswith("cmtgen: ")]), 1)
        self.assertCalls(1)


class OtherHookManagers(InstallCase):

    def test_lefthook_gets_a_snippet_and_nothing_is_written(self):
        repo = self.make_repo(files={"lefthook.yml": "pre-commit:\n  commands: {}\n"})
        hooks_before = tree_snapshot(repo / ".git" / "hooks")
        result = self.install(repo)
        self.assertIn("cmtgen hook", result.stdout)
        self.assertIn("prepare-commit-msg:", result.stdout)
        self.assertEqual(tree_snapshot(repo / ".git" / "hooks"), hooks_before)
        self.assertEqual((repo / "lefthook.yml").read_text(), "pre-commit:\n  commands: {}\n")
        self.assertEqual(self.git(repo, "status", "--porcelain").stdout, "")

    def test_pre_commit_framework_gets_a_snippet_and_nothing_is_written(self):
        config = "repos: []\n"
        repo = self.make_repo(files={".pre-commit-config.yaml": config})
        hooks_before = tree_snapshot(repo / ".git" / "hooks")
        result = self.install(repo)
        self.assertIn("stages: [prepare-commit-msg]", result.stdout)
        self.assertIn("cmtgen hook", result.stdout)
        self.assertEqual(tree_snapshot(repo / ".git" / "hooks"), hooks_before)
        self.assertEqual((repo / ".pre-commit-config.yaml").read_text(), config)
        self.assertEqual(self.git(repo, "status", "--porcelain").stdout, "")

    def test_pre_commit_calling_convention_skips_a_message_source(self):
        # pre-commit runs `cmtgen hook <file>` and passes the source in the environment.
        repo = self.make_repo()
        self.write(repo, {"a.txt": "a\n"})
        self.git(repo, "add", "a.txt")
        msg = repo / ".git" / "COMMIT_EDITMSG"
        msg.write_text("Given with -m\n")
        env = {"PRE_COMMIT_COMMIT_MSG_SOURCE": "message", "GIT_EDITOR": ":"}
        result = self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG", env=env)
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        self.assertEqual(msg.read_text(), "Given with -m\n")
        self.assertCalls(0)
        env = {"PRE_COMMIT_COMMIT_MSG_SOURCE": "commit", "PRE_COMMIT_COMMIT_OBJECT_NAME": "HEAD", "GIT_EDITOR": ":"}
        result = self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG", env=env)
        self.assertEqual(msg.read_text(), "Given with -m\n")
        self.assertCalls(0)
        # no source at all: a plain commit, generated
        msg.write_text("")
        result = self.cmtgen(repo, "hook", ".git/COMMIT_EDITMSG", env={"GIT_EDITOR": ":"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(msg.read_text(), REPLY + "\n")
        self.assertCalls(1)

    def test_force_writes_the_git_hook_despite_lefthook(self):
        repo = self.make_repo(files={"lefthook.yml": "{}\n"})
        self.install(repo, "--force")
        self.assertTrue((repo / ".git" / "hooks" / "prepare-commit-msg").exists())


class HostileInstall(InstallCase):
    """What the user put there survives install and uninstall, byte for byte, or the command
    changes nothing and says what to do in one `cmtgen: error: install:` line."""

    USER_LINE = "echo \"user line $*\" >> '{log}'\n"

    def hook(self, repo):
        return self.hooks_dir(repo) / "prepare-commit-msg"

    def parked(self, repo):
        return Path(str(self.hook(repo)) + ".cmtgen-chained")

    def state(self, *paths):
        """Bytes (or link target, or 'dir'/'absent') and mode of each path."""
        out = []
        for path in paths:
            path = Path(path)
            if path.is_symlink():
                out.append(("link", os.readlink(path)))
            elif path.is_dir():
                out.append(("dir", tree_snapshot(path)))
            elif path.exists():
                out.append((path.read_bytes(), mode(path)))
            else:
                out.append("absent")
        return out

    def assertInstallError(self, result):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertOneErrorLine(result)
        self.assertTrue(result.stderr.startswith("cmtgen: error: install: "), result.stderr)

    def edit_shim(self, repo):
        log = self.root / "user-line.log"
        hook = self.hook(repo)
        # Before the chaining tail (which ends in exec or exit), so that the line runs.
        text = hook.read_text()
        tail = text.index('chained="$0.cmtgen-chained"')
        hook.write_text(text[:tail] + self.USER_LINE.format(log=log) + text[tail:])
        return hook, log

    def foreign(self, repo):
        log = self.root / "foreign.log"
        hook = self.hook(repo)
        hook.write_text(f"#!/bin/sh\n# the team's hook\necho \"foreign $*\" >> '{log}'\n")
        hook.chmod(0o750)
        return hook, log

    def other_binary(self):
        moved = self.root / "old-bin"
        moved.mkdir(exist_ok=True)
        shutil.copy2(BINARY, moved / "cmtgen")
        return moved / "cmtgen"

    def commit_typed(self, repo):
        self.write(repo, {f"typed-{os.urandom(3).hex()}.txt": "t\n"})
        self.git(repo, "add", "-A")
        self.git(repo, "commit", env={"GIT_EDITOR": "f() { echo 'Typed by the user' > \"$1\"; }; f"})

    # --- item 7: an edited shim is the user's ---------------------------------------

    def test_reinstall_keeps_lines_added_to_the_shim(self):
        repo = self.make_repo()
        self.install(repo)
        hook, log = self.edit_shim(repo)
        before = self.state(hook)
        result = self.install(repo)
        self.assertEqual(self.state(hook), before)
        self.assertIn("edited", result.stdout)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(log.read_text(), "user line .git/COMMIT_EDITMSG\n")
        self.assertCalls(1)

    def test_reinstall_from_another_binary_keeps_an_edited_shim_and_says_how(self):
        repo = self.make_repo()
        old = self.other_binary()
        self.assertEqual(self.run_cmd([old, "install"], cwd=repo).returncode, 0)
        hook, log = self.edit_shim(repo)
        before = self.state(hook, self.parked(repo))
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertIn("edited", result.stderr)
        self.assertIn(f"cmtgen={shlex.quote(BINARY)}", result.stderr)
        self.assertEqual(self.state(hook, self.parked(repo)), before)
        self.commit_generated(repo)
        self.assertEqual(log.read_text(), "user line .git/COMMIT_EDITMSG\n")
        self.assertCalls(1)

    def test_reinstall_updates_an_unedited_shim_that_names_an_old_binary(self):
        repo = self.make_repo()
        old = self.other_binary()
        self.assertEqual(self.run_cmd([old, "install"], cwd=repo).returncode, 0)
        result = self.install(repo)
        self.assertIn("updated", result.stdout)
        text = self.hook(repo).read_text()
        self.assertIn(f"cmtgen={shlex.quote(BINARY)}\n", text)
        self.assertNotIn(str(old), text)

    def test_uninstall_refuses_an_edited_shim_and_changes_nothing(self):
        repo = self.make_repo()
        self.install(repo)
        hook, log = self.edit_shim(repo)
        before = self.state(hook)
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertIn(f"rm {shlex.quote(str(hook))}", result.stderr)
        self.assertEqual(self.state(hook), before)
        self.commit_generated(repo)
        self.assertEqual(log.read_text(), "user line .git/COMMIT_EDITMSG\n")
        self.assertCalls(1)

    def test_uninstall_refuses_an_edited_shim_that_chains_a_hook(self):
        repo = self.make_repo()
        hook, foreign_log = self.foreign(repo)
        self.install(repo)
        hook, log = self.edit_shim(repo)
        before = self.state(hook, self.parked(repo))
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertIn(f"mv {shlex.quote(str(self.parked(repo)))} {shlex.quote(str(hook))}", result.stderr)
        self.assertEqual(self.state(hook, self.parked(repo)), before)
        self.commit_generated(repo)
        self.assertEqual(log.read_text(), "user line .git/COMMIT_EDITMSG\n")
        self.assertEqual(foreign_log.read_text(), "foreign .git/COMMIT_EDITMSG\n")

    # --- item 17: the parked hook after the shim was deleted by hand ---------------

    def test_uninstall_after_the_shim_was_deleted_restores_the_parked_hook(self):
        repo = self.make_repo()
        hook, log = self.foreign(repo)
        original = self.state(hook)
        self.install(repo)
        hook.unlink()
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("restored", result.stdout)
        self.assertEqual(self.state(hook, self.parked(repo)), original + ["absent"])
        self.commit_typed(repo)
        self.assertEqual(log.read_text(), "foreign .git/COMMIT_EDITMSG\n")
        self.assertCalls(0)

    def test_uninstall_with_a_new_hook_in_place_says_how_to_restore_the_parked_one(self):
        repo = self.make_repo()
        hook, log = self.foreign(repo)
        self.install(repo)
        hook.unlink()
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        before = self.state(hook, self.parked(repo))
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertIn(f"`mv {shlex.quote(str(self.parked(repo)))} {shlex.quote(str(hook))}`", result.stderr)
        self.assertEqual(self.state(hook, self.parked(repo)), before)

    def test_install_after_the_shim_was_deleted_chains_the_parked_hook_again(self):
        repo = self.make_repo()
        hook, log = self.foreign(repo)
        original = self.state(hook)
        self.install(repo)
        hook.unlink()
        result = self.install(repo)
        self.assertIn("cmtgen-chained", result.stdout)
        self.assertEqual(self.state(self.parked(repo)), original)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(log.read_text(), "foreign .git/COMMIT_EDITMSG\n")
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(self.state(hook, self.parked(repo)), original + ["absent"])

    # --- siblings: what stands where the hook goes ----------------------------------

    def test_install_over_a_directory_fails_and_keeps_it(self):
        repo = self.make_repo()
        hook = self.hook(repo)
        hook.mkdir()
        (hook / "01-team").write_text("#!/bin/sh\n")
        before = self.state(hook, self.parked(repo))
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertEqual(self.state(hook, self.parked(repo)), before)

    def test_install_refuses_to_chain_a_parked_cmtgen_shim(self):
        # The shim runs whatever is parked: a parked shim would run cmtgen a second time.
        repo = self.make_repo()
        self.install(repo)
        hook = self.hook(repo)
        parked = self.parked(repo)
        hook.rename(parked)
        before = self.state(hook, parked)
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertEqual(self.state(hook, parked), before)

    def test_install_over_a_symlink_to_a_cmtgen_shim_keeps_the_symlink(self):
        repo = self.make_repo()
        self.install(repo)
        shared = self.root / "shared-hooks" / "prepare-commit-msg"
        shared.parent.mkdir()
        hook = self.hook(repo)
        hook.rename(shared)
        hook.symlink_to(shared)
        before = self.state(hook, shared, self.parked(repo))
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertEqual(self.state(hook, shared, self.parked(repo)), before)
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertEqual(self.state(hook, shared, self.parked(repo)), before)

    def test_install_over_a_dangling_symlink_to_a_moved_cmtgen_does_not_park_it(self):
        repo = self.make_repo()
        hook = self.hook(repo)
        hook.symlink_to(self.root / "gone" / "cmtgen")
        self.install(repo)
        self.assertFalse(self.parked(repo).is_symlink() or self.parked(repo).exists())
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(self.state(hook, self.parked(repo)), ["absent", "absent"])

    def test_install_where_the_hooks_path_is_a_file_fails_cleanly(self):
        repo = self.make_repo()
        (repo / "hooks-file").write_text("not a directory\n")
        self.git(repo, "config", "core.hooksPath", "hooks-file")
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertEqual((repo / "hooks-file").read_text(), "not a directory\n")

    @unittest.skipIf(os.geteuid() == 0, "root writes into read-only directories")
    def test_a_read_only_hooks_directory_fails_cleanly_and_keeps_the_hook(self):
        repo = self.make_repo()
        hook, log = self.foreign(repo)
        hooks = hook.parent
        before = tree_snapshot(hooks)
        hooks.chmod(0o555)
        try:
            result = self.cmtgen(repo, "install")
            self.assertInstallError(result)
            self.assertEqual(tree_snapshot(hooks), before)
        finally:
            hooks.chmod(0o755)
        self.install(repo)
        hooks.chmod(0o555)
        try:
            installed = tree_snapshot(hooks)
            result = self.cmtgen(repo, "uninstall")
            self.assertInstallError(result)
            self.assertEqual(tree_snapshot(hooks), installed)
        finally:
            hooks.chmod(0o755)

    # --- item 8: husky markers ------------------------------------------------------

    def husky_repo(self, text):
        repo = Husky.husky_repo(self, tracked=False)
        tracked = repo / ".husky" / "prepare-commit-msg"
        tracked.write_bytes(text.encode() if isinstance(text, str) else text)
        return repo, tracked

    def test_husky_uninstall_with_a_begin_marker_and_no_end_changes_nothing(self):
        repo, tracked = self.husky_repo("echo team one\n# >>> cmtgen >>>\necho team two\necho team three\n")
        before = self.state(tracked)
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertIn("line 2", result.stderr)
        self.assertEqual(self.state(tracked), before)

    def test_husky_uninstall_with_the_end_marker_before_the_begin_changes_nothing(self):
        repo, tracked = self.husky_repo("# <<< cmtgen <<<\necho team one\n# >>> cmtgen >>>\necho team two\n")
        before = self.state(tracked)
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertEqual(self.state(tracked), before)
        result = self.cmtgen(repo, "install")
        self.assertInstallError(result)
        self.assertEqual(self.state(tracked), before)

    def test_husky_markers_inside_a_line_are_not_markers(self):
        original = "echo '# >>> cmtgen >>>' >> notes\necho team\n"
        repo, tracked = self.husky_repo(original)
        result = self.install(repo)
        self.assertIn("added cmtgen", result.stdout)
        self.assertEqual(tracked.read_text().count("\n# >>> cmtgen >>>\n"), 1)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(tracked.read_text(), original)

    def test_husky_uninstall_removes_every_block_and_nothing_else(self):
        repo, tracked = self.husky_repo("echo team one\n")
        self.install(repo)
        block = tracked.read_text()[len("echo team one\n"):]
        # Two branches each added the block; the merge kept both.
        tracked.write_text("echo team one\n" + block + "echo team two\n" + block + "echo team three\n")
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(tracked.read_text(), "echo team one\necho team two\necho team three\n")

    def test_husky_uninstall_leaves_an_edited_block_alone(self):
        repo, tracked = self.husky_repo("echo team\n")
        self.install(repo)
        tracked.write_text(tracked.read_text().replace("|| exit $?", "|| true"))
        before = self.state(tracked)
        result = self.cmtgen(repo, "uninstall")
        self.assertInstallError(result)
        self.assertEqual(self.state(tracked), before)

    def test_husky_crlf_file_round_trips_byte_for_byte(self):
        repo, tracked = self.husky_repo(b"echo team one\r\necho team two\r\n")
        original = tracked.read_bytes()
        self.install(repo)
        self.assertNotIn(b"\n", tracked.read_bytes().replace(b"\r\n", b""), "the block follows the file's CRLF")
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(tracked.read_bytes(), original)
        self.install(repo)
        # A Windows checkout (core.autocrlf) turns the whole file, block included, to CRLF.
        tracked.write_bytes(tracked.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        result = self.cmtgen(repo, "uninstall")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(tracked.read_bytes(), original)

    def test_husky_file_without_a_final_line_break_round_trips(self):
        repo, tracked = self.husky_repo("echo team")
        self.install(repo)
        self.commit_generated(repo)
        self.assertEqual(self.message(repo), REPLY)
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(tracked.read_bytes(), b"echo team")

    def test_husky_file_holding_only_a_shebang_survives_uninstall(self):
        repo, tracked = self.husky_repo("#!/bin/sh\n")
        tracked.chmod(0o755)
        before = self.state(tracked)
        self.install(repo)
        self.assertEqual(self.cmtgen(repo, "uninstall").returncode, 0)
        self.assertEqual(self.state(tracked), before)


if __name__ == "__main__":
    main()
