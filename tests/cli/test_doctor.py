#!/usr/bin/env python3
"""CLI tests for `cmtgen doctor [--live]`.

doctor prints one line per check, each starting with a mark ([✓] fine, [!] worth a look,
[✗] blocks a message, [·] information), then a verdict line; it exits 0 only when a commit
in this repository would get a message. The model is tests/fake_claude, whose `--version`
and `auth status` answer like the real CLI 2.1.332.

Run: CMTGEN_BIN=build/cmtgen python3 tests/cli/test_doctor.py
"""

import json
import os
import re
import shlex
import shutil
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import CMTGEN, FAKE_CLAUDE, Scenario  # noqa: E402

OK = "A commit here would get a message from cmtgen."
BLOCKED = "A commit here would not get a message from cmtgen: fix the [✗] lines."
MARK = re.compile(r"^\[(✓|!|✗|·)\] \S")
PAST_MS = int((time.time() - 24 * 3600) * 1000)
KEY_LINE = "[✓] credential (cmtgen.auth=auto): ANTHROPIC_API_KEY (API key billing)"
LOGIN_ADVICE = ": run `claude` then /login, or `claude setup-token` for headless machines"


class DoctorScenario(Scenario):

    def doctor(self, cwd, *args, env=None, expect=None):
        """Runs doctor; checks the line format and, when given, the exit status and verdict.
        Returns the check lines (without the verdict)."""
        result = self.cmtgen(cwd, "doctor", *args, env=env)
        self.last = result
        lines = result.stdout.splitlines()
        self.assertTrue(lines, f"doctor printed nothing:\n{result.stderr}")
        for line in lines[:-1]:
            self.assertRegex(line, MARK)
        if not (env or {}).get("CMTGEN_DEBUG"):
            self.assertEqual(result.stderr, "")
        self.assertIn(result.returncode, (0, 1))
        self.assertEqual(lines[-1], OK if result.returncode == 0 else BLOCKED)
        if expect is not None:
            self.assertEqual(result.returncode, expect, result.stdout)
        return lines[:-1]

    def hooked_repo(self, name="repo"):
        repo = self.make_repo(name)
        result = self.cmtgen(repo, "install")
        self.assertEqual(result.returncode, 0, result.stderr)
        return repo

    def hook_file(self, repo):
        return repo / ".git" / "hooks" / "prepare-commit-msg"

    def write_settings(self, settings, directory=None):
        directory = Path(directory) if directory else self.home / ".claude"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "settings.json").write_text(json.dumps(settings))

    def one(self, lines, prefix):
        """The single line that starts with `prefix`."""
        found = [line for line in lines if line.startswith(prefix)]
        self.assertEqual(len(found), 1, f"no single line starting {prefix!r} in:\n" + "\n".join(lines))
        return found[0]

    def none_starting(self, lines, prefix):
        self.assertEqual([line for line in lines if line.startswith(prefix)], [], "\n".join(lines))

    def git_only_path(self):
        """A PATH directory holding git (doctor asks git where hooks live) and nothing else."""
        bin_dir = self.root / "git-only-bin"
        bin_dir.mkdir(exist_ok=True)
        if not (bin_dir / "git").exists():
            (bin_dir / "git").symlink_to(shutil.which("git"))
        return str(bin_dir)

    def calls_of(self, kind):
        return [c for c in self.claude_calls() if c["kind"] == kind]


# =====================================================================================
# Repository and the binary
# =====================================================================================


