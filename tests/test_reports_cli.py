"""`steward report …` and `steward policies replay` as real processes on a real database file."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from reports_history import build, directory

from bot.store.database import Database
from bot.store.migrate import upgrade
from bot.store.settings import sqlite_url

ROOT = Path(__file__).resolve().parent.parent
FEB = "2026-02-01..2026-03-01"      # whole days; 2026 is no leap year, so this is the 30d window by day


def steward(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "r.db"), "POLICY_DIR": str(ROOT / "policies"),
           "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def seed(tmp_path: Path) -> None:
    async def go() -> None:
        db = Database(sqlite_url(tmp_path / "r.db"))
        try:
            await upgrade(db)
            await build(db, directory())
        finally:
            await db.dispose()

    asyncio.run(go())


def test_report_show_prints_tables_and_writes_the_chart(tmp_path: Path) -> None:
    seed(tmp_path)
    out = steward(tmp_path, "report", "show", FEB, "--chart", "weekly.png")
    assert out.returncode == 0, out.stderr
    assert "Drafts checked" in out.stdout and "Median time to decision" in out.stdout
    assert (tmp_path / "weekly.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(steward(tmp_path, "report", "show", FEB, "--json").stdout)
    figures = {f["key"]: f["value"] for s in data["sections"] for f in s["figures"]}
    assert figures["checks"] == 5 and figures["approved"] == 2 and figures["median_hours"] == 8.0


def test_report_refuses_bad_input_without_a_traceback(tmp_path: Path) -> None:
    seed(tmp_path)
    bad = steward(tmp_path, "report", "show", "last week")
    assert bad.returncode == 64 and "is not a period I know" in bad.stderr and "Traceback" not in bad.stderr
    unknown = steward(tmp_path, "report", "show", "30d", "--department", "astronomy")
    assert unknown.returncode == 64 and "I don't know a department called 'astronomy'" in unknown.stderr
    fmt = steward(tmp_path, "report", "export", "30d", "--format", "xml")
    assert fmt.returncode == 64 and "'xml' is not an export format" in fmt.stderr


def test_export_csv_and_jsonl(tmp_path: Path) -> None:
    seed(tmp_path)
    csv_out = steward(tmp_path, "report", "export", FEB, "--format", "csv")
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("submission,requester,department,state,verdict")
    assert len(lines) == 1 + 5          # #1..#4 decided in February, #7 expired on Feb 2
    jsonl = steward(tmp_path, "report", "export", FEB, "--format", "jsonl", "-o", "d.jsonl")
    assert jsonl.returncode == 0 and "5 decision(s) written" in jsonl.stderr
    rows = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    first = next(r for r in rows if r["submission"] == 1)
    assert first["state"] == "approved" and first["votes"] == ["eng1@nw.example:approve"]
    assert first["hours_to_decision"] == 2.0


def test_other_report_commands_run(tmp_path: Path) -> None:
    seed(tmp_path)
    for args in (("pending",), ("gaps", "3650d"), ("rules",), ("spokes",), ("digest",), ("refresh",)):
        out = steward(tmp_path, "report", *args)
        assert out.returncode == 0, (args, out.stderr)
    assert "#3" in steward(tmp_path, "report", "pending").stdout
    assert "Can I post my salary?" in steward(tmp_path, "report", "gaps", "3650d").stdout


def test_policies_replay(tmp_path: Path) -> None:
    seed(tmp_path)
    out = steward(tmp_path, "policies", "replay", "--corpus", str(ROOT / "policies"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    figures = {f["key"]: f["value"] for f in data["sections"][0]["figures"]}
    assert figures["replayed"] == 7       # every stored draft still has its text
    # the history's drafts ("draft 1"…) say nothing risky, and were recorded as review: all become allow
    assert figures["changed"] == 7 and figures["looser"] == 7
    bad = steward(tmp_path, "policies", "replay", "--corpus", str(ROOT / "policies"), "--since", "May")
    assert bad.returncode == 64 and "not a date" in bad.stderr
