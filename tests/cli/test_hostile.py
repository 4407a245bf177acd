#!/usr/bin/env python3
"""Hostile input against the hook: replies, repository content, history and settings that
once broke a commit, lost a message or blew past the prompt budget. Each test is a real
`git commit` through the installed hook (or `cmtgen preview`), with the fake claude or a
`command` backend standing in for the model, and each failed before its fix.
"""

import json
import shlex
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testlib import SCISSORS, HookScenario, main  # noqa: E402

TIMEOUT = 60


class HostileScenario(HookScenario):

    def command_backend(self, repo, script):
        """backend=command with a Python script that prints `script`'s stdout as the reply."""
        path = self.root / "model.py"
        path.write_text(script)
        self.git(repo, "config", "cmtgen.backend", "command")
        self.git(repo, "config", "cmtgen.command", f"{sys.executable} {shlex.quote(str(path))}")

    def commit(self, repo, *args, env=None, editor=None):
        full = dict(env or {})
        if editor is not None:
            full["GIT_EDITOR"] = editor
        return self.run_cmd(["git", "commit", *args], cwd=repo, env=full, timeout=TIMEOUT)


class RepliesTest(HostileScenario):
    """What the model prints is cleaned before it is written or cached."""

    def test_nul_and_control_bytes_in_a_command_reply_do_not_block_the_commit(self):
        repo = self.hooked_repo()
        self.command_backend(repo, "import sys\n"
                                   "sys.stdout.buffer.write(b'Fix the\\x00 parser\\x1b[31m now\\x07\\n\\nBody\\x01 line\\n')\n")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, "--no-edit")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), "Fix the parser now\n\nBody line")

    def test_control_bytes_in_a_claude_reply_are_removed(self):
        repo = self.hooked_repo()
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, "--no-edit",
                             env={"FAKE_CLAUDE_REPLY": "Add \x1b]0;title\x07the \x1b[1mparser\x1b[0m\x7f\u202e"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), "Add the parser")

    def test_a_reply_of_comment_lines_only_is_a_failure_not_an_empty_message(self):
        repo = self.hooked_repo()
        self.command_backend(repo, "print('#1 is fixed\\n#2 is not')\n")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        result = self.commit(repo, editor=editor)
        self.assertNotEqual(result.returncode, 0)  # git: empty message, nothing committed
        self.assertIn("cmtgen: empty-reply:", result.stderr)
        self.assertIn("comment character", seen.read_text())
        self.assertEqual(self.commit_count(repo), 1)

    def test_reply_lines_that_start_with_the_comment_character_survive_the_editor(self):
        repo = self.hooked_repo()
        self.command_backend(repo, "print('Fix the parser\\n\\n## Details\\n#42 was the cause.\\nMore text.')\n")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, editor="true")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), "Fix the parser\n\nDetails\n #42 was the cause.\nMore text.")

    def test_a_scissors_line_in_the_reply_does_not_cut_the_message_under_verbose(self):
        repo = self.hooked_repo()
        self.command_backend(repo, f"print('Fix the parser\\n\\nBefore\\n# {SCISSORS}\\nAfter the cut line')\n")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, "-v", "--cleanup=whitespace", editor="true")
        self.assertEqual(result.returncode, 0, result.stderr)
        message = self.message(repo)
        self.assertIn("After the cut line", message)
        self.assertNotIn("diff --git", message)


