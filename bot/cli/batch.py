"""`steward check --batch`: many drafts in one run, one JSON result per input line, in order.

Batch mode is about throughput, so it uses every core it is given: the rules are
compiled once, then worker processes forked from this one (they inherit the
compiled checker) check chunks of lines while the parent writes results in input
order. Small files, `--jobs 1`, or a platform without fork run in this process.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.checker.engine import Checker
from bot.cli.app import VERDICT_EXIT
from bot.cli.common import InputError, validate_draft

PARALLEL_FROM = 2_000   # below this many lines a pool costs more than it saves
CHUNK = 256

# Set in the parent just before forking; each worker inherits it (no pickling of rules).
_checker: Checker | None = None
_max_chars = 0


def check_line(item: tuple[int, bytes]) -> tuple[str, int | None]:
    """One input line → (its JSON result line, the verdict's exit code or None for a bad line)."""
    assert _checker is not None
    n, raw = item
    record: dict[str, Any]
    row: Any = None
    code: int | None = None
    try:
        row = json.loads(raw)
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError("each line must be a JSON object with a string 'text' field")
        draft = validate_draft(row["text"], _max_chars, f"line {n}")
        result = _checker.check(draft)
        record = result.to_json()
        code = VERDICT_EXIT[result.verdict]
    except (InputError, ValueError) as exc:
        msg = str(exc) if isinstance(exc, InputError) else f"line {n} is not JSON ({exc})"
        record = {"error": msg}
    if isinstance(row, dict) and "id" in row:
        record = {"id": row["id"], **record}
    record["line"] = n
    return json.dumps(record, ensure_ascii=False) + "\n", code


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(checker: Checker, lines: Iterable[bytes], max_chars: int, jobs: int) -> tuple[int, int]:
    """Write one result per non-blank line to stdout; return (strictest exit code, bad lines)."""
    global _checker, _max_chars
    _checker, _max_chars = checker, max_chars
    items = [(n, raw) for n, raw in enumerate(lines, 1) if raw.strip()]
    results: Iterator[tuple[str, int | None]]
    fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs > 1 and fork and len(items) >= PARALLEL_FROM:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.imap(check_line, items, chunksize=CHUNK)
            return _write(results)
    return _write(map(check_line, items))


def _write(results: Iterable[tuple[str, int | None]]) -> tuple[int, int]:
    worst, bad = 0, 0
    out = sys.stdout
    for line, code in results:
        out.write(line)
        if code is None:
            bad += 1
        else:
            worst = max(worst, code)
    return worst, bad


def read_lines(path: Path) -> list[bytes]:
    with path.open("rb") as handle:
        return handle.readlines()
