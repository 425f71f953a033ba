"""`steward check --batch`: many drafts in one run, one JSON result per input line, in order.

Batch mode is about throughput, so it uses every core it is given: the rules are
compiled once, then worker processes forked from this one (they inherit the
compiled checker) check chunks of lines while the parent writes results in input
order. Work is measured in characters, not lines: a file of a few hundred long
drafts is as much work as thousands of short ones, so it is split the same way,
into chunks of about equal size, several per worker so that none waits on a slow
one. Little work, `--jobs 1`, or a platform without fork run in this process.
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

# Checking costs about 1.5 µs a character; below this much text a pool of forked
# workers costs more than it saves.
PARALLEL_FROM_CHARS = 200_000
CHUNKS_PER_JOB = 8                 # small enough chunks that the workers finish together
MIN_CHUNK_CHARS = 16_000           # large enough that each costs far more than its hand-off

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
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"line {n} is not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset "
                             f"{exc.start}); save the file as UTF-8") from None
        row = json.loads(line)
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


def check_chunk(chunk: list[tuple[int, bytes]]) -> list[tuple[str, int | None]]:
    return [check_line(item) for item in chunk]


def chunks(items: list[tuple[int, bytes]], jobs: int) -> list[list[tuple[int, bytes]]]:
    """Consecutive runs of lines of about equal total size, about CHUNKS_PER_JOB per worker."""
    total = sum(len(raw) for _, raw in items)
    target = max(MIN_CHUNK_CHARS, total // (jobs * CHUNKS_PER_JOB) + 1)
    out: list[list[tuple[int, bytes]]] = []
    current: list[tuple[int, bytes]] = []
    size = 0
    for item in items:
        current.append(item)
        size += len(item[1])
        if size >= target:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(checker: Checker, lines: Iterable[bytes], max_chars: int, jobs: int) -> tuple[int, int]:
    """Write one result per non-blank line to stdout; return (strictest exit code, bad lines)."""
    global _checker, _max_chars
    _checker, _max_chars = checker, max_chars
    items = [(n, raw) for n, raw in enumerate(lines, 1) if raw.strip()]
    results: Iterator[tuple[str, int | None]]
    fork = "fork" in multiprocessing.get_all_start_methods()
    work = chunks(items, jobs)
    if jobs > 1 and fork and len(work) > 1 and sum(len(raw) for _, raw in items) >= PARALLEL_FROM_CHARS:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(work))) as pool:
            results = (r for done in pool.imap(check_chunk, work) for r in done)
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
