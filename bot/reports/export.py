"""Decisions for compliance, as CSV or JSON Lines: one row per decided submission, with its votes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, select
from sqlmodel import col

from bot.clock import as_utc
from bot.reports.period import Period
from bot.reports.sql import in_period
from bot.store.database import Database
from bot.store.tables import Submission, Vote

Format = Literal["csv", "jsonl"]
FORMATS: tuple[str, ...] = ("csv", "jsonl")
COLUMNS = ("submission", "requester", "department", "state", "verdict", "categories", "routes", "version",
           "submitted_at", "decided_at", "hours_to_decision", "votes", "corpus_version")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    data: bytes
    rows: int


async def decision_rows(db: Database, period: Period, department: str = "") -> AsyncIterator[dict[str, Any]]:
    """Submissions decided in the period, oldest decision first, each with the votes on its decided version."""
    stmt = (select(Submission, col(Vote.approver), col(Vote.value))
            .outerjoin(Vote, and_(col(Vote.submission_id) == col(Submission.id),
                                  col(Vote.version) == col(Submission.version)))
            .where(in_period(col(Submission.decided_at), period.start, period.end))
            .order_by(col(Submission.decided_at), col(Submission.id), col(Vote.approver)))
    if department:
        stmt = stmt.where(col(Submission.department) == department)
    current: dict[str, Any] | None = None
    async with db.reading() as session:
        result = await session.stream(stmt.execution_options(yield_per=2000))
        async for sub, approver, value in result:
            if current is None or current["submission"] != sub.id:
                if current is not None:
                    yield current
                current = _row(sub)
            if approver is not None:
                current["votes"].append(f"{approver}:{value}")
    if current is not None:
        yield current


def _row(sub: Submission) -> dict[str, Any]:
    created, decided = as_utc(sub.created_at), as_utc(sub.decided_at) if sub.decided_at else None
    hours = round((decided - created).total_seconds() / 3600, 2) if decided else None
    return {"submission": sub.id, "requester": sub.requester, "department": sub.department, "state": sub.state,
            "verdict": sub.verdict, "categories": list(sub.categories),
            "routes": list(sub.route.get("route_ids", [])), "version": sub.version,
            "submitted_at": created.isoformat(), "decided_at": decided.isoformat() if decided else None,
            "hours_to_decision": hours, "votes": [], "corpus_version": sub.decision_corpus_version}


async def export(db: Database, period: Period, fmt: str, department: str = "") -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"'{fmt}' is not an export format; use csv or jsonl")
    buffer = io.StringIO()
    count = 0
    writer = csv.writer(buffer) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(COLUMNS)
    async for row in decision_rows(db, period, department):
        count += 1
        if writer is not None:
            writer.writerow([";".join(v) if isinstance(v, list) else ("" if v is None else v)
                             for v in (row[c] for c in COLUMNS)])
        else:
            buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
    stem = f"steward-decisions-{period.start.date().isoformat()}-to-{period.describe().split(' to ')[1]}"
    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return ExportFile(f"{stem}.{fmt}", media, buffer.getvalue().encode("utf-8"), count)
