#!/usr/bin/env python3
"""CLI tests for the model side of cmtgen: `cmtgen preview` through each backend.

The claude backend runs tests/fake_claude, which records every invocation (argv, stdin,
environment, cwd, process group, the system prompt file) so the tests can check exactly
how cmtgen ran it; the command backend runs small Python scripts; the offline backend runs
nothing. Every failure class is checked for its exit status, its single stderr line and
its `--json` form.

Run: CMTGEN_BIN=build/cmtgen python3 tests/cli/test_backends.py
"""

import json
import os
import pty
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import CMTGEN, FAKE_CLAUDE, HookScenario, Scenario  # noqa: E402

HERMETIC_ARGV = ["-p", "--output-format", "json", "--tools=", "--setting-sources=", "--strict-mcp-config",
                 "--no-session-persistence", "--max-turns", "1", "--model", "haiku", "--system-prompt-file"]
GIT_LOCAL_VARS = ["GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_CONFIG_PARAMETERS",
                  "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"]
KEY = "sk-ant-test-fake"  # testlib's default ANTHROPIC_API_KEY
PAST_MS = int((time.time() - 24 * 3600) * 1000)
REPLY = "Parse widgets from the config file\n\nThe parser used to skip nested widgets."


def process_state(pid):
    """The state letter of /proc/<pid>/stat, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def group_members(pgid):
    """Pids of live (not zombie) processes whose process group is `pgid`."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry))
    return members


def is_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return process_state(pid) not in (None, "Z", "X")


class BackendScenario(Scenario):
    """Scenario plus a repository with a staged change and the preview helpers."""

    def staged_repo(self, name="repo"):
        repo = self.make_repo(name, {"README.md": "# project\n", "src/widget.py": "def parse():\n    return []\n"})
        self.stage(repo, {"src/widget.py": "def parse():\n    return [w for w in load() if w]\n"})
        return repo

    def preview(self, repo, *args, env=None, timeout=60):
        return self.cmtgen(repo, "preview", *args, env=env, timeout=timeout)

    def preview_json(self, repo, *args, env=None):
        result = self.preview(repo, "--json", *args, env=env)
        self.assertEqual(result.returncode, 0, f"preview --json failed:\n{result.stdout}\n{result.stderr}")
        self.assertEqual(result.stderr, "")
        return json.loads(result.stdout)

    def print_calls(self):
        return [c for c in self.claude_calls() if c["kind"] == "print"]

    def only_call(self):
        calls = self.print_calls()
        self.assertEqual(len(calls), 1, f"expected exactly one claude -p call, got {len(calls)}")
        return calls[0]

    def claude_env(self, repo, env=None):
        """Runs a successful preview and returns the environment claude received."""
        result = self.preview(repo, "--no-cache", env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return self.print_calls()[-1]["env"]

    def assert_failure(self, repo, klass, *args, env=None, timeout=60):
        """Plain and --json runs both fail with `klass`: exit 1, one stderr line, the JSON
        error object. Returns the message part of the line."""
        result = self.preview(repo, *args, env=env, timeout=timeout)
        self.assertEqual(result.returncode, 1, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"expected one stderr line:\n{result.stderr}")
        prefix = f"cmtgen: error: {klass}: "
        self.assertTrue(lines[0].startswith(prefix), f"{lines[0]!r} does not start with {prefix!r}")
        message = lines[0][len(prefix):]
        self.assertTrue(message.strip(), "the failure line says nothing after its class")

        as_json = self.preview(repo, "--json", *args, env=env, timeout=timeout)
        self.assertEqual(as_json.returncode, 1, as_json.stderr)
        data = json.loads(as_json.stdout)
        self.assertEqual(set(data["error"]), {"class", "message"})
        self.assertEqual(data["error"]["class"], klass)
        # The same line on stderr (claude's own words may carry a fresh request id).
        self.assertEqual(as_json.stderr.splitlines(), [prefix + data["error"]["message"]])
        return message

    def assert_group_gone(self, call):
        """No process of the fake's process group (nor its grandchild) is left running."""
        pgid = call["pgid"]
        self.assertEqual(pgid, call["pid"], "claude should lead its own process group")
        deadline = time.monotonic() + 1.5  # SIGKILL is asynchronous; the kernel needs a moment
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(group_members(pgid), [], f"processes of claude's group {pgid} survived")
        for pid in (call["pid"], call.get("grandchild_pid")):
            if pid:
                self.assertFalse(is_alive(pid), f"process {pid} survived")

    def full_env(self, env=None):
        full = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full.pop(key, None)
            else:
                full[key] = value
        return full


def fake_cost(call, result_text):
    """total_cost_usd as tests/fake_claude computes it for haiku."""
    chars = len(call["stdin"]) + len(call["system_prompt"])
    inp = 450 + chars // 4
    out = max(1, len(result_text) // 4) if result_text else 1
    return round(inp * 1e-7 + out * 5e-7, 10)


# =====================================================================================
# Success through the fake claude
# =====================================================================================


class Success(BackendScenario):

    def test_stdout_is_exactly_the_message_and_stderr_is_empty(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"FAKE_CLAUDE_REPLY": REPLY})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, REPLY + "\n")
        self.assertEqual(result.stderr, "")

    def test_a_fenced_reply_is_cleaned(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"FAKE_CLAUDE_MODE": "fenced", "FAKE_CLAUDE_REPLY": REPLY})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, REPLY + "\n")

    def test_a_reply_with_a_preamble_is_cleaned(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"FAKE_CLAUDE_MODE": "preamble", "FAKE_CLAUDE_REPLY": REPLY})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, REPLY + "\n")

    def test_json_describes_the_message_backend_model_credential_cost_and_prompt(self):
        repo = self.staged_repo()
        printed = self.preview(repo, "--print-prompt").stdout
        data = self.preview_json(repo, env={"FAKE_CLAUDE_REPLY": REPLY})
        call = self.only_call()
        self.assertEqual(set(data), {"message", "candidates", "backend", "model", "credential", "elapsed_ms",
                                     "cost_usd", "prompt"})
        self.assertEqual(data["message"], REPLY)
        self.assertEqual(data["candidates"], [REPLY])
        self.assertEqual(data["backend"], "claude")
        self.assertEqual(data["model"], "claude-haiku-5-5")  # as claude reported it in modelUsage
        self.assertEqual(data["credential"], {"used": "ANTHROPIC_API_KEY (API key billing)", "ignored": ""})
        self.assertIsInstance(data["elapsed_ms"], int)
        self.assertGreaterEqual(data["elapsed_ms"], 0)
        self.assertIsInstance(data["cost_usd"], float)
        self.assertAlmostEqual(data["cost_usd"], fake_cost(call, REPLY), places=10)
        self.assertEqual(data["prompt"], {"bytes": len(printed.encode()), "omitted": []})

    def test_json_names_the_files_the_prompt_left_out(self):
        repo = self.staged_repo()
        self.stage(repo, {"package-lock.json": '{"lockfileVersion": 3}\n'})
        data = self.preview_json(repo)
        self.assertEqual(data["prompt"]["omitted"],
                         json.loads(self.preview(repo, "--print-prompt", "--json").stdout)["omitted"])
        self.assertIn("package-lock.json", [o["path"] for o in data["prompt"]["omitted"]])

    def test_three_candidates_are_asked_for_in_one_request_and_printed_with_separators(self):
        repo = self.staged_repo()
        reply = "Parse nested widgets\n=====\nFix the widget parser\n=====\nHandle empty widgets"
        result = self.preview(repo, "-n", "3", env={"FAKE_CLAUDE_REPLY": reply})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout,
                         "Parse nested widgets\n\n=====\n\nFix the widget parser\n\n=====\n\nHandle empty widgets\n")
        call = self.only_call()
        self.assertIn("Write 3 different alternative messages", call["system_prompt"])
        self.assertIn("a line containing only =====", call["system_prompt"])

    def test_three_candidates_in_json_are_listed_with_the_first_as_the_message(self):
        repo = self.staged_repo()
        reply = "Parse nested widgets\n=====\nFix the widget parser\n=====\nHandle empty widgets"
        data = self.preview_json(repo, "-n", "3", env={"FAKE_CLAUDE_REPLY": reply})
        self.assertEqual(data["candidates"], ["Parse nested widgets", "Fix the widget parser", "Handle empty widgets"])
        self.assertEqual(data["message"], "Parse nested widgets")

    def test_with_one_candidate_a_line_of_equals_signs_stays_in_the_message(self):
        repo = self.staged_repo()
        reply = "Add usage docs\n\nUsage\n=====\nRun it with --fast."
        data = self.preview_json(repo, env={"FAKE_CLAUDE_REPLY": reply})
        self.assertEqual(data["candidates"], [reply])

    def test_one_candidate_does_not_ask_for_alternatives(self):
        repo = self.staged_repo()
        self.assertEqual(self.preview(repo).returncode, 0)
        self.assertNotIn("alternative", self.only_call()["system_prompt"])
        self.assertNotIn("=====", self.only_call()["system_prompt"])