class AnswerCacheTest(HostileScenario):
    """The cached answer comes back exactly as the model gave it."""

    def test_a_heading_underline_in_the_body_is_not_a_candidate_separator_after_a_retry(self):
        repo = self.hooked_repo()
        reply = "Rework the release notes\n\nHighlights\n==========\n\n- faster start\n- smaller binary"
        self.stage(repo, {"a.txt": "a\n"})
        # First commit: the editor empties the file, git aborts; the answer is cached.
        aborted = self.commit(repo, editor="f() { : > \"$1\"; }; f", env={"FAKE_CLAUDE_REPLY": reply})
        self.assertNotEqual(aborted.returncode, 0)
        self.assertEqual(len(self.model_calls()), 1)
        # The retry takes the cached answer; it must be the whole message.
        result = self.commit(repo, "--no-edit", env={"FAKE_CLAUDE_REPLY": "Something else"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(self.model_calls()), 1)
        self.assertEqual(self.message(repo), reply)

    def test_a_cache_file_in_the_old_or_a_corrupt_format_is_a_miss(self):
        repo = self.hooked_repo()
        state = self.git_dir(repo, common=True) / "cmtgen"
        state.mkdir(parents=True, exist_ok=True)
        (state / "last-answer").write_bytes(b"cmtgen-answer-cache 1\nkey 0\nbackend 999999\n\x00")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, "--no-edit")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.message(repo), "Add the staged change")


class PromptBoundsTest(HostileScenario):
    """Everything from the repository counts against the prompt budget; secrets files are
    named, never shown."""

    def test_a_huge_commit_subject_in_the_history_does_not_exceed_the_budget(self):
        repo = self.make_repo()
        subject = "x" * (3 * 1024 * 1024)
        self.stage(repo, {"b.txt": "b\n"})
        self.git(repo, "commit", "-q", "-F", "-", input=subject + "\n", env={"CMTGEN_SKIP": "1"})
        self.stage(repo, {"c.txt": "c\n"})
        self.git(repo, "config", "cmtgen.maxPromptBytes", "2000")
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        prompt = json.loads(result.stdout)
        self.assertLessEqual(len(prompt["prompt"].encode()), 2000)
        self.assertIn("c.txt", prompt["prompt"])

    def test_a_long_branch_name_does_not_exceed_the_budget(self):
        repo = self.make_repo()
        self.git(repo, "checkout", "-q", "-b", "/".join(["b" * 200] * 15))
        self.stage(repo, {"c.txt": "c\n"})
        self.git(repo, "config", "cmtgen.maxPromptBytes", "2000")
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLessEqual(len(json.loads(result.stdout)["prompt"].encode()), 2000)

    def test_a_custom_template_that_repeats_the_file_list_is_cut_to_the_budget(self):
        repo = self.make_repo()
        template = self.root / "big.mustache"
        template.write_text("{{#system_prompt}}Write a message.{{/system_prompt}}{{#user_prompt}}"
                            + "{{file_summary}}\n" * 50 + "{{/user_prompt}}")
        self.stage(repo, {f"dir{i}/file{i}.txt": f"{i}\n" for i in range(60)})
        self.git(repo, "config", "cmtgen.maxPromptBytes", "2000")
        self.git(repo, "config", "cmtgen.template", str(template))
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLessEqual(len(json.loads(result.stdout)["prompt"].encode()), 2000)

    def test_secrets_files_of_every_spelling_are_named_but_never_shown(self):
        repo = self.make_repo()
        names = [".envrc", ".env-production", ".env_local", ".ENV", "deploy/.Env.Local", "keys/server.ppk",
                 "certs/site.crt", "certs/SITE.PEM", ".npmrc", "infra/terraform.tfstate", "id_ed25519_deploy"]
        self.stage(repo, {name: f"SECRET_VALUE_{i}=hunter2\n" for i, name in enumerate(names)})
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        prompt = json.loads(result.stdout)["prompt"]
        self.assertNotIn("SECRET_VALUE", prompt)
        for name in names:
            self.assertIn(name, prompt)

    def test_a_secrets_file_renamed_to_an_ordinary_name_is_not_shown(self):
        repo = self.make_repo(files={"README.md": "# p\n", ".env": "".join(f"LINE{i}=x\n" for i in range(20))})
        self.git(repo, "mv", ".env", "notes.txt")
        self.write(repo, {"notes.txt": "".join(f"LINE{i}=x\n" for i in range(19)) + "TOKEN_CHANGED=y\n"})
        self.git(repo, "add", "notes.txt")
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        prompt = json.loads(result.stdout)["prompt"]
        self.assertIn("notes.txt", prompt)
        self.assertNotIn("TOKEN_CHANGED", prompt)

    def test_a_deeply_nested_template_is_a_config_error_not_an_aborted_commit(self):
        repo = self.hooked_repo()
        template = self.root / "nested.mustache"
        n = 12000
        template.write_text("{{#system_prompt}}s{{/system_prompt}}{{#user_prompt}}" + "{{#has_diff}}" * n + "x"
                            + "{{/has_diff}}" * n + "{{/user_prompt}}")
        self.git(repo, "config", "cmtgen.template", str(template))
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        result = self.commit(repo, editor=editor)
        self.assertIn("cmtgen: config:", result.stderr)
        self.assertIn("nested more than", seen.read_text())

    def test_a_template_iterating_the_file_list_inside_itself_is_refused(self):
        repo = self.make_repo()
        template = self.root / "square.mustache"
        template.write_text("{{#system_prompt}}s{{/system_prompt}}{{#user_prompt}}"
                            "{{#files}}{{#files}}{{path}}{{/files}}{{/files}}{{/user_prompt}}")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.cmtgen(repo, "preview", "--print-prompt", "--template", str(template))
        self.assertEqual(result.returncode, 1)
        self.assertIn("cmtgen: error: config:", result.stderr)


