"""`steward audit …` and `steward purge` as an operator and an auditor use them: keys, signed
checkpoints, verify against them, proofs, export rights, retention — and hostile arguments."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from audit_history import rich_history
from conftest import routing_spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.audit.merkle import verify_consistency, verify_inclusion
from bot.cli import app, register
from bot.clock import ManualClock
from bot.directory import Directory
from bot.store.database import Database
from bot.store.migrate import upgrade
from bot.store.settings import sqlite_url
from bot.workflow.service import WorkflowService

register(["--help"])   # load every command module, as `steward` does for all but check and ask

ROOT = Path(__file__).resolve().parent.parent
HUB = "maria.lopez@northwindlabs.com"            # CoE hub of the bundled routing.yaml
EXIT_CODES = {0, 1, 2, 64, 70}          # 2: Click's own usage error (e.g. "-0" read as an option)


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the rich history (built once; tests copy it)."""
    path = tmp_path_factory.mktemp("audit-cli") / "steward.db"

    async def build() -> None:
        db = Database(sqlite_url(path))
        try:
            await upgrade(db)
            await rich_history(WorkflowService(db, Directory(routing_spec()), ManualClock()))
        finally:
            await db.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def env(history_db: Path, tmp_path: Path) -> dict[str, str]:
    copy = tmp_path / "steward.db"
    copy.write_bytes(history_db.read_bytes())
    return {"STEWARD_DB": str(copy), "DATABASE_URL": "", "POLICY_DIR": str(ROOT / "policies"),
            "STEWARD_AUDIT_SIGNING_KEY": "", "STEWARD_AUDIT_SIGNING_KEY_FILE": "", "STEWARD_AUDIT_PUBLIC_KEY": "",
            "STEWARD_AUDIT_CHECKPOINT_DIR": "", "STEWARD_RETENTION_TEXT_DAYS": ""}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"steward {' '.join(args)!r} raised {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def events(env: dict[str, str]) -> list[tuple[int, str]]:
    with sqlite3.connect(env["STEWARD_DB"]) as conn:
        return conn.execute("SELECT seq, action FROM audit_event ORDER BY seq").fetchall()


def test_keys_checkpoints_and_verify_against_them(env: dict[str, str], tmp_path: Path) -> None:
    key, folder = tmp_path / "audit.key", tmp_path / "worm"
    code, public, _ = run(env, "audit", "keygen", "--output", str(key))
    assert code == 0 and public.startswith("-----BEGIN PUBLIC KEY-----") and key.stat().st_mode & 0o077 == 0
    assert run(env, "audit", "keygen", "--output", str(key))[0] == 64        # never overwrites a key
    (tmp_path / "audit.pub").write_text(public)
    code, _, err = run(env, "audit", "checkpoint", "--output", str(folder), "--key", str(key))
    assert code == 0 and "checkpoint #22" in err
    assert run(env, "audit", "checkpoint", "--output", str(folder), "--key", str(key))[0] == 0
    assert len(list(folder.iterdir())) == 1                                   # the same head: the same file
    code, out, _ = run(env, "audit", "checkpoint", "--output", "-", "--key", str(key))
    assert code == 0 and json.loads(out)["seq"] == 22                         # for a log shipper
    anchor = ["--checkpoints", str(folder), "--public-key", str(tmp_path / "audit.pub")]
    code, out, _ = run(env, "audit", "verify", *anchor)
    assert code == 0 and "1 anchor(s) held, state replayed" in out
    with sqlite3.connect(env["STEWARD_DB"]) as conn:            # cut the tail and move the head back
        conn.execute("DELETE FROM audit_event WHERE seq > 19")
        conn.execute("UPDATE audit_head SET seq = 19, hash = (SELECT hash FROM audit_event WHERE seq = 19)")
    code, _, err = run(env, "audit", "verify", *anchor)
    assert code == 70 and "vouches for event #22, but the log has no event #22" in err
    assert "dispute #2 is in the tables but the audit log never recorded it" in err
    assert run(env, "audit", "verify", "--checkpoints", str(folder))[0] == 64   # no public key to check with


def test_expect_and_prove(env: dict[str, str]) -> None:
    code, out, _ = run(env, "audit", "verify")
    head = out.split("head #")[1].split(";")[0]                                # "22 <hash>"
    seq, digest = head.split()
    assert run(env, "audit", "verify", "--expect", f"{seq}:{digest}")[0] == 0
    code, _, err = run(env, "audit", "verify", "--expect", f"{seq}:{'0' * 64}")
    assert code == 70 and "rewritten" in err
    code, _, err = run(env, "audit", "verify", "--expect", "22:nothex")
    assert code == 64 and "is not SEQ:HASH" in err
    code, out, _ = run(env, "audit", "prove", "7", "--old-size", "5")
    proof = json.loads(out)
    assert verify_inclusion(proof["event_hash"], 6, proof["tree_size"], proof["inclusion"], proof["root"])
    assert verify_consistency(5, proof["tree_size"], proof["old_root"], proof["root"], proof["consistency"])
    assert proof["root"] == out_root(env)
    assert run(env, "audit", "prove", "23")[0] == 1