class RepositoryAndBinary(DoctorScenario):

    def test_the_first_line_names_this_cmtgen_and_its_version(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, expect=0)
        version = self.cmtgen(repo, "--version").stdout.split()[1]
        self.assertEqual(lines[0], f"[✓] cmtgen {version} at {os.path.realpath(CMTGEN)}")

    def test_outside_a_repository_the_repository_line_fails(self):
        outside = self.root / "outside"
        outside.mkdir()
        lines = self.doctor(outside, expect=1)
        line = self.one(lines, "[✗] repository: ")
        self.assertIn(str(outside), line)
        self.none_starting(lines, "[✓] repository")
        self.none_starting(lines, "[✓] hook")

    def test_inside_a_repository_the_repository_line_names_it_and_the_reader(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, expect=0)
        self.assertEqual(lines[1], f"[✓] repository: {repo}/ (read with libgit2)")

    def test_from_a_subdirectory_the_repository_is_found(self):
        repo = self.hooked_repo()
        (repo / "src" / "deep").mkdir(parents=True)
        lines = self.doctor(repo / "src" / "deep", expect=0)
        self.assertEqual(lines[1], f"[✓] repository: {repo}/ (read with libgit2)")


# =====================================================================================
# The hook
# =====================================================================================


class Hook(DoctorScenario):

    def test_a_repository_without_the_hook_fails_and_says_run_install(self):
        repo = self.make_repo()
        lines = self.doctor(repo, expect=1)
        self.assertIn(f"[✗] hook: not installed in {repo}/.git/hooks: run `cmtgen install`", lines)

    def test_after_install_with_the_fake_claude_and_a_key_everything_is_fine(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[✓] hook: {self.hook_file(repo)} runs this cmtgen", lines)
        self.assertIn(f"[✓] claude 2.1.332 (Claude Code) at {FAKE_CLAUDE}", lines)
        self.assertIn("[·] ANTHROPIC_API_KEY is set", lines)
        self.assertIn(KEY_LINE, lines)
        self.assertIn("[✓] `claude auth status`: logged in (api_key from ANTHROPIC_API_KEY)", lines)
        self.assertEqual([line for line in lines if not line.startswith(("[✓]", "[·]"))], [])
        # doctor spends no model request without --live
        self.assertEqual(self.calls_of("print"), [])
        self.assertEqual(len(self.calls_of("version")), 1)
        self.assertEqual(len(self.calls_of("auth-status")), 1)

    def test_a_chained_foreign_hook_is_mentioned(self):
        repo = self.make_repo()
        hook = self.hook_file(repo)
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        self.assertEqual(self.cmtgen(repo, "install").returncode, 0)
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[✓] hook: {hook} runs this cmtgen (then the previous hook, chained)", lines)

    def test_a_foreign_hook_fails(self):
        repo = self.make_repo()
        hook = self.hook_file(repo)
        hook.write_text("#!/bin/sh\necho another tool\n")
        hook.chmod(0o755)
        lines = self.doctor(repo, expect=1)
        self.assertIn(f"[✗] hook: {hook} belongs to another tool: run `cmtgen install` to chain it", lines)

    def test_a_hook_that_is_not_executable_fails(self):
        repo = self.hooked_repo()
        self.hook_file(repo).chmod(0o644)
        lines = self.doctor(repo, expect=1)
        self.assertIn(f"[✗] hook: {self.hook_file(repo)} is not executable (git skips it): run `cmtgen install`",
                      lines)

    def other_cmtgen(self):
        other = self.root / "other bin" / "cmtgen"
        other.parent.mkdir()
        shutil.copy2(CMTGEN, other)
        return other

    def test_a_hook_that_runs_another_cmtgen_is_a_warning(self):
        repo = self.make_repo()
        other = self.other_cmtgen()
        self.assertEqual(self.run_cmd([other, "install"], cwd=repo).returncode, 0)
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[!] hook: {self.hook_file(repo)} runs another cmtgen ({other}); "
                      "`cmtgen install` points it here", lines)

    def test_a_hook_whose_cmtgen_is_gone_but_one_is_on_path_is_a_warning(self):
        repo = self.make_repo()
        other = self.other_cmtgen()
        self.assertEqual(self.run_cmd([other, "install"], cwd=repo).returncode, 0)
        other.unlink()
        on_path = self.root / "path-bin"
        on_path.mkdir()
        (on_path / "cmtgen").symlink_to(os.path.realpath(CMTGEN))
        lines = self.doctor(repo, env={"PATH": f"{on_path}:{self.env['PATH']}"}, expect=0)
        self.assertIn(f"[!] hook: {self.hook_file(repo)} points at {other}, which is gone (it falls back to "
                      "cmtgen on PATH); run `cmtgen install`", lines)

    def test_a_hook_whose_cmtgen_is_gone_with_none_on_path_fails(self):
        repo = self.make_repo()
        other = self.other_cmtgen()
        self.assertEqual(self.run_cmd([other, "install"], cwd=repo).returncode, 0)
        other.unlink()
        self.assertIsNone(shutil.which("cmtgen", path=self.env["PATH"]))
        # What the commit really does: no message.
        self.stage(repo, {"new.txt": "x\n"})
        commit = self.git(repo, "commit", env={"GIT_EDITOR": ":"}, check=False)
        self.assertIn("is gone and cmtgen is not on PATH", commit.stderr)
        self.assertNotEqual(commit.returncode, 0)
        lines = self.doctor(repo)
        self.assertEqual(self.last.returncode, 1, "\n".join(lines))
        self.one(lines, "[✗] hook: ")