class OfflineDraftTest(HostileScenario):

    def test_a_file_name_with_newlines_cannot_forge_trailers(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.backend", "offline")
        name = "x\n\nSigned-off-by: Mallory <m@evil.example>\nCo-authored-by: Eve <e@evil.example>"
        self.stage(repo, {name: "a\n"})
        result = self.commit(repo, "--no-edit")
        self.assertEqual(result.returncode, 0, result.stderr)
        trailers = self.git(repo, "log", "-1", "--format=%(trailers)").stdout
        self.assertEqual(trailers.strip(), "")
        self.assertNotIn("\nSigned-off-by: Mallory", self.message(repo))


class SetupFailureTest(HostileScenario):
    """An invalid setting takes the failure path of a failed model call."""

    def test_an_invalid_setting_leaves_a_note_in_the_editor(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.timeout", "abc")
        self.stage(repo, {"a.txt": "a\n"})
        editor, seen = self.editor_capture()
        result = self.commit(repo, editor=editor)
        self.assertIn("cmtgen: config:", result.stderr)
        text = seen.read_text()
        self.assertIn("cmtgen could not write a message (config)", text)
        self.assertIn("cmtgen.timeout", text)
        logged = self.runs_log(repo)
        self.assertTrue(any("config" in fields for fields in logged), logged)

    def test_on_error_abort_stops_the_commit_on_an_invalid_setting(self):
        repo = self.hooked_repo()
        self.git(repo, "config", "cmtgen.timeout", "90s")
        self.git(repo, "config", "cmtgen.onError", "abort")
        self.stage(repo, {"a.txt": "a\n"})
        result = self.commit(repo, "-m", "typed", env={})  # -m: the hook skips, commit goes through
        self.assertEqual(result.returncode, 0, result.stderr)
        self.stage(repo, {"b.txt": "b\n"})
        result = self.commit(repo, editor="true")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("cmtgen.onError=abort", result.stderr)
        self.assertEqual(self.commit_count(repo), 2)


class GitCliReaderTest(HostileScenario):

    def test_a_tab_in_a_path_keeps_its_line_counts(self):
        repo = self.make_repo()
        self.git(repo, "config", "core.splitIndex", "true")
        self.git(repo, "update-index", "--split-index")
        self.stage(repo, {"with\ttab.txt": "one\ntwo\nthree\n"})
        result = self.cmtgen(repo, "preview", "--print-prompt", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        prompt = json.loads(result.stdout)["prompt"]
        self.assertIn('A "with\\ttab.txt" (+3 -0)', prompt)


if __name__ == "__main__":
    main()
