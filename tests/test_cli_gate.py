"""`steward check FILE…` as a pre-commit hook or CI gate runs it: linter lines, JSON, SARIF, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

STEWARD = [sys.executable, "-m", "bot"]

ALLOW = "Sunrise over the lake on my run this morning 🌅\n"
REVIEW = "Atlas is the #1 analytics platform #employee\n"
BLOCK = "Great launch today!\nMail the team at\n  jane.doe@gmail.com for details\n"


def steward(*args: str | bytes, stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*STEWARD, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120)
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    for name, text in (("allow.md", ALLOW), ("review.md", REVIEW), ("block.md", BLOCK)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_files_print_linter_lines_with_the_finding_position(posts: Path) -> None:
    out = steward("check", "allow.md", "review.md", "block.md", cwd=posts)
    assert out.returncode == 2, out.stderr
    lines = out.stdout.splitlines()
    # jane.doe@… starts on line 3, column 3 of block.md; nothing is said about allow.md.
    assert any(line.startswith("block.md:3:3: block ") for line in lines), lines
    assert any(line.startswith("review.md:1:") and ": review " in line for line in lines), lines
    assert not any(line.startswith("allow.md") for line in lines)
    for line in lines:
        path, row, col, rest = line.split(":", 3)
        verdict, rule, message = rest.strip().split(" ", 2)
        assert row.isdigit() and col.isdigit() and verdict in {"review", "block"} and rule and message


@pytest.mark.parametrize(("names", "code"), [
    (("allow.md",), 0), (("allow.md", "review.md"), 1), (("review.md", "block.md", "allow.md"), 2),
])
def test_exit_code_is_the_strictest_verdict_over_all_files(posts: Path, names: tuple[str, ...], code: int) -> None:
    assert steward("check", *names, cwd=posts).returncode == code


def test_json_format_reports_every_file_with_positions(posts: Path) -> None:
    out = steward("check", "--format", "json", "allow.md", "block.md", cwd=posts)
    report = json.loads(out.stdout)
    assert report["verdict"] == "block" and out.returncode == 2
    assert [f["path"] for f in report["files"]] == ["allow.md", "block.md"]
    assert report["files"][0] == {**report["files"][0], "verdict": "allow", "findings": []}
    email = next(f for f in report["files"][1]["findings"] if f["category"] == "privacy")
    assert (email["line"], email["column"]) == (3, 3)
    assert BLOCK[email["span"][0]:email["span"][1]] == "jane.doe@gmail.com"
    assert (email["end_line"], email["end_column"]) == (3, 3 + len("jane.doe@gmail.com"))


def test_sarif_is_a_2_1_0_log_with_rules_results_and_regions(posts: Path) -> None:
    out = steward("check", "--format", "sarif", "allow.md", "review.md", "block.md", cwd=posts)
    assert out.returncode == 2
    log = json.loads(out.stdout)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "steward" and driver["version"]
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and all(r["shortDescription"]["text"] for r in driver["rules"])
    assert run["columnKind"] == "unicodeCodePoints"
    assert {r["level"] for r in run["results"]} == {"warning", "error"}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (loc,) = result["locations"]
        region = loc["physicalLocation"]["region"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] in {"review.md", "block.md"}
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
    email = next(r for r in run["results"] if r["properties"]["category"] == "privacy")
    assert email["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    post = tmp_path / "emoji.md"
    post.write_text("🌅🌅 é mail jane.doe@gmail.com", encoding="utf-8")
    out = steward("check", str(post), "--format", "json")
    finding = json.loads(out.stdout)["files"][0]["findings"][0]
    assert finding["column"] == len("🌅🌅 é mail ") + 1


def test_an_unreadable_file_is_named_and_the_others_still_checked(posts: Path) -> None:
    (posts / "latin1.md").write_bytes(b"caf\xe9 au lait")
    out = steward("check", "block.md", "latin1.md", "missing.md", cwd=posts)
    assert out.returncode == 64
    assert "latin1.md is not UTF-8" in out.stderr and "cannot read missing.md" in out.stderr
    assert "2 of 3 file(s) could not be checked" in out.stderr
    assert out.stdout.startswith("block.md:")


def test_an_empty_file_passes_and_a_folder_is_a_usage_error(posts: Path) -> None:
    (posts / "empty.md").write_text("\n\n", encoding="utf-8")
    assert steward("check", "empty.md", "allow.md", cwd=posts).returncode == 0
    folder = steward("check", str(posts))
    assert folder.returncode == 64 and "is a folder" in folder.stderr


def test_unquoted_words_get_a_hint_to_quote_them() -> None:
    out = steward("check", "hello", "world")
    assert out.returncode == 64 and "quote it" in out.stderr


@pytest.mark.parametrize("args", [
    ("check", "--no-such-option", "hi"),
    ("check", "--format", "xml", "hi"),
    ("check", "--jobs", "-1", "hi"),
    ("no-such-command",),
    ("ask",),
])
def test_misuse_exits_64_not_the_block_code(args: tuple[str, ...]) -> None:
    out = steward(*args)
    assert out.returncode == 64, (out.stdout, out.stderr)
    assert out.stderr.strip()


@pytest.mark.parametrize("args", [
    ("check", b"caf\xe9 latte"),
    ("check", "--corpus", b"/tmp/\xff", "hello"),
    ("ask", b"\xc3\x28 what can I post?"),
    ("policies", "lint", b"\xfe"),
    (b"\xff",),
])
def test_invalid_utf8_anywhere_on_the_command_line_exits_64(args: tuple[str | bytes, ...]) -> None:
    out = steward(*args)
    assert out.returncode == 64
    assert "not valid UTF-8" in out.stderr


def test_help_lists_every_command_and_check_help_starts_alone() -> None:
    top = steward("--help")
    assert top.returncode == 0
    for command in ("check", "ask", "chat", "policies", "submit", "audit"):
        assert command in top.stdout
    sub = steward("check", "--help")
    assert sub.returncode == 0 and "--format" in sub.stdout


def test_check_does_not_import_the_answerer_or_the_database_stack(tmp_path: Path) -> None:
    probe = ("import sys, runpy\n"
             "sys.argv = ['steward', 'check', 'hello world']\n"
             "try:\n    runpy.run_module('bot', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'numpy', 'onnxruntime', 'tokenizers', 'sqlalchemy', 'sqlmodel', 'rich', 'bot', 'alembic', "
             "'aiohttp'})))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    loaded = set(proc.stdout.split())
    assert "bot.checker.engine" in loaded, proc.stderr
    # numpy is there for the learned layer (the default corpus ships examples); the answerer's
    # model runtime and the database stack are not.
    assert "bot.checker.learned.layer" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"onnxruntime", "tokenizers", "sqlalchemy", "sqlmodel",
                                                          "rich", "alembic", "aiohttp"}}
    assert not {m for m in loaded if m.startswith(("bot.answerer", "bot.store", "bot.workflow", "bot.steward"))}


def test_the_suite_points_the_users_files_into_tmp(isolated_user_files: Path) -> None:
    home = isolated_user_files
    for var in ("HOME", "STEWARD_DB", "XDG_CACHE_HOME"):
        assert Path(os.environ[var]).is_relative_to(home), var
    # the model cache is the repository's own (git-ignored), never ~/.cache
    assert Path(os.environ["STEWARD_CACHE_DIR"]).is_relative_to(ROOT / "test-artifacts")
    assert "DATABASE_URL" not in os.environ and "POLICY_DIR" not in os.environ


# --- ask: validated like check, reads stdin, records gaps only where it can -----------------------

OUT_OF_SCOPE = "how do I reset my VPN password"


def steward_env(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*STEWARD, *args], capture_output=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("ask", ""), None, "empty"),
    (("ask", "  \n\t"), None, "empty"),
    (("ask", "-"), b"", "empty"),
    (("ask", "-"), b"caf\xe9?", "not UTF-8"),
    (("ask", "-"), b"\x00\x01binary", "binary"),
    (("ask", "-"), b"why? " * 30_000, "characters"),
])
def test_ask_refuses_bad_input_with_64(args: tuple[str, ...], stdin: bytes | None, message: str) -> None:
    out = steward(*args, stdin=stdin)
    assert out.returncode == 64 and message in out.stderr, out.stderr


def test_ask_reads_the_question_from_stdin() -> None:
    out = steward("ask", "-", "--json", stdin=b"can i tweet about the outage?")
    assert out.returncode == 0
    assert json.loads(out.stdout)["citations"][0]["section"] == "legal-and-incidents"


def test_without_a_database_ask_does_not_claim_to_pass_the_question_on(tmp_path: Path) -> None:
    env = {"STEWARD_DB": "", "DATABASE_URL": ""}
    text = steward_env("ask", OUT_OF_SCOPE, env=env, cwd=tmp_path)
    assert "passed your question" not in text.stdout and "not passed on" in text.stdout
    data = json.loads(steward_env("ask", OUT_OF_SCOPE, "--json", env=env, cwd=tmp_path).stdout)
    assert data["answered"] is False and data["gap_recorded"] is False
    assert list(tmp_path.iterdir()) == []     # no ./steward.db was created to hold it


def test_with_a_database_ask_records_the_gap(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "gaps.db"
    out = steward_env("ask", OUT_OF_SCOPE, "--json", "--as", "ada@example.com", env={"STEWARD_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["gap_recorded"] is True
    text = steward_env("ask", OUT_OF_SCOPE, env={"STEWARD_DB": str(db)})
    assert "passed your question" in text.stdout
    rows = sqlite3.connect(db).execute("SELECT actor, question, answered, platform FROM question_record").fetchall()
    assert rows[0] == ("ada@example.com", OUT_OF_SCOPE, 0, "cli") and len(rows) == 2


def test_ask_with_an_unreachable_database_says_so(tmp_path: Path) -> None:
    out = steward_env("ask", OUT_OF_SCOPE, env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert out.returncode == 69 and "cannot reach the database" in out.stderr


# --- the pre-commit hook -------------------------------------------------------------------------


def test_pre_commit_manifest_is_valid_and_its_entry_gates_the_files_it_selects(posts: Path) -> None:
    import shlex

    import yaml
    from identify.identify import tags_from_filename

    manifest = ROOT / ".pre-commit-hooks.yaml"
    valid = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)],
                           capture_output=True, text=True, timeout=120)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    (hook,) = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    assert hook["id"] == "steward-check" and hook["require_serial"] is True
    wanted = set(hook["types_or"])
    assert wanted & tags_from_filename("launch.md") and wanted & tags_from_filename("launch.txt")
    assert not wanted & tags_from_filename("script.py")
    # pre-commit runs `entry args… file…`; the console script is `steward`, here run as `python -m bot`.
    program, *entry_args = shlex.split(hook["entry"])
    assert program == "steward"
    clean = steward(*entry_args, "allow.md", cwd=posts)
    dirty = steward(*entry_args, "allow.md", "block.md", cwd=posts)
    assert clean.returncode == 0 and clean.stdout == ""
    assert dirty.returncode == 2 and dirty.stdout.startswith("block.md:3:3: block ")