# =====================================================================================
# Configuration
# =====================================================================================


class Configuration(DoctorScenario):

    def test_cmtgen_enabled_false_fails_as_disabled(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.enabled", "false")
        lines = self.doctor(repo, expect=1)
        self.assertIn("[✗] cmtgen is disabled (cmtgen.enabled=false or CMTGEN_SKIP is set)", lines)

    def test_cmtgen_skip_fails_as_disabled(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"CMTGEN_SKIP": "1"}, expect=1)
        self.assertIn("[✗] cmtgen is disabled (cmtgen.enabled=false or CMTGEN_SKIP is set)", lines)

    def test_an_unknown_key_gets_a_did_you_mean_warning(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.modle", "sonnet")
        lines = self.doctor(repo, expect=0)
        self.assertIn("[!] unknown config key cmtgen.modle (from local config); did you mean cmtgen.model?", lines)

    def test_an_invalid_value_is_reported_with_key_value_and_origin(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.timeout", "soon")
        lines = self.doctor(repo, expect=1)
        self.assertEqual(len([line for line in lines if "invalid value 'soon' for cmtgen.timeout (from local config)"
                              in line and line.startswith("[✗]")]), 1, "\n".join(lines))

    def test_an_invalid_value_does_not_hide_the_repository_and_hook_checks(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.timeout", "soon")
        lines = self.doctor(repo, expect=1)
        self.assertIn(f"[✓] repository: {repo}/ (read with libgit2)", lines)
        self.assertIn(f"[✓] hook: {self.hook_file(repo)} runs this cmtgen", lines)


# =====================================================================================
# Credentials
# =====================================================================================


class Credentials(DoctorScenario):

    def test_a_key_with_a_stored_login_warns_that_the_key_is_removed(self):
        repo = self.hooked_repo()
        login = self.write_login()
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[✓] stored login: {login}", lines)
        self.assertIn(f"[✓] credential (cmtgen.auth=auto): subscription login ({login})", lines)
        self.assertIn(f"[!] ignored: ANTHROPIC_API_KEY (removed: it would override the subscription login in "
                      f"{login}; set cmtgen.auth=api-key to use the key)", lines)
        # claude was asked with the environment cmtgen would give it: no key.
        self.assertIn("[✓] `claude auth status`: logged in (claude.ai)", lines)
        self.assertNotIn("ANTHROPIC_API_KEY", self.calls_of("auth-status")[0]["env"])

    def test_a_key_kept_by_auth_api_key_over_a_login_is_a_warning(self):
        repo = self.hooked_repo()
        self.write_login()
        lines = self.doctor(repo, env={"CMTGEN_AUTH": "api-key"}, expect=0)
        self.assertIn("[✓] credential (cmtgen.auth=api-key): ANTHROPIC_API_KEY (API key billing)", lines)
        self.assertIn("[!] ANTHROPIC_API_KEY overrides the stored login in -p mode (cmtgen.auth keeps it)", lines)

    def test_a_blank_key_is_a_warning_that_it_is_empty(self):
        repo = self.hooked_repo()
        self.write_login()
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": "  "}, expect=0)
        self.assertIn("[!] ANTHROPIC_API_KEY is set but empty (cmtgen removes it)", lines)
        self.assertIn("[!] ignored: ANTHROPIC_API_KEY (empty)", lines)

    def test_a_blank_key_and_nothing_else_is_not_logged_in(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": "  "}, expect=1)
        self.assertIn("[!] ANTHROPIC_API_KEY is set but empty (cmtgen removes it)", lines)
        self.assertIn("[✗] credential (cmtgen.auth=auto): none: no login and no API key" + LOGIN_ADVICE, lines)

    def test_no_credential_at_all_fails_as_not_logged_in(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None}, expect=1)
        self.assertIn("[✗] credential (cmtgen.auth=auto): none: no login and no API key" + LOGIN_ADVICE, lines)
        self.assertIn("[✗] `claude auth status`: not logged in (none)", lines)
        self.none_starting(lines, "[·] ANTHROPIC_API_KEY")

    def test_auth_api_key_without_a_key_fails(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.auth", "api-key")
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None}, expect=1)
        self.assertIn("[✗] credential: cmtgen.auth=api-key but ANTHROPIC_API_KEY is not set: export a valid key, "
                      "or use `git config --global cmtgen.auth auto`", lines)

    def test_an_oauth_token_in_the_environment_is_the_credential(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None, "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-x"},
                            expect=0)
        self.assertIn("[·] CLAUDE_CODE_OAUTH_TOKEN is set", lines)
        self.assertIn("[✓] credential (cmtgen.auth=auto): CLAUDE_CODE_OAUTH_TOKEN (subscription token from "
                      "`claude setup-token`)", lines)
        self.assertIn("[✓] `claude auth status`: logged in (oauth_token)", lines)

    def test_claude_config_dir_is_shown_and_used_for_the_login(self):
        repo = self.hooked_repo()
        config_dir = self.root / "claude-config"
        login = self.write_login(config_dir)
        lines = self.doctor(repo, env={"CLAUDE_CONFIG_DIR": str(config_dir), "ANTHROPIC_API_KEY": None}, expect=0)
        self.assertIn(f"[·] CLAUDE_CONFIG_DIR={config_dir}", lines)
        self.assertIn(f"[✓] stored login: {login}", lines)
        self.assertIn(f"[✓] credential (cmtgen.auth=auto): subscription login ({login})", lines)

    def test_claude_config_dir_hides_a_login_in_home(self):
        repo = self.hooked_repo()
        self.write_login()
        config_dir = self.root / "claude-config"
        config_dir.mkdir()
        lines = self.doctor(repo, env={"CLAUDE_CONFIG_DIR": str(config_dir), "ANTHROPIC_API_KEY": None}, expect=1)
        self.none_starting(lines, "[✓] stored login")
        self.assertIn("[✗] credential (cmtgen.auth=auto): none: no login and no API key" + LOGIN_ADVICE, lines)

    def test_an_expired_stored_login_is_a_warning(self):
        repo = self.hooked_repo()
        login = self.write_login(expires_at=PAST_MS)
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None}, expect=0)
        self.assertIn(f"[!] stored login: {login}; its access token has expired (claude refreshes it on use; "
                      "if requests fail, run `claude` then /login)", lines)

    def test_a_credentials_file_without_the_inference_scope_is_a_warning(self):
        repo = self.hooked_repo()
        login = self.write_login(scopes=("user:profile",))
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[!] {login} holds no usable login (no access token with the user:inference scope)", lines)
        self.assertIn(KEY_LINE, lines)


