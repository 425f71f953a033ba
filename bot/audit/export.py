"""Export the audit log for a compliance officer: JSON Lines or CSV, optionally from a date on."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import IO, Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncScalarResult
from sqlmodel import col

from bot.audit.chain import canonical_time
from bot.clock import as_utc
from bot.store.database import Database
from bot.store.tables import AuditEvent

ExportFormat = Literal["jsonl", "csv"]
COLUMNS = ("seq", "at", "actor", "action", "submission_id", "version", "corpus_version", "detail",
           "prev_hash", "hash")


def _record(row: AuditEvent) -> dict[str, Any]:
    return {"seq": row.seq, "at": canonical_time(row.at), "actor": row.actor, "action": row.action,
            "submission_id": row.submission_id, "version": row.version, "corpus_version": row.corpus_version,
            "detail": row.detail, "prev_hash": row.prev_hash, "hash": row.hash}


async def export(db: Database, out: IO[str], fmt: ExportFormat = "jsonl", since: datetime | None = None) -> int:
    """Write events (from `since` on, in chain order) to `out`; returns how many."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format '{fmt}'; use jsonl or csv")
    stmt = select(AuditEvent).order_by(col(AuditEvent.seq))
    if since is not None:
        stmt = stmt.where(col(AuditEvent.at) >= as_utc(since))
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
    count = 0
    async with db.reading() as session:
        result = await session.stream(stmt.execution_options(yield_per=1000))
        async for row in _each(result.scalars()):
            record = _record(row)
            if writer is not None:
                record["detail"] = json.dumps(record["detail"], sort_keys=True, ensure_ascii=False)
                writer.writerow(record)
            else:
                out.write(json.dumps(record, sort_keys=False, ensure_ascii=False) + "\n")
            count += 1
    return count


async def _each(result: AsyncScalarResult[AuditEvent]) -> AsyncIterator[AuditEvent]:
    async for chunk in result.partitions():      # one event-loop round trip per chunk, not per row
        for row in chunk:
            yield row
