"""Write notifications into the outbox and deliver them: claim, send, record, back off, give up.

Claiming works on every replica at once: PostgreSQL picks rows with
`SELECT … FOR UPDATE SKIP LOCKED`; SQLite's writing transaction holds the
database's write lock and the conditional `UPDATE … WHERE state = …` is the
claim. A claimed row is `sending` until its lease ends; a replica that dies
mid-send leaves it to be claimed again after the lease (a crash between
commit and send delays a message, it never drops one). Sends run outside any
transaction, concurrently; results are recorded in one transaction per batch.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import Clock, SystemClock, as_utc
from bot.directory.routing import Directory
from bot.directory.routing import Recipient as DirRecipient
from bot.outbox.sender import Delivery, Sender, SendError
from bot.replies import Notification, Recipient, Reply, notice
from bot.store.database import Database
from bot.store.tables import MessageRef, OutboxRow

PENDING, SENDING, SENT, DEAD, SUPERSEDED = "pending", "sending", "sent", "dead", "superseded"


@dataclass(frozen=True, slots=True)
class Planned:
    """A notification as the workflow states it, before it is addressed per platform."""

    to: DirRecipient
    reply: Reply
    key: str
    kind: str
    submission_id: int | None = None
    version: int | None = None
    op: str = "post"
    card_key: str = ""        # the key of the card's first send (updates and thread replies)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0


class Outbox:
    def __init__(self, db: Database, directory: Directory, clock: Clock | None = None, *,
                 platforms: Sequence[str] = ("local",), max_attempts: int = 8, base_delay: float = 2.0,
                 max_delay: float = 3600.0, lease: float = 120.0, concurrency: int = 64,
                 replica_id: str | None = None) -> None:
        self.db, self.directory = db, directory
        self.clock: Clock = clock or SystemClock()
        self.platforms = tuple(dict.fromkeys(p.strip() for p in platforms if p.strip()))
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.lease = timedelta(seconds=lease)
        self.concurrency = concurrency
        self.replica_id = replica_id or f"{socket.gethostname()}:{os.getpid()}"
        self.senders: dict[str, Sender] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    # ------------------------------------------------------------------ addressing

    def _targets(self, to: DirRecipient, platform: str) -> list[tuple[str, Recipient]]:
        """(key suffix, addressed recipient) for one platform; a group with no channel there is
        messaged member by member."""
        if to.kind == "group":
            channel = {"slack": to.slack, "teams": to.teams}.get(platform, to.id)
            if channel:
                return [("", Recipient(kind="group", id=to.id, address=channel, name=to.name))]
            group = self.directory.group(to.id)
            members = group.members if group is not None else ()
            return [(f":{m}", self._person(self.directory.person_recipient(m), platform)) for m in members]
        return [("", self._person(to, platform))]

    @staticmethod
    def _person(to: DirRecipient, platform: str) -> Recipient:
        address = {"slack": to.slack, "teams": to.teams}.get(platform, to.id)
        return Recipient(kind="person", id=to.id, address=address, name=to.name)

    def rows(self, planned: Iterable[Planned], now: datetime) -> list[dict[str, Any]]:
        """The outbox rows as plain dicts (a vote writes several; ORM objects would cost more than the SQL)."""
        out: list[dict[str, Any]] = []
        for p in planned:
            for platform in self.platforms:
                for suffix, r in self._targets(p.to, platform):
                    payload: dict[str, Any] = {"reply": p.reply.model_dump(mode="json"), "version": p.version}
                    out.append(dict(
                        key=f"{p.key}{suffix}@{platform}", platform=platform, recipient_kind=r.kind,
                        recipient_id=r.id, address=r.address, recipient_name=r.name, kind=p.kind, op=p.op,
                        card_key=f"{p.card_key}{suffix}@{platform}" if p.card_key else "",
                        submission_id=p.submission_id, payload=payload, state=PENDING, attempts=0,
                        next_attempt_at=now, claimed_by="", last_error="", message_id="", channel="",
                        created_at=now))
        return out

    @staticmethod
    def public(row: dict[str, Any]) -> Notification:
        return Notification(key=row["key"], platform=row["platform"], kind=row["kind"], op=row["op"],
                            to=Recipient(kind=row["recipient_kind"], id=row["recipient_id"],
                                         address=row["address"], name=row["recipient_name"]),
                            reply=Reply.model_validate(row["payload"]["reply"]), card_key=row["card_key"],
                            submission_id=row["submission_id"])

    async def write(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Insert in the caller's transaction; a key already there is left alone (a retried job).
        Nothing else happens here: this is on every vote's hot path (older updates of the same card
        are dropped when claimed, see `_claim`)."""
        if not rows:
            return
        values = list(rows)
        insert = pg_insert if self.db.is_postgres else sqlite_insert
        # executemany of one cached statement: no per-batch SQL compilation on the hot path
        await session.execute(insert(OutboxRow).on_conflict_do_nothing(index_elements=["key"]), values)

    # ------------------------------------------------------------------ delivery

    def _due(self, now: datetime) -> Any:
        return and_(col(OutboxRow.platform).in_(sorted(self.senders)), or_(
            and_(col(OutboxRow.state) == PENDING, col(OutboxRow.next_attempt_at) <= now),
            and_(col(OutboxRow.state) == SENDING, col(OutboxRow.claimed_until) < now)))

    async def _claim(self, now: datetime, batch: int) -> tuple[list[Any], dict[str, tuple[str, str, str]]]:
        until = now + self.lease

        async def claim(session: AsyncSession) -> tuple[list[Any], dict[str, tuple[str, str, str]]]:
            pick = select(col(OutboxRow.id)).where(self._due(now)).order_by(col(OutboxRow.id)).limit(batch)
            ids = list((await session.execute(self.db.lock(pick, skip_locked=True))).scalars())
            if not ids:
                return [], {}
            await session.execute(update(OutboxRow).where(col(OutboxRow.id).in_(ids), self._due(now)).values(
                state=SENDING, claimed_until=until, claimed_by=self.replica_id,
                attempts=col(OutboxRow.attempts) + 1))
            # Plain rows (attribute access by column name), not ORM objects: cheaper by far per row.
            rows = (await session.execute(select(*_TABLE.c).where(
                col(OutboxRow.id).in_(ids), col(OutboxRow.state) == SENDING,
                col(OutboxRow.claimed_by) == self.replica_id, col(OutboxRow.claimed_until) == until)
                .order_by(col(OutboxRow.id)))).all()
            rows = await self._drop_overtaken(session, list(rows))
            cards = {r.card_key for r in rows if r.card_key}
            sent: dict[str, tuple[str, str, str]] = {}
            if cards:
                for key, state, mid, channel in (await session.execute(select(
                        col(OutboxRow.key), col(OutboxRow.state), col(OutboxRow.message_id),
                        col(OutboxRow.channel)).where(col(OutboxRow.key).in_(sorted(cards))))).all():
                    sent[key] = (state, mid, channel)
            return list(rows), sent

        return await self.db.retrying(claim)

    async def _drop_overtaken(self, session: AsyncSession, rows: list[Any]) -> list[Any]:
        """A card update with a newer update of the same card behind it need not be sent: the newer
        one carries the whole card. Marked superseded, never sent."""
        cards = sorted({r.card_key for r in rows if r.op == "update" and r.card_key})
        if not cards:
            return rows
        newest: dict[str, int] = {key: top for key, top in (await session.execute(
            select(col(OutboxRow.card_key), func.max(col(OutboxRow.id))).where(
                col(OutboxRow.card_key).in_(cards), col(OutboxRow.op) == "update")
            .group_by(col(OutboxRow.card_key)))).all()}
        stale = [r.id for r in rows if r.op == "update" and r.card_key and (r.id or 0) < newest[r.card_key]]
        if not stale:
            return rows
        await session.execute(update(OutboxRow).where(col(OutboxRow.id).in_(stale)).values(state=SUPERSEDED))
        return [r for r in rows if r.id not in set(stale)]

    async def dispatch(self, now: datetime | None = None, *, limit: int = 1000, batch: int = 200) -> DispatchReport:
        """Deliver what is due, up to `limit` rows. Safe on every replica at once."""
        report = DispatchReport()
        while report.claimed < limit and self.senders:
            moment = as_utc(now) if now is not None else self.clock.now()
            rows, cards = await self._claim(moment, min(batch, limit - report.claimed))
            if not rows:
                break
            report.claimed += len(rows)
            gate = asyncio.Semaphore(self.concurrency)
            results = await asyncio.gather(*(self._send_one(r, cards, gate) for r in rows))
            await self._record(results, report)
        return report

    async def _send_one(self, row: Any, cards: dict[str, tuple[str, str, str]],
                        gate: asyncio.Semaphore) -> tuple[Any, str, Any]:
        card = cards.get(row.card_key) if row.card_key else None
        if row.card_key and card is not None and card[0] in (PENDING, SENDING):
            return row, "defer", None          # the card itself is not out yet: keep the order
        delivery = self._delivery(row, card)
        async with gate:
            try:
                return row, "sent", await self.senders[row.platform].send(delivery)
            except Exception as exc:   # any failure of the adapter is a failed attempt
                return row, "failed", exc

    def _delivery(self, row: Any, card: tuple[str, str, str] | None) -> Delivery:
        op, message_id, channel = row.op, "", ""
        if card is not None and card[0] == SENT:
            message_id, channel = card[1], card[2]
        elif op == "update":
            op = "post"          # the card never went out (dead, or sent before this platform): post anew
        return Delivery(key=row.key, platform=row.platform, kind=row.kind, op=op, message_id=message_id,
                        channel=channel, submission_id=row.submission_id, version=row.payload.get("version"),
                        to=Recipient(kind=row.recipient_kind, id=row.recipient_id, address=row.address,
                                     name=row.recipient_name),
                        reply=Reply.model_validate(row.payload["reply"]))

    async def _record(self, results: list[tuple[Any, str, Any]], report: DispatchReport) -> None:
        """One transaction per batch; the sent rows in one executemany (guarded by the claim)."""
        async def record(session: AsyncSession) -> None:
            now = self.clock.now()
            sent: list[dict[str, Any]] = []
            dead_notices: list[dict[str, Any]] = []
            for row, status, value in results:
                mine = and_(col(OutboxRow.id) == row.id, col(OutboxRow.claimed_by) == self.replica_id,
                            col(OutboxRow.state) == SENDING)
                if status == "defer":
                    report.deferred += 1
                    await session.execute(update(OutboxRow).where(mine).values(
                        state=PENDING, attempts=row.attempts - 1, next_attempt_at=now + timedelta(seconds=1)))
                elif status == "sent":
                    report.sent += 1
                    message_id, channel = value
                    sent.append({"b_id": row.id, "b_by": self.replica_id, "b_mid": str(message_id or ""),
                                 "b_channel": str(channel or ""), "b_at": now})
                    if row.kind == "review_request" and row.submission_id is not None and message_id:
                        await upsert_message_ref(session, self.db, row.submission_id, row.payload.get("version"),
                                                 row.platform, str(channel or row.address), str(message_id), now)
                else:
                    exc: BaseException = value
                    permanent = isinstance(exc, SendError) and exc.permanent
                    error_text = f"{type(exc).__name__}: {exc}"[:500]
                    if permanent or row.attempts >= self.max_attempts:
                        report.dead += 1
                        await session.execute(update(OutboxRow).where(mine).values(state=DEAD, last_error=error_text))
                        if row.kind != "dead_letter":
                            dead_notices += self._dead_notice(row, error_text, now)
                    else:
                        report.retried += 1
                        wait = exc.retry_after if isinstance(exc, SendError) and exc.retry_after else None
                        await session.execute(update(OutboxRow).where(mine).values(
                            state=PENDING, last_error=error_text,
                            next_attempt_at=now + timedelta(seconds=wait or self.backoff(row.attempts))))
            if sent:
                table = _TABLE
                await session.execute(
                    table.update().where(table.c.id == bindparam("b_id"), table.c.claimed_by == bindparam("b_by"),
                                         table.c.state == SENDING)
                    .values(state=SENT, message_id=bindparam("b_mid"), channel=bindparam("b_channel"),
                            sent_at=bindparam("b_at"), last_error=""), sent)
            await self.write(session, dead_notices)

        await self.db.retrying(record)

    def backoff(self, attempts: int) -> float:
        """Exponential with full jitter: a random wait up to base·2^(attempts-1), capped."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _dead_notice(self, row: Any, error_text: str, now: datetime) -> list[dict[str, Any]]:
        hub = self.directory.group(self.directory.hub)
        if hub is None:
            return []
        reply = notice(f"A notification could not be delivered on {row.platform}",
                       f"{row.kind} for {row.recipient_kind} {row.recipient_id} gave up after {row.attempts} "
                       f"attempt(s): {error_text}")
        to = DirRecipient("group", self.directory.hub, hub.name or self.directory.hub, hub.slack_channel,
                          hub.teams_channel)
        return self.rows([Planned(to=to, reply=reply, key=f"dead:{row.key}", kind="dead_letter",
                                  submission_id=row.submission_id)], now)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """The dispatcher loop a server replica runs until `stop` is set."""
        while not stop.is_set():
            report = await self.dispatch()
            if report.claimed and report.claimed > report.deferred:
                continue        # more may be due right away
            with _suppress_timeout():
                await asyncio.wait_for(stop.wait(), timeout=interval)


_TABLE: Any = OutboxRow.__table__  # type: ignore[attr-defined]


def _suppress_timeout() -> Any:
    import contextlib

    return contextlib.suppress(asyncio.TimeoutError)


async def upsert_message_ref(session: AsyncSession, db: Database, submission_id: int, version: int | None,
                             platform: str, channel: str, message_id: str, now: datetime) -> None:
    """Record a card's message (idempotent, safe when two record it at once)."""
    insert = pg_insert if db.is_postgres else sqlite_insert
    await session.execute(insert(MessageRef).values(
        platform=platform, channel=channel, message_id=message_id, submission_id=submission_id, version=version,
        kind="review_card", created_at=now).on_conflict_do_nothing(
        index_elements=["platform", "channel", "message_id"]))