class UserSettings(DoctorScenario):

    def test_an_api_key_helper_suggests_setting_sources_user(self):
        repo = self.hooked_repo()
        self.write_settings({"apiKeyHelper": "~/bin/get-key"})
        lines = self.doctor(repo, expect=0)
        self.assertIn("[!] your claude user settings set apiKeyHelper, which cmtgen's hermetic run ignores: "
                      "`git config --global cmtgen.settingSources user` uses them", lines)

    def test_a_gateway_base_url_suggests_setting_sources_user(self):
        repo = self.hooked_repo()
        self.write_settings({"env": {"ANTHROPIC_BASE_URL": "https://gateway.example"}})
        lines = self.doctor(repo, expect=0)
        self.assertIn("[!] your claude user settings set env.ANTHROPIC_BASE_URL, which cmtgen's hermetic run "
                      "ignores: `git config --global cmtgen.settingSources user` uses them", lines)

    def test_settings_in_claude_config_dir_are_the_ones_read(self):
        repo = self.hooked_repo()
        config_dir = self.root / "claude-config"
        self.write_settings({"apiKeyHelper": "/bin/true"}, config_dir)
        lines = self.doctor(repo, env={"CLAUDE_CONFIG_DIR": str(config_dir)}, expect=0)
        self.one(lines, "[!] your claude user settings set apiKeyHelper")

    def test_no_suggestion_once_setting_sources_is_user(self):
        repo = self.hooked_repo()
        self.write_settings({"apiKeyHelper": "~/bin/get-key", "env": {"ANTHROPIC_BASE_URL": "https://g.example"}})
        self.git(repo, "config", "cmtgen.settingSources", "user")
        lines = self.doctor(repo, expect=0)
        self.none_starting(lines, "[!] your claude user settings")

    def test_unrelated_user_settings_bring_no_suggestion(self):
        repo = self.hooked_repo()
        self.write_settings({"theme": "dark", "env": {"EDITOR": "vi"}})
        lines = self.doctor(repo, expect=0)
        self.none_starting(lines, "[!] your claude user settings")