def out_root(env: dict[str, str]) -> str:
    return run(env, "audit", "verify")[1].split("Merkle root ")[1].strip()


def test_export_needs_the_coe_and_purge_keeps_the_minimum(env: dict[str, str]) -> None:
    code, _, err = run(env, "audit", "export", "--as", "legal1@nw.example")
    assert code == 1 and "only the CoE hub" in err
    code, out, _ = run(env, "audit", "export", "--as", HUB.upper())
    assert code == 0 and len(out.splitlines()) == 22
    before = events(env)
    code, _, err = run(env, "purge", "--older-than", "30")
    assert code == 1 and "kept at least 90 days" in err and events(env) == before
    code, out, _ = run(env, "purge", "--older-than", "90", "--as", HUB)
    assert code == 0 and "purged 2 draft text(s)" in out and "at least 2557 days" in out
    assert events(env)[-1][1] == "purged"                                    # a purge is audited
    env = {**env, "STEWARD_RETENTION_TEXT_DAYS": "nan"}
    code, _, err = run(env, "purge", "--older-than", "90")
    assert code == 64 and "STEWARD_RETENTION_TEXT_DAYS must be a finite number" in err


@pytest.mark.parametrize(("args", "message"), [
    (("purge", "--older-than", "nan"), "finite"),
    (("purge", "--older-than", "inf"), "finite"),
    (("purge", "--older-than", "1e10"), "at most 36,525 days"),
    (("purge", "--older-than", "-1"), "zero or more"),
    (("purge", "--older-than", "ninety"), "a number of days"),
    (("audit", "export", "--as", HUB, "--since", "9999-12-31T23:59:59-14:00"), "outside the dates"),
    (("audit", "export", "--as", "ada\udcff@nw.example"), "not valid UTF-8"),
    (("audit", "export", "--as", "ada\x00@nw.example"), "NUL or control"),
    (("audit", "prove", str(2 ** 63)), "whole number"),
    (("audit", "verify", "--expect", f"{2 ** 64}:{'a' * 64}"), "out of range"),
    (("audit", "checkpoint", "--output", "-", "--every", "nan"), "no signing key"),
])
def test_hostile_arguments_get_a_clear_message(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    before = events(env)
    code, out, err = run(env, *args)
    assert code == 64 and message in err, (code, out, err)
    assert events(env) == before


HOSTILE = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e10", "-1", "0", "1e308", "2557", str(2 ** 63), "9" * 40, "",
                     "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30", "\x00", "\ud800",
                     "\x1b[2J", "a" * 5000, "1:" + "a" * 64, "-", "--as"]),
    st.text(max_size=40),
)
COMMANDS = [
    lambda v: ("purge", "--older-than", v),
    lambda v: ("purge", "--older-than", "120", "--as", v),
    lambda v: ("audit", "export", "--as", v),
    lambda v: ("audit", "export", "--as", HUB, "--since", v),
    lambda v: ("audit", "export", "--as", HUB, "--format", v),
    lambda v: ("audit", "verify", "--expect", v),
    lambda v: ("audit", "prove", v),
    lambda v: ("audit", "prove", "3", "--old-size", v),
    lambda v: ("audit", "checkpoint", "--output", "-", "--key", v),
    lambda v: ("audit", "verify", "--checkpoints", v or ".", "--public-key", v or "."),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(range(len(COMMANDS))), HOSTILE)
def test_fuzzed_arguments_never_raise_and_refusals_store_nothing(env: dict[str, str], which: int, value: str) -> None:
    before = events(env)
    code, _, err = run(env, *COMMANDS[which](value))
    assert code in EXIT_CODES and "Traceback" not in err
    if code != 0:
        assert events(env) == before


def _steward(env: dict[str, str], *args: str | bytes, timeout: float = 25) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, **{k: v for k, v in env.items() if v}}
    full.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, env=full, timeout=timeout,
                          cwd=ROOT)


def test_invalid_utf8_bytes_on_the_command_line(env: dict[str, str]) -> None:
    out = _steward(env, "audit", "export", "--as", b"ada\xff\xfe@nw.example")
    assert out.returncode == 64 and b"not valid UTF-8" in out.stderr and b"Traceback" not in out.stderr


def test_read_only_commands_do_not_wait_for_a_writer(env: dict[str, str]) -> None:
    """Another process holds SQLite's write lock: `audit verify` and `show` still answer at once
    (they used to wait 30 s in the start-up schema check and fail)."""
    writer = sqlite3.connect(env["STEWARD_DB"], isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE audit_head SET hash = hash")
        verify = _steward(env, "audit", "verify", timeout=20)
        assert verify.returncode == 0, verify.stderr
        show = _steward(env, "show", "1", "--as", HUB, timeout=20)
        assert show.returncode == 0 and b"Submission #1" in show.stdout, show.stderr
    finally:
        writer.execute("ROLLBACK")
        writer.close()