# =====================================================================================
# How claude is run
# =====================================================================================


class HermeticInvocation(BackendScenario):

    def test_argv_is_exactly_the_hermetic_invocation(self):
        repo = self.staged_repo()
        self.assertEqual(self.preview(repo).returncode, 0)
        call = self.only_call()
        self.assertEqual(call["argv0"], str(FAKE_CLAUDE))
        self.assertEqual(call["argv"][:-1], HERMETIC_ARGV)
        self.assertEqual(call["argv"][-1], call["system_prompt_file"])
        self.assertIn("--tools=", call["argv"], "--tools= must be one argument")
        self.assertNotIn("--tools", call["argv"])

    def test_setting_sources_user_is_passed_as_one_argument(self):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.settingSources", "user")
        self.assertEqual(self.preview(repo).returncode, 0)
        argv = self.only_call()["argv"]
        self.assertIn("--setting-sources=user", argv)
        self.assertNotIn("--setting-sources=", argv)
        expected = [a if a != "--setting-sources=" else "--setting-sources=user" for a in HERMETIC_ARGV]
        self.assertEqual(argv[:-1], expected)

    def test_model_precedence_is_flag_then_environment_then_git_config_then_haiku(self):
        repo = self.staged_repo()
        steps = [
            ((), {}, "haiku"),
            ((), {"config": "opus"}, "opus"),
            ((), {"config": "opus", "CMTGEN_MODEL": "sonnet"}, "sonnet"),
            (("--model", "fable"), {"config": "opus", "CMTGEN_MODEL": "sonnet"}, "fable"),
        ]
        for args, setting, expected in steps:
            with self.subTest(expected=expected):
                if "config" in setting:
                    self.git(repo, "config", "cmtgen.model", setting["config"])
                env = {"CMTGEN_MODEL": setting.get("CMTGEN_MODEL")}
                result = self.preview(repo, "--no-cache", *args, env=env)
                self.assertEqual(result.returncode, 0, result.stderr)
                argv = self.print_calls()[-1]["argv"]
                self.assertEqual(argv[argv.index("--model") + 1], expected)

    def test_the_prompt_on_stdin_is_print_prompt_byte_for_byte(self):
        repo = self.staged_repo()
        self.stage(repo, {"docs/naïve.md": "Ünïcödé text\n"})
        printed = subprocess.run([CMTGEN, "preview", "--print-prompt"], cwd=repo, env=self.full_env(),
                                 capture_output=True, check=True).stdout
        self.assertEqual(self.preview(repo).returncode, 0)
        call = self.only_call()
        self.assertEqual(call["stdin_bytes"], len(printed))
        self.assertEqual(call["stdin"].encode(), printed)
        self.assertEqual(call["argv"][1:], HERMETIC_ARGV[1:] + [call["system_prompt_file"]],
                         "the prompt must not also be on the command line")

    def test_the_system_prompt_file_is_print_prompt_json_system(self):
        repo = self.staged_repo()
        system = json.loads(self.preview(repo, "--print-prompt", "--json").stdout)["system"]
        self.assertEqual(self.preview(repo).returncode, 0)
        call = self.only_call()
        self.assertEqual(call["system_prompt"], system)
        self.assertFalse(Path(call["system_prompt_file"]).exists(), "the system prompt file was left behind")

    def test_claude_runs_in_an_empty_private_directory_that_is_removed_afterwards(self):
        repo = self.staged_repo()
        self.assertEqual(self.preview(repo).returncode, 0)
        call = self.only_call()
        cwd = Path(call["cwd"])
        self.assertTrue(call["cwd_empty"])
        self.assertEqual(call["cwd_entries"], [])
        self.assertFalse(cwd.exists(), f"{cwd} still exists")
        self.assertNotIn(str(repo.resolve()), str(cwd.resolve()))
        self.assertNotEqual(cwd, Path(call["system_prompt_file"]).parent, "the system prompt file sat in claude's cwd")

    def test_git_repository_variables_are_removed_from_claudes_environment(self):
        repo = self.staged_repo()
        git_dir = repo / ".git"
        env = {
            "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(repo), "GIT_INDEX_FILE": str(git_dir / "index"),
            "GIT_PREFIX": "", "GIT_OBJECT_DIRECTORY": str(git_dir / "objects"), "GIT_COMMON_DIR": str(git_dir),
            "GIT_CONFIG_PARAMETERS": "'cmtgen.language'='English'",
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "cmtgen.redact", "GIT_CONFIG_VALUE_0": "true",
        }
        result = self.preview(repo, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        claude_env = self.only_call()["env"]
        for name in GIT_LOCAL_VARS + ["GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"]:
            self.assertNotIn(name, claude_env)
        # The rest of the environment goes through.
        self.assertEqual(claude_env["HOME"], str(self.home))
        self.assertEqual(claude_env["GIT_AUTHOR_DATE"], self.env["GIT_AUTHOR_DATE"])

    def test_claude_gets_no_nonessential_traffic_and_few_retries(self):
        repo = self.staged_repo()
        claude_env = self.claude_env(repo)
        self.assertEqual(claude_env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"], "1")
        self.assertTrue(claude_env["CLAUDE_CODE_MAX_RETRIES"].isdigit())
        self.assertLessEqual(int(claude_env["CLAUDE_CODE_MAX_RETRIES"]), 3)

    def test_claude_runs_in_its_own_process_group(self):
        repo = self.staged_repo()
        self.assertEqual(self.preview(repo).returncode, 0)
        call = self.only_call()
        # subprocess.run keeps cmtgen in this process's group.
        self.assertNotEqual(call["pgid"], os.getpgid(0))
        self.assertEqual(call["pgid"], call["pid"])

    def test_a_claude_in_a_usual_install_location_is_found_with_a_thin_path(self):
        repo = self.staged_repo()
        path = self.env["PATH"]
        if shutil.which("claude", path=path):
            self.skipTest("a real claude is on PATH")
        local_bin = self.home / ".local" / "bin"
        local_bin.mkdir(parents=True)
        (local_bin / "claude").symlink_to(FAKE_CLAUDE)
        result = self.preview(repo, env={"CMTGEN_CLAUDE": None})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.only_call()["argv0"], str(local_bin / "claude"))


# =====================================================================================
# Which credential claude gets (cmtgen.auth)
# =====================================================================================


class Credentials(BackendScenario):

    def test_auto_keeps_the_key_when_there_is_no_login(self):
        repo = self.staged_repo()
        self.assertEqual(self.claude_env(repo)["ANTHROPIC_API_KEY"], KEY)
        data = self.preview_json(repo, "--no-cache")
        self.assertEqual(data["credential"], {"used": "ANTHROPIC_API_KEY (API key billing)", "ignored": ""})

    def test_auto_removes_the_key_when_a_stored_login_exists(self):
        repo = self.staged_repo()
        login = self.write_login()
        self.assertNotIn("ANTHROPIC_API_KEY", self.claude_env(repo))
        data = self.preview_json(repo, "--no-cache")
        self.assertEqual(data["credential"]["used"], f"subscription login ({login})")
        self.assertTrue(data["credential"]["ignored"].startswith("ANTHROPIC_API_KEY (removed: "),
                        data["credential"]["ignored"])
        self.assertIn(str(login), data["credential"]["ignored"])

    def test_a_credentials_file_without_the_inference_scope_is_not_a_login(self):
        repo = self.staged_repo()
        self.write_login(scopes=("user:profile",))
        self.assertEqual(self.claude_env(repo)["ANTHROPIC_API_KEY"], KEY)
        self.assertEqual(self.preview_json(repo, "--no-cache")["credential"]["ignored"], "")

    def test_a_credentials_file_without_an_access_token_is_not_a_login(self):
        repo = self.staged_repo()
        self.write_login(access="")
        self.assertEqual(self.claude_env(repo)["ANTHROPIC_API_KEY"], KEY)

    def test_claude_config_dir_moves_the_lookup_away_from_home(self):
        repo = self.staged_repo()
        self.write_login()  # in ~/.claude, which CLAUDE_CONFIG_DIR makes irrelevant
        config_dir = self.root / "claude-config"
        config_dir.mkdir()
        self.assertEqual(self.claude_env(repo, env={"CLAUDE_CONFIG_DIR": str(config_dir)})["ANTHROPIC_API_KEY"], KEY)

    def test_a_login_in_claude_config_dir_counts(self):
        repo = self.staged_repo()
        config_dir = self.root / "claude-config"
        login = self.write_login(config_dir)
        env = {"CLAUDE_CONFIG_DIR": str(config_dir)}
        self.assertNotIn("ANTHROPIC_API_KEY", self.claude_env(repo, env=env))
        self.assertEqual(self.preview_json(repo, "--no-cache", env=env)["credential"]["used"],
                         f"subscription login ({login})")

    def test_an_oauth_token_in_the_environment_counts_as_a_login(self):
        repo = self.staged_repo()
        claude_env = self.claude_env(repo, env={"CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-fake"})
        self.assertNotIn("ANTHROPIC_API_KEY", claude_env)
        self.assertEqual(claude_env["CLAUDE_CODE_OAUTH_TOKEN"], "sk-ant-oat01-fake")
        data = self.preview_json(repo, "--no-cache", env={"CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-fake"})
        self.assertTrue(data["credential"]["used"].startswith("CLAUDE_CODE_OAUTH_TOKEN"), data["credential"])
        self.assertIn("ANTHROPIC_API_KEY", data["credential"]["ignored"])

    def test_a_blank_key_is_removed(self):
        repo = self.staged_repo()
        self.write_login()
        env = {"ANTHROPIC_API_KEY": "  "}
        self.assertNotIn("ANTHROPIC_API_KEY", self.claude_env(repo, env=env))
        self.assertEqual(self.preview_json(repo, "--no-cache", env=env)["credential"]["ignored"],
                         "ANTHROPIC_API_KEY (empty)")

    def test_a_blank_key_is_removed_even_without_a_login(self):
        repo = self.staged_repo()
        env = {"ANTHROPIC_API_KEY": "  ", "FAKE_CLAUDE_MODE": "auto"}
        self.assert_failure(repo, "not-logged-in", env=env)
        self.assertNotIn("ANTHROPIC_API_KEY", self.print_calls()[-1]["env"])

    def test_a_gateway_auth_token_is_kept(self):
        repo = self.staged_repo()
        self.write_login()
        claude_env = self.claude_env(repo, env={"ANTHROPIC_AUTH_TOKEN": "gateway-token"})
        self.assertEqual(claude_env["ANTHROPIC_AUTH_TOKEN"], "gateway-token")

    def test_a_blank_auth_token_is_removed(self):
        repo = self.staged_repo()
        claude_env = self.claude_env(repo, env={"ANTHROPIC_AUTH_TOKEN": " "})
        self.assertNotIn("ANTHROPIC_AUTH_TOKEN", claude_env)
        self.assertEqual(claude_env["ANTHROPIC_API_KEY"], KEY)

    def test_subscription_removes_the_key_and_the_auth_token(self):
        repo = self.staged_repo()
        env = {"CMTGEN_AUTH": "subscription", "ANTHROPIC_AUTH_TOKEN": "gateway-token"}
        claude_env = self.claude_env(repo, env=env)
        self.assertNotIn("ANTHROPIC_API_KEY", claude_env)
        self.assertNotIn("ANTHROPIC_AUTH_TOKEN", claude_env)

    def test_subscription_set_in_git_config_removes_the_key(self):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.auth", "subscription")
        self.assertNotIn("ANTHROPIC_API_KEY", self.claude_env(repo))

    def test_api_key_without_a_key_fails_fast_without_calling_claude(self):
        repo = self.staged_repo()
        for key in (None, "", "  "):
            with self.subTest(key=key):
                message = self.assert_failure(repo, "api-key-missing",
                                              env={"CMTGEN_AUTH": "api-key", "ANTHROPIC_API_KEY": key})
                self.assertIn("ANTHROPIC_API_KEY", message)
        self.assertEqual(self.claude_calls(), [])

    def test_api_key_keeps_the_key_even_with_a_login(self):
        repo = self.staged_repo()
        self.write_login()
        self.assertEqual(self.claude_env(repo, env={"CMTGEN_AUTH": "api-key"})["ANTHROPIC_API_KEY"], KEY)

    def test_inherit_passes_the_environment_untouched(self):
        repo = self.staged_repo()
        self.write_login()
        env = {"CMTGEN_AUTH": "inherit", "ANTHROPIC_API_KEY": "  ", "ANTHROPIC_AUTH_TOKEN": ""}
        claude_env = self.claude_env(repo, env=env)
        self.assertEqual(claude_env["ANTHROPIC_API_KEY"], "  ")
        self.assertEqual(claude_env["ANTHROPIC_AUTH_TOKEN"], "")
        self.assertEqual(self.preview_json(repo, "--no-cache", env=env)["credential"]["ignored"], "")

    def test_no_secret_value_appears_in_preview_output(self):
        repo = self.staged_repo()
        secrets = {"ANTHROPIC_API_KEY": "sk-ant-api03-PLANTEDKEYzq8Vx",
                   "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-PLANTEDOAUTHr7Wy",
                   "ANTHROPIC_AUTH_TOKEN": "PLANTEDGATEWAYk3Jm"}
        self.write_login(access="sk-ant-oat01-PLANTEDACCESSp2Qn", refresh="sk-ant-ort01-PLANTEDREFRESHt5Lc")
        planted = list(secrets.values()) + ["PLANTEDACCESSp2Qn", "PLANTEDREFRESHt5Lc"]
        runs = [
            ((), {}), (("--json",), {}), (("--json", "--no-cache"), {"CMTGEN_DEBUG": "1"}),
            (("--json",), {"FAKE_CLAUDE_MODE": "api-key-rejected", "CMTGEN_DEBUG": "1"}),
            ((), {"FAKE_CLAUDE_MODE": "login-expired", "CMTGEN_AUTH": "inherit"}),
            ((), {"CMTGEN_AUTH": "api-key", "ANTHROPIC_API_KEY": " "}),
        ]
        for args, extra in runs:
            with self.subTest(args=args, extra=extra):
                result = self.preview(repo, *args, env={**secrets, **extra})
                for secret in planted:
                    self.assertNotIn(secret, result.stdout)
                    self.assertNotIn(secret, result.stderr)


# =====================================================================================
# Every failure class
# =====================================================================================


class FailureClasses(BackendScenario):

    def test_a_rejected_api_key_names_the_key_and_the_subscription_setting(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "api-key-rejected", env={"FAKE_CLAUDE_MODE": "api-key-rejected"})
        self.assertIn("ANTHROPIC_API_KEY", message)
        self.assertIn("cmtgen.auth subscription", message)
        self.assertIn("credential used: ANTHROPIC_API_KEY", message)

    def test_a_401_while_a_key_is_used_is_a_rejected_key(self):
        repo = self.staged_repo()
        self.assert_failure(repo, "api-key-rejected", env={"FAKE_CLAUDE_MODE": "oauth-rejected"})

    def test_no_credential_is_not_logged_in_with_login_and_setup_token_advice(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "not-logged-in",
                                      env={"FAKE_CLAUDE_MODE": "not-logged-in", "ANTHROPIC_API_KEY": None})
        self.assertIn("/login", message)
        self.assertIn("setup-token", message)
        self.assertIn("credential used: none", message)

    def test_an_expired_stored_login_is_login_expired(self):
        repo = self.staged_repo()
        login = self.write_login(expires_at=PAST_MS)
        message = self.assert_failure(repo, "login-expired",
                                      env={"FAKE_CLAUDE_MODE": "login-expired", "ANTHROPIC_API_KEY": None})
        self.assertIn("/login", message)
        self.assertIn(f"credential used: subscription login ({login})", message)

    def test_not_logged_in_with_a_stored_login_is_login_expired_and_names_the_ignored_key(self):
        repo = self.staged_repo()
        self.write_login()
        message = self.assert_failure(repo, "login-expired", env={"FAKE_CLAUDE_MODE": "not-logged-in"})
        self.assertIn("ignored: ANTHROPIC_API_KEY", message)

    def test_a_403_is_auth_forbidden(self):
        repo = self.staged_repo()
        for mode in ("forbidden", "subscription-forbidden"):
            with self.subTest(mode=mode):
                message = self.assert_failure(repo, "auth-forbidden", env={"FAKE_CLAUDE_MODE": mode})
                self.assertIn("403", message)

    def test_a_429_is_rate_limited(self):
        repo = self.staged_repo()
        for mode in ("rate-limited", "rate-limited-subscription"):
            with self.subTest(mode=mode):
                self.assert_failure(repo, "rate-limited", env={"FAKE_CLAUDE_MODE": mode})

    def test_a_529_or_500_is_overloaded(self):
        repo = self.staged_repo()
        for mode in ("overloaded", "server-error"):
            with self.subTest(mode=mode):
                self.assert_failure(repo, "overloaded", env={"FAKE_CLAUDE_MODE": mode})

    def test_an_unknown_model_is_model_unavailable_and_names_the_model(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "model-unavailable", "--model", "sonnet",
                                      env={"FAKE_CLAUDE_MODE": "model-not-found"})
        self.assertIn("'sonnet'", message)
        self.assertIn("cmtgen.model", message)

    def test_a_413_or_a_too_long_prompt_is_prompt_too_large(self):
        repo = self.staged_repo()
        for mode in ("too-large", "prompt-too-long"):
            with self.subTest(mode=mode):
                message = self.assert_failure(repo, "prompt-too-large", env={"FAKE_CLAUDE_MODE": mode})
                self.assertIn("cmtgen.maxPromptBytes", message)

    def test_claudes_own_request_timeout_is_timed_out(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "timed-out", env={"FAKE_CLAUDE_MODE": "timeout"})
        self.assertIn("cmtgen.timeout", message)

    def test_a_connection_failure_is_network(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "network", env={"FAKE_CLAUDE_MODE": "network"})
        self.assertIn("ANTHROPIC_BASE_URL", message)

    def test_garbage_on_stdout_is_a_malformed_reply(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "malformed-reply", env={"FAKE_CLAUDE_MODE": "garbage"})
        self.assertNotIn("\x1b", message)

    def test_a_malformed_api_answer_is_a_malformed_reply(self):
        repo = self.staged_repo()
        for mode in ("malformed", "malformed-stream"):
            with self.subTest(mode=mode):
                self.assert_failure(repo, "malformed-reply", env={"FAKE_CLAUDE_MODE": mode})

    def test_json_nested_100000_levels_deep_is_a_malformed_reply_not_a_crash(self):
        repo = self.staged_repo()
        for mode in ("deep-array", "deep-object", "deep-max-turns"):
            with self.subTest(mode=mode):
                message = self.assert_failure(repo, "malformed-reply", "--no-cache", env={"FAKE_CLAUDE_MODE": mode})
                self.assertIn("deeper than 64 levels", message)
                self.assertLess(len(message), 300)

    def test_an_answer_beyond_the_8_mib_cap_is_reply_too_large(self):
        repo = self.staged_repo()
        size = 9 * 1024 * 1024
        message = self.assert_failure(repo, "reply-too-large", "--no-cache",
                                      env={"FAKE_CLAUDE_MODE": "huge", "FAKE_CLAUDE_SIZE": str(size)})
        self.assertIn("more than 8 MiB", message)
        self.assertNotIn("Add the staged change", message)

    def test_an_answer_of_100_mb_is_reply_too_large_within_the_deadline(self):
        repo = self.staged_repo()
        started = time.monotonic()
        self.assert_failure(repo, "reply-too-large", "--no-cache", timeout=60,
                            env={"FAKE_CLAUDE_MODE": "huge", "FAKE_CLAUDE_SIZE": str(100 * 1000 * 1000)})
        self.assertLess(time.monotonic() - started, 40)

    def test_a_one_megabyte_error_line_is_quoted_in_at_most_300_bytes(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "backend-failed", "--no-cache", env={"FAKE_CLAUDE_MODE": "long-error"})
        self.assertIn("API Error: éé", message)
        self.assertTrue(message.endswith("…"), message[-40:])
        self.assertLess(len(message.encode()), 600)

    def test_a_relative_claude_path_is_a_config_error_not_claude_not_found(self):
        repo = self.staged_repo()
        (repo / "bin").mkdir()
        (repo / "bin" / "claude").symlink_to(FAKE_CLAUDE)
        for value in ("bin/claude", "./bin/claude"):
            with self.subTest(value=value):
                message = self.assert_failure(repo, "config", env={"CMTGEN_CLAUDE": value})
                self.assertIn(f"CMTGEN_CLAUDE={value} is a relative path", message)
        self.git(repo, "config", "cmtgen.claude", "bin/claude")
        message = self.assert_failure(repo, "config", env={"CMTGEN_CLAUDE": None})
        self.assertIn("cmtgen.claude (local config)=bin/claude is a relative path", message)
        self.assertEqual(self.print_calls(), [])

    def test_a_bare_claude_name_is_still_looked_up_on_path(self):
        repo = self.staged_repo()
        bin_dir = self.root / "other-bin"
        bin_dir.mkdir()
        (bin_dir / "claude-beta").symlink_to(FAKE_CLAUDE)
        result = self.preview(repo, env={"CMTGEN_CLAUDE": "claude-beta",
                                         "PATH": f"{bin_dir}:{self.env['PATH']}"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.only_call()["argv0"], str(bin_dir / "claude-beta"))

    def test_an_empty_result_is_an_empty_reply(self):
        repo = self.staged_repo()
        self.assert_failure(repo, "empty-reply", env={"FAKE_CLAUDE_MODE": "empty"})

    def test_a_claude_path_that_does_not_exist_names_where_it_was_set(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "claude-not-found", env={"CMTGEN_CLAUDE": "/nonexistent"})
        self.assertIn("CMTGEN_CLAUDE=/nonexistent", message)
        self.assertIn("git config --global cmtgen.claude", message)

    def test_a_claude_setting_in_git_config_that_does_not_exist_is_named(self):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.claude", str(self.root / "no-claude-here"))
        message = self.assert_failure(repo, "claude-not-found", env={"CMTGEN_CLAUDE": None})
        self.assertIn(f"cmtgen.claude (local config)={self.root / 'no-claude-here'}", message)

    def test_no_claude_anywhere_lists_where_it_looked(self):
        repo = self.staged_repo()
        if any(os.access(p, os.X_OK) for p in ("/usr/local/bin/claude", "/usr/bin/claude", "/opt/homebrew/bin/claude")):
            self.skipTest("a claude is installed system-wide")
        message = self.assert_failure(repo, "claude-not-found", env={"CMTGEN_CLAUDE": None, "PATH": ""})
        for place in ("PATH", "~/.claude/local", "~/.local/bin", "~/.npm-global/bin", "/usr/local/bin"):
            self.assertIn(place, message)
        self.assertIn("cmtgen.claude", message)

    def test_a_claude_usage_error_is_backend_failed_quoting_claudes_stderr(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "backend-failed", env={"FAKE_CLAUDE_MODE": "usage-error"})
        self.assertIn("error: unknown option '--bogus'", message)

    def test_a_silent_exit_1_is_backend_failed(self):
        repo = self.staged_repo()
        message = self.assert_failure(repo, "backend-failed", env={"FAKE_CLAUDE_MODE": "exit-1"})
        self.assertIn("exited with status 1", message)

    def test_a_refusal_and_max_turns_are_backend_failed(self):
        repo = self.staged_repo()
        for mode in ("refusal", "max-turns"):
            with self.subTest(mode=mode):
                self.assert_failure(repo, "backend-failed", env={"FAKE_CLAUDE_MODE": mode})

    def test_an_error_json_keeps_the_credential_and_model(self):
        repo = self.staged_repo()
        result = self.preview(repo, "--json", env={"FAKE_CLAUDE_MODE": "rate-limited"})
        data = json.loads(result.stdout)
        self.assertEqual(data["error"]["class"], "rate-limited")
        self.assertEqual(data["backend"], "claude")
        self.assertEqual(data["credential"], {"used": "ANTHROPIC_API_KEY (API key billing)", "ignored": ""})
        self.assertNotIn("message", data)
        self.assertNotIn("candidates", data)

    def test_nothing_staged_exits_3(self):
        repo = self.make_repo()
        result = self.preview(repo)
        self.assertEqual(result.returncode, 3)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr.splitlines(),
                         ["cmtgen: error: nothing-staged: nothing staged: add changes with `git add` first"])
        as_json = self.preview(repo, "--json")
        self.assertEqual(as_json.returncode, 3)
        self.assertEqual(json.loads(as_json.stdout)["error"]["class"], "nothing-staged")
        self.assertEqual(self.claude_calls(), [])

    def test_usage_errors_exit_2_without_calling_claude(self):
        repo = self.staged_repo()
        for args in (("--bogus",), ("-n", "0"), ("-n", "6"), ("-n", "many"), ("--model",)):
            with self.subTest(args=args):
                result = self.preview(repo, *args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(result.stdout, "")
                self.assertTrue(result.stderr.startswith("cmtgen: error: usage: "), result.stderr)
        self.assertEqual(self.claude_calls(), [])


class Deadlines(BackendScenario):
    """cmtgen.timeout: TERM at the deadline, KILL 2 s later, nothing of claude's group left."""

    def timed_out(self, mode, expect_max):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.timeout", "2")
        started = time.monotonic()
        result = self.preview(repo, env={"FAKE_CLAUDE_MODE": mode}, timeout=30)
        elapsed = time.monotonic() - started
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertTrue(result.stderr.startswith("cmtgen: error: timed-out: "), result.stderr)
        self.assertIn("2 s", result.stderr)
        self.assertIn("cmtgen.timeout", result.stderr)
        self.assertGreaterEqual(elapsed, 1.9, "cmtgen gave up before its deadline")
        self.assertLess(elapsed, expect_max, f"cmtgen took {elapsed:.1f} s")
        call = self.only_call()
        self.assert_group_gone(call)
        self.assertFalse(Path(call["cwd"]).exists(), "claude's private directory was left behind")
        self.assertFalse(Path(call["system_prompt_file"]).exists(), "the system prompt file was left behind")
        return call, elapsed

    def test_a_hanging_claude_is_stopped_at_the_deadline(self):
        self.timed_out("hang", 2 + 2 + 2.5)

    def test_a_hanging_claude_with_a_grandchild_leaves_nothing_behind(self):
        call, _ = self.timed_out("hang-grandchild", 2 + 2 + 2.5)
        self.assertIsNotNone(call["grandchild_pid"])

    def test_a_claude_that_ignores_sigterm_is_killed_after_the_grace(self):
        _, elapsed = self.timed_out("sigterm-ignored", 2 + 2 + 2.5)
        self.assertGreaterEqual(elapsed, 3.9, "SIGKILL came before the 2 s grace")

    def test_the_timeout_is_also_read_from_the_environment(self):
        repo = self.staged_repo()
        started = time.monotonic()
        self.assert_failure(repo, "timed-out", env={"FAKE_CLAUDE_MODE": "hang", "CMTGEN_TIMEOUT": "1"}, timeout=30)
        self.assertLess(time.monotonic() - started, 2 * (1 + 2 + 2.5))
        for call in self.print_calls():
            self.assert_group_gone(call)


class Interruption(BackendScenario):
    """Ctrl-C or SIGTERM to cmtgen while claude runs: claude's group goes with it."""

    def interrupt(self, sig):
        repo = self.staged_repo(f"repo-{sig.name}")
        tmp = self.root / f"tmp-{sig.name}"
        tmp.mkdir()
        proc = subprocess.Popen([CMTGEN, "preview"], cwd=repo, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.full_env({"FAKE_CLAUDE_MODE": "hang",
                                                                          "TMPDIR": str(tmp)}))
        try:
            deadline = time.monotonic() + 20
            while not [c for c in self.print_calls() if c.get("stdin") is not None]:
                self.assertLess(time.monotonic(), deadline, "claude was never started")
                self.assertIsNone(proc.poll(), "cmtgen ended before claude was started")
                time.sleep(0.05)
            started = time.monotonic()
            proc.send_signal(sig)
            proc.communicate(timeout=10)
            elapsed = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        return proc, self.only_call(), elapsed, tmp

    def test_ctrl_c_ends_cmtgen_by_the_signal_and_claudes_group_with_it(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                self.calls_dir = self.root / f"calls-{sig.name}"
                self.env["FAKE_CLAUDE_LOG"] = str(self.calls_dir)
                proc, call, elapsed, _ = self.interrupt(sig)
                self.assertEqual(proc.returncode, -sig)
                self.assertLess(elapsed, 3)
                self.assert_group_gone(call)

    def test_an_interrupted_run_leaves_no_temporary_directory(self):
        _, call, _, tmp = self.interrupt(signal.SIGINT)
        self.assertFalse(Path(call["cwd"]).exists())
        self.assertEqual(sorted(os.listdir(tmp)), [])


# =====================================================================================
# The answer cache
# =====================================================================================


class AnswerCache(BackendScenario):

    def test_a_second_preview_of_the_same_change_makes_no_new_call(self):
        repo = self.staged_repo()
        first = self.preview(repo, env={"FAKE_CLAUDE_REPLY": "First answer"})
        second = self.preview(repo, env={"FAKE_CLAUDE_REPLY": "Second answer"})
        self.assertEqual(first.stdout, "First answer\n")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(second.stdout, "First answer\n")
        self.assertEqual(len(self.print_calls()), 1)

    def test_no_cache_makes_a_new_call(self):
        repo = self.staged_repo()
        self.preview(repo, env={"FAKE_CLAUDE_REPLY": "First answer"})
        second = self.preview(repo, "--no-cache", env={"FAKE_CLAUDE_REPLY": "Second answer"})
        self.assertEqual(second.stdout, "Second answer\n")
        self.assertEqual(len(self.print_calls()), 2)

    def test_git_dash_c_cache_false_makes_a_new_call(self):
        repo = self.staged_repo()
        self.git(repo, "config", "alias.cmtgen-preview", f"!{shlex.quote(CMTGEN)} preview")
        self.preview(repo, env={"FAKE_CLAUDE_REPLY": "First answer"})
        second = self.git(repo, "-c", "cmtgen.cache=false", "cmtgen-preview",
                          env={"FAKE_CLAUDE_REPLY": "Second answer"})
        self.assertEqual(second.stdout, "Second answer\n")
        self.assertEqual(len(self.print_calls()), 2)

    def test_a_failure_is_never_cached(self):
        repo = self.staged_repo()
        env = {"FAKE_CLAUDE_MODE": "rate-limited,success"}
        self.assertEqual(self.preview(repo, env=env).returncode, 1)
        second = self.preview(repo, env=env)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(len(self.print_calls()), 2)

    def test_a_changed_staged_content_makes_a_new_call(self):
        repo = self.staged_repo()
        self.preview(repo, env={"FAKE_CLAUDE_REPLY": "First answer"})
        self.stage(repo, {"src/widget.py": "def parse():\n    return list(load())\n"})
        second = self.preview(repo, env={"FAKE_CLAUDE_REPLY": "Second answer"})
        self.assertEqual(second.stdout, "Second answer\n")
        self.assertEqual(len(self.print_calls()), 2)

    def test_another_model_or_candidate_count_makes_a_new_call(self):
        repo = self.staged_repo()
        self.preview(repo)
        self.preview(repo, "--model", "sonnet")
        self.preview(repo, "-n", "2")
        self.assertEqual(len(self.print_calls()), 3)

    def test_a_cached_answer_says_so_in_json(self):
        repo = self.staged_repo()
        self.preview(repo)
        data = self.preview_json(repo)
        self.assertEqual(data["message"], "Add the staged change")
        self.assertEqual(data["backend"], "claude")
        self.assertIn("cached", data["credential"]["used"])
        self.assertEqual(len(self.print_calls()), 1)


# =====================================================================================
# backend=command
# =====================================================================================


class CommandBackend(BackendScenario):

    def script(self, body, directory="scripts"):
        folder = self.root / directory
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "backend.py"
        path.write_text(body)
        return path

    def use_command(self, repo, *argv):
        self.git(repo, "config", "cmtgen.backend", "command")
        self.git(repo, "config", "cmtgen.command", shlex.join(str(a) for a in argv))

    ECHO = ("import sys, pathlib\n"
            "pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())\n"
            "print('```\\nFix the widget parser\\n\\nNested widgets were skipped.\\n```')\n")

    def test_the_command_gets_system_prompt_and_prompt_on_stdin_and_its_reply_is_cleaned(self):
        repo = self.staged_repo()
        capture = self.root / "stdin.txt"
        self.use_command(repo, sys.executable, self.script(self.ECHO), capture)
        data = json.loads(self.preview(repo, "--print-prompt", "--json").stdout)
        result = self.preview(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "Fix the widget parser\n\nNested widgets were skipped.\n")
        self.assertEqual(result.stderr, "")
        received = capture.read_text()
        self.assertTrue(received.startswith(data["system"]), received[:200])
        self.assertTrue(received.endswith(data["prompt"]), received[-200:])
        self.assertEqual(self.claude_calls(), [])

    def test_json_names_the_command_backend(self):
        repo = self.staged_repo()
        self.use_command(repo, sys.executable, self.script(self.ECHO), self.root / "stdin.txt")
        data = self.preview_json(repo)
        self.assertEqual(data["backend"], "command")
        self.assertEqual(data["message"], "Fix the widget parser\n\nNested widgets were skipped.")

    def test_quoting_in_cmtgen_command_keeps_a_path_with_spaces_in_one_argument(self):
        repo = self.staged_repo()
        script = self.script(self.ECHO, "dir with space")
        capture = self.root / "captured stdin.txt"
        q = shlex.quote
        forms = {
            "single quotes": f"{q(sys.executable)} '{script}' '{capture}'",
            "double quotes": f'{q(sys.executable)} "{script}" "{capture}"',
            "backslashes": f"{q(sys.executable)} {str(script).replace(' ', chr(92) + ' ')} "
                           f"{str(capture).replace(' ', chr(92) + ' ')}",
        }
        self.git(repo, "config", "cmtgen.backend", "command")
        for name, command in forms.items():
            with self.subTest(name):
                capture.unlink(missing_ok=True)
                self.git(repo, "config", "cmtgen.command", command)
                result = self.preview(repo, "--no-cache")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, "Fix the widget parser\n\nNested widgets were skipped.\n")
                self.assertTrue(capture.exists())

    def test_the_command_is_never_run_by_a_shell(self):
        repo = self.staged_repo()
        marker = self.root / "shell-ran"
        self.use_command(repo, sys.executable, self.script(self.ECHO), self.root / "stdin.txt")
        self.git(repo, "config", "cmtgen.command",
                 f"{shlex.quote(sys.executable)} {shlex.quote(str(self.root / 'scripts' / 'backend.py'))} "
                 f"{shlex.quote(str(self.root / 'stdin.txt'))}; touch {marker}")
        self.preview(repo)
        self.assertFalse(marker.exists())

    def test_a_missing_program_is_backend_failed(self):
        repo = self.staged_repo()
        self.use_command(repo, "/nonexistent/llm", "-m", "x")
        message = self.assert_failure(repo, "backend-failed")
        self.assertIn("/nonexistent/llm", message)

    def test_a_non_zero_exit_is_backend_failed_quoting_stderr(self):
        repo = self.staged_repo()
        script = self.script("import sys\nsys.stdin.read()\n"
                             "sys.stderr.write('llm: model gpt-x not found\\nmore detail\\n')\nsys.exit(4)\n")
        self.use_command(repo, sys.executable, script)
        message = self.assert_failure(repo, "backend-failed")
        self.assertIn("exited with status 4", message)
        self.assertIn("llm: model gpt-x not found", message)
        self.assertNotIn("more detail", message)

    def test_empty_output_is_an_empty_reply(self):
        repo = self.staged_repo()
        self.use_command(repo, sys.executable, self.script("import sys\nsys.stdin.read()\nprint('   ')\n"))
        self.assert_failure(repo, "empty-reply")

    def test_backend_command_without_a_command_is_a_config_error(self):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.backend", "command")
        message = self.assert_failure(repo, "config")
        self.assertIn("cmtgen.command", message)

    def test_a_hanging_command_is_timed_out(self):
        repo = self.staged_repo()
        self.use_command(repo, sys.executable, self.script("import time\nwhile True:\n    time.sleep(60)\n"))
        self.git(repo, "config", "cmtgen.timeout", "2")
        started = time.monotonic()
        message = self.assert_failure(repo, "timed-out", timeout=30)
        self.assertLess(time.monotonic() - started, 2 * (2 + 2 + 2.5))
        self.assertIn("cmtgen.timeout", message)

    def test_an_answer_beyond_the_8_mib_cap_is_reply_too_large_and_never_the_message(self):
        repo = self.staged_repo()
        script = self.script("import sys\nsys.stdin.read()\n"
                             "sys.stdout.write('Fix the widget parser\\n\\n' + 'x' * (9 * 1024 * 1024))\n")
        self.use_command(repo, sys.executable, script)
        message = self.assert_failure(repo, "reply-too-large")
        self.assertIn("more than 8 MiB", message)

    def test_a_relative_program_path_is_a_config_error(self):
        repo = self.staged_repo()
        script = self.script("#!/bin/sh\ncat >/dev/null\necho 'Fix the widget parser'\n", directory="repo/tools")
        script.chmod(0o755)
        for program in ("tools/backend.py", "./tools/backend.py"):
            with self.subTest(program=program):
                self.use_command(repo, program)
                message = self.assert_failure(repo, "config")
                self.assertIn(f"cmtgen.command (local config)={program} is a relative path", message)

    def test_a_megabyte_of_stderr_is_quoted_in_at_most_300_bytes(self):
        repo = self.staged_repo()
        script = self.script("import sys\nsys.stdin.read()\nsys.stderr.write('e' * (1 << 20))\nsys.exit(3)\n")
        self.use_command(repo, sys.executable, script)
        message = self.assert_failure(repo, "backend-failed")
        self.assertIn("exited with status 3: eee", message)
        self.assertLess(len(message.encode()), 600)

    def test_a_program_under_home_is_found(self):
        repo = self.staged_repo()
        script = self.script("#!/bin/sh\ncat >/dev/null\necho 'Fix the widget parser'\n", directory="home/bin")
        script.chmod(0o755)
        self.use_command(repo, "~/bin/backend.py")
        result = self.preview(repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "Fix the widget parser\n")

    def test_cmtgen_command_from_the_environment_wins_over_git_config(self):
        repo = self.staged_repo()
        capture = self.root / "stdin.txt"
        self.use_command(repo, "/nonexistent/llm")
        command = shlex.join([sys.executable, str(self.script(self.ECHO)), str(capture)])
        result = self.preview(repo, env={"CMTGEN_COMMAND": command})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(capture.exists())


# =====================================================================================
# Hostile output through the installed hook: the commit goes on
# =====================================================================================


class HostileOutputInTheHook(HookScenario):
    """`git commit` with the installed hook and a hostile claude: exit 0, the message file
    as git wrote it plus cmtgen's note, the user's typed message committed."""

    PLEASE = "Please enter the commit message"

    def check_commit_survives(self, name, failure, env, prepare=None):
        repo = self.hooked_repo(name)
        if prepare:
            prepare(repo)
        self.stage(repo, {f"{name}.txt": "content\n"})
        editor, seen = self.editor_writing("Typed by the user", f"saw-{name}")
        result = self.git(repo, "commit", env=dict(env, GIT_EDITOR=editor), check=False)
        self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        self.assertEqual(self.message(repo), "Typed by the user")
        lines = self.cmtgen_lines(result.stderr)
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith(f"cmtgen: {failure}: "), lines[0])
        shown = seen.read_text()
        self.assertIn(f"# cmtgen could not write a message ({failure}):", shown)
        self.assertIn(self.PLEASE, shown, "git's own message file lost its instructions")
        self.assertLess(len(shown), 4096, "the note carries the hostile output")

    def test_deeply_nested_json_leaves_the_commit_and_its_message_file_intact(self):
        for mode in ("deep-array", "deep-object", "deep-max-turns"):
            with self.subTest(mode=mode):
                self.check_commit_survives(mode, "malformed-reply", {"FAKE_CLAUDE_MODE": mode})

    def test_a_one_megabyte_error_line_makes_a_short_note(self):
        self.check_commit_survives("long-error", "backend-failed", {"FAKE_CLAUDE_MODE": "long-error"})

    def test_an_answer_beyond_the_cap_is_never_committed(self):
        self.check_commit_survives("huge", "reply-too-large", {"FAKE_CLAUDE_MODE": "huge"})

    def test_a_relative_claude_path_is_a_config_note(self):
        def add_claude(repo):
            (repo / "bin").mkdir()
            (repo / "bin" / "claude").symlink_to(FAKE_CLAUDE)

        self.check_commit_survives("relative", "config", {"CMTGEN_CLAUDE": "bin/claude"}, add_claude)
        self.assertEqual(self.model_calls(), [])


# =====================================================================================
# backend=offline
# =====================================================================================


class OfflineBackend(BackendScenario):

    DRAFT = "Update src/widget.py\n\n1 file changed, +1 -1 lines:\n- modified: src/widget.py (+1 -1)"

    def test_the_offline_draft_is_deterministic_and_says_it_is_a_draft(self):
        repo = self.staged_repo()
        self.git(repo, "config", "cmtgen.backend", "offline")
        first = self.preview(repo)
        second = self.preview(repo)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout.rstrip("\n"), self.DRAFT)
        self.assertEqual(second.stdout, first.stdout)
        self.assertEqual(first.stderr.splitlines(),
                         ["cmtgen: this is an offline draft from the file list, not a model's answer"])
        self.assertEqual(self.claude_calls(), [])

    def test_the_offline_draft_is_printed_like_any_message(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"CMTGEN_BACKEND": "offline"})
        self.assertEqual(result.stdout, self.DRAFT + "\n")

    def test_json_names_the_offline_backend_and_no_credential(self):
        repo = self.staged_repo()
        result = self.preview(repo, "--json", env={"CMTGEN_BACKEND": "offline"})
        self.assertEqual(result.returncode, 0, result.stderr)
        data = json.loads(result.stdout)
        self.assertEqual(data["backend"], "offline")
        self.assertEqual(data["credential"]["used"], "none")
        self.assertEqual(data["message"].rstrip("\n"), self.DRAFT)
        self.assertIsNone(data["cost_usd"])
        self.assertEqual(self.claude_calls(), [])

    def test_offline_needs_no_claude_at_all(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"CMTGEN_BACKEND": "offline", "CMTGEN_CLAUDE": "/nonexistent",
                                         "ANTHROPIC_API_KEY": None})
        self.assertEqual(result.returncode, 0, result.stderr)


# =====================================================================================
# Progress on a terminal only
# =====================================================================================


class Progress(BackendScenario):

    def test_without_a_terminal_stderr_carries_no_progress(self):
        repo = self.staged_repo()
        result = self.preview(repo, env={"FAKE_CLAUDE_MODE": "slow", "FAKE_CLAUDE_DELAY": "0.5"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertNotIn("\x1b", result.stdout)

    def test_on_a_terminal_a_progress_line_appears_and_is_cleared(self):
        repo = self.staged_repo()
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([CMTGEN, "preview"], cwd=repo, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=slave,
                                    env=self.full_env({"FAKE_CLAUDE_MODE": "slow", "FAKE_CLAUDE_DELAY": "0.6"}))
        finally:
            os.close(slave)
        seen = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every writer closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        os.close(master)
        stdout = proc.communicate(timeout=30)[0]
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(stdout, b"Add the staged change\n")
        text = seen.decode()
        self.assertIn("waiting for claude", text)
        self.assertTrue(text.startswith("\r\x1b[K"), repr(text[:40]))
        self.assertTrue(text.endswith("\r\x1b[K"), repr(text[-40:]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