# =====================================================================================
# Recent hook failures
# =====================================================================================


class RecentFailures(DoctorScenario):

    def failing_commit(self, repo, content):
        self.stage(repo, {"change.txt": content})
        result = self.git(repo, "commit", env={"FAKE_CLAUDE_MODE": "exit-1", "GIT_EDITOR": ":"}, check=False)
        self.assertNotEqual(result.returncode, 0, "the commit should stop on the empty message")

    def test_a_failed_hook_run_appears(self):
        repo = self.hooked_repo()
        self.failing_commit(repo, "one\n")
        lines = self.doctor(repo, expect=0)
        failures = [line for line in lines if line.startswith("[!] hook failed at ")]
        self.assertEqual(len(failures), 1, "\n".join(lines))
        self.assertRegex(failures[0], r"^\[!\] hook failed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: backend-failed "
                                      r"claude exited with status 1: no output \(run `cmtgen doctor`\)$")

    def test_only_the_three_most_recent_failures_appear(self):
        repo = self.hooked_repo()
        for i in range(4):
            self.failing_commit(repo, f"change {i}\n")
        lines = self.doctor(repo, expect=0)
        self.assertEqual(len([line for line in lines if line.startswith("[!] hook failed at ")]), 3)

    def test_a_successful_hook_run_is_not_listed(self):
        repo = self.hooked_repo()
        self.stage(repo, {"change.txt": "fine\n"})
        self.git(repo, "commit", env={"GIT_EDITOR": ":"})
        self.assertEqual(self.message_of(repo), "Add the staged change")
        lines = self.doctor(repo, expect=0)
        self.none_starting(lines, "[!] hook failed")

    def message_of(self, repo):
        return self.head_message(repo).rstrip("\n")


# =====================================================================================
# --live
# =====================================================================================


class Live(DoctorScenario):

    def test_live_success_reports_latency_backend_and_model(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, "--live", expect=0)
        line = self.one(lines, "[✓] live request: ")
        self.assertRegex(line, r"^\[✓\] live request: answered in \d+\.\d s by claude \(claude-haiku-5-5\), "
                               r"\$0\.\d{6}$")
        calls = self.calls_of("print")
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["argv"][:3], ["-p", "--output-format", "json"])
        self.assertIn("--tools=", calls[0]["argv"])

    def test_live_with_a_rejected_key_fails_with_the_class(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, "--live", env={"FAKE_CLAUDE_MODE": "api-key-rejected"}, expect=1)
        line = self.one(lines, "[✗] live request: ")
        self.assertRegex(line, r"^\[✗\] live request: api-key-rejected after \d+\.\d s: claude rejected "
                               r"ANTHROPIC_API_KEY")

    def test_live_with_a_rate_limit_fails_with_the_class(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, "--live", env={"FAKE_CLAUDE_MODE": "rate-limited"}, expect=1)
        self.assertRegex(self.one(lines, "[✗] live request: "), r"^\[✗\] live request: rate-limited after ")

    def test_live_spends_nothing_when_a_check_already_fails(self):
        repo = self.make_repo()  # no hook
        lines = self.doctor(repo, "--live", expect=1)
        self.none_starting(lines, "[✓] live request")
        self.none_starting(lines, "[✗] live request")
        self.assertEqual(self.calls_of("print"), [])

    def test_live_through_the_offline_backend(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, "--live", env={"CMTGEN_BACKEND": "offline"}, expect=0)
        self.assertRegex(self.one(lines, "[✓] live request: "),
                         r"^\[✓\] live request: answered in \d+\.\d s by offline \(none \(offline draft\)\)$")


# =====================================================================================
# Backends and finding claude
# =====================================================================================


class Backends(DoctorScenario):

    def test_backend_offline_is_a_warning_and_runs_no_claude(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"CMTGEN_BACKEND": "offline"}, expect=0)
        self.assertIn("[!] backend offline: messages are drafts from the file list, not a model's", lines)
        self.none_starting(lines, "[✓] claude ")
        self.assertEqual(self.claude_calls(), [])

    def test_backend_command_names_the_command(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.backend", "command")
        self.git(repo, "config", "cmtgen.command", f"{shlex.quote(sys.executable)} -m llm")
        lines = self.doctor(repo, expect=0)
        self.assertIn(f"[✓] backend command: {sys.executable} -m llm", lines)
        self.assertEqual(self.claude_calls(), [])

    def test_backend_command_with_a_missing_program_fails(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.backend", "command")
        self.git(repo, "config", "cmtgen.command", "no-such-llm-program -m x")
        lines = self.doctor(repo, expect=1)
        self.assertIn("[✗] backend command: cmtgen.command is unset or not found on PATH", lines)

    def test_backend_command_without_a_command_fails(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"CMTGEN_BACKEND": "command"}, expect=1)
        self.assertIn("[✗] backend command: cmtgen.command is unset or not found on PATH", lines)

    def test_claude_not_found_lists_where_it_looked(self):
        repo = self.hooked_repo()
        if any(os.access(p, os.X_OK) for p in ("/usr/local/bin/claude", "/usr/bin/claude", "/opt/homebrew/bin/claude")):
            self.skipTest("a claude is installed system-wide")
        lines = self.doctor(repo, env={"CMTGEN_CLAUDE": None, "PATH": self.git_only_path()}, expect=1)
        self.assertIn("[✗] claude not found (looked in PATH, ~/.claude/local/claude, ~/.local/bin/claude, "
                      "~/.npm-global/bin/claude, ~/.volta/bin/claude, ~/.bun/bin/claude, /usr/local/bin/claude, "
                      "/opt/homebrew/bin/claude, /usr/bin/claude): install Claude Code, or set "
                      "`git config --global cmtgen.claude /path/to/claude`", lines)
        self.assertIn(f"[✓] hook: {self.hook_file(repo)} runs this cmtgen", lines)

    def test_a_claude_setting_that_does_not_exist_fails_and_names_it(self):
        repo = self.hooked_repo()
        lines = self.doctor(repo, env={"CMTGEN_CLAUDE": "/nonexistent/claude"}, expect=1)
        self.assertIn("[✗] CMTGEN_CLAUDE=/nonexistent/claude is not an executable claude: fix it with "
                      "`git config --global cmtgen.claude /path/to/claude`", lines)

    def test_a_claude_that_does_not_run_fails(self):
        repo = self.hooked_repo()
        broken = self.root / "broken-claude"
        broken.write_text("#!/bin/sh\necho 'segfault in node' >&2\nexit 139\n")
        broken.chmod(0o755)
        lines = self.doctor(repo, env={"CMTGEN_CLAUDE": str(broken)}, expect=1)
        self.assertIn(f"[✗] {broken} does not run: segfault in node", lines)

    def test_claude_in_a_usual_install_location_is_found_with_a_thin_path(self):
        repo = self.hooked_repo()
        local_bin = self.home / ".local" / "bin"
        local_bin.mkdir(parents=True)
        (local_bin / "claude").symlink_to(FAKE_CLAUDE)
        # The fake needs python3 on PATH for its #! line; claude itself must not be there.
        python_dir = self.root / "python-bin"
        python_dir.mkdir()
        (python_dir / "python3").symlink_to(sys.executable)
        lines = self.doctor(repo, env={"CMTGEN_CLAUDE": None, "PATH": f"{self.git_only_path()}:{python_dir}"},
                            expect=0)
        self.assertIn(f"[✓] claude 2.1.332 (Claude Code) at {local_bin / 'claude'}", lines)


# =====================================================================================
# Every claude run is hermetic; program paths mean one file
# =====================================================================================


class HermeticRuns(DoctorScenario):

    def test_a_repositorys_claude_settings_do_not_decide_the_auth_check(self):
        repo = self.hooked_repo()
        self.write_settings({"apiKeyHelper": "echo sk-planted-by-the-repository"}, repo / ".claude")
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None}, expect=1)
        self.assertIn("[✗] `claude auth status`: not logged in (none)", lines)
        self.none_starting(lines, "[✓] `claude auth status`")

    def test_every_claude_run_is_outside_the_repository_with_the_hermetic_environment(self):
        repo = self.hooked_repo()
        git_env = {"GIT_DIR": str(repo / ".git"), "GIT_WORK_TREE": str(repo),
                   "GIT_INDEX_FILE": str(repo / ".git" / "index")}
        self.doctor(repo, "--live", env=git_env, expect=0)
        calls = self.claude_calls()
        self.assertEqual(sorted(c["kind"] for c in calls), ["auth-status", "print", "version"])
        for call in calls:
            with self.subTest(kind=call["kind"]):
                self.assertTrue(call["cwd_empty"], call["cwd"])
                self.assertNotIn(str(repo.resolve()), str(Path(call["cwd"]).resolve()))
                self.assertFalse(Path(call["cwd"]).exists(), "the scratch directory was left behind")
                for name in git_env:
                    self.assertNotIn(name, call["env"])
                self.assertEqual(call["env"].get("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), "1")
        self.assertEqual(self.calls_of("auth-status")[0]["argv"], ["--setting-sources=", "auth", "status"])

    def test_setting_sources_user_is_what_the_auth_check_reads(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.settingSources", "user")
        self.write_settings({"apiKeyHelper": "echo sk-helper"})
        lines = self.doctor(repo, env={"ANTHROPIC_API_KEY": None})
        self.assertIn("[✓] `claude auth status`: logged in (api_key_helper from apiKeyHelper)", lines)
        self.assertEqual(self.calls_of("auth-status")[0]["argv"], ["--setting-sources=user", "auth", "status"])

    def test_a_relative_claude_path_is_a_config_failure_like_in_the_hook(self):
        repo = self.hooked_repo()
        (repo / "bin").mkdir()
        (repo / "bin" / "claude").symlink_to(FAKE_CLAUDE)
        for value in ("bin/claude", "./bin/claude"):
            with self.subTest(value=value):
                lines = self.doctor(repo, env={"CMTGEN_CLAUDE": value}, expect=1)
                self.one(lines, f"[✗] config: CMTGEN_CLAUDE={value} is a relative path")
                self.none_starting(lines, "[✓] claude ")
        self.assertEqual(self.claude_calls(), [])

    def test_install_reports_a_relative_claude_path_in_its_verdict(self):
        repo = self.make_repo()
        (repo / "bin").mkdir()
        (repo / "bin" / "claude").symlink_to(FAKE_CLAUDE)
        result = self.cmtgen(repo, "install", env={"CMTGEN_CLAUDE": "bin/claude"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("CMTGEN_CLAUDE=bin/claude is a relative path", result.stdout.splitlines()[-1])

    def test_a_relative_command_path_is_a_config_failure(self):
        repo = self.hooked_repo()
        tool = repo / "tools" / "gen"
        tool.parent.mkdir()
        tool.write_text("#!/bin/sh\necho 'Fix it'\n")
        tool.chmod(0o755)
        self.git(repo, "config", "cmtgen.backend", "command")
        self.git(repo, "config", "cmtgen.command", "tools/gen --fast")
        lines = self.doctor(repo, expect=1)
        self.one(lines, "[✗] config: cmtgen.command (local config)=tools/gen is a relative path")
        self.none_starting(lines, "[✓] backend command")


# =====================================================================================
# Secrets
# =====================================================================================


class Secrets(DoctorScenario):

    PLANTED = {"ANTHROPIC_API_KEY": "sk-ant-api03-PLANTEDKEYzq8Vx",
               "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-PLANTEDOAUTHr7Wy",
               "ANTHROPIC_AUTH_TOKEN": "PLANTEDGATEWAYk3Jm"}
    FILE_SECRETS = ("sk-ant-oat01-PLANTEDACCESSp2Qn", "sk-ant-ort01-PLANTEDREFRESHt5Lc")

    def test_no_token_or_key_value_is_ever_printed(self):
        repo = self.hooked_repo()
        self.write_login(access=self.FILE_SECRETS[0], refresh=self.FILE_SECRETS[1], expires_at=PAST_MS)
        self.write_settings({"apiKeyHelper": "echo PLANTEDHELPERv9Bd",
                             "env": {"ANTHROPIC_API_KEY": "PLANTEDSETTINGSKEYm4Xs"}})
        secrets = list(self.PLANTED.values()) + list(self.FILE_SECRETS) + ["PLANTEDHELPERv9Bd",
                                                                          "PLANTEDSETTINGSKEYm4Xs"]
        runs = [
            ((), {}),
            (("--live",), {}),
            (("--live",), {"CMTGEN_DEBUG": "1"}),
            (("--live",), {"FAKE_CLAUDE_MODE": "api-key-rejected", "CMTGEN_AUTH": "api-key"}),
            ((), {"CMTGEN_AUTH": "inherit"}),
            ((), {"ANTHROPIC_API_KEY": "  "}),
        ]
        for args, extra in runs:
            with self.subTest(args=args, extra=extra):
                result = self.cmtgen(repo, "doctor", *args, env={**self.PLANTED, **extra})
                self.assertIn(result.returncode, (0, 1))
                for secret in secrets:
                    self.assertNotIn(secret, result.stdout)
                    self.assertNotIn(secret, result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
