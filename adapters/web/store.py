"""The web chat as a platform: its channels and messages, kept in the same database as Steward.

Slack and Teams keep their messages on their own servers; the web chat is its own small chat
platform, so it keeps them here, in two tables of its own (created at mount, outside Steward's
migrations, dropped with no loss to Steward's records). Every post or edit appends an event
whose `seq` the live streams of every replica poll, so a vote through one replica updates the
card a browser watches through another.

Channels: "#<group id>" (an approver group's channel), "@<e-mail>" (a person's chat with Steward).
A delivery key is unique: a send retried after a crash finds the message it already posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

METADATA = MetaData()
MESSAGES = Table(
    "web_chat_message", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(40), nullable=False, unique=True),
    Column("channel", String(400), nullable=False, index=True),
    Column("thread_of", String(40), nullable=False, default=""),
    Column("author", String(320), nullable=False),
    Column("author_name", String(200), nullable=False, default=""),
    Column("kind", String(40), nullable=False, default=""),
    Column("text", Text, nullable=True),
    Column("draft", Text, nullable=True),
    Column("reply", JSON, nullable=True),
    Column("key", String(400), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
EVENTS = Table(
    "web_chat_event", METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(400), nullable=False, index=True),
    Column("message_id", String(40), nullable=False),
)
# Events that commit out of `seq` order (PostgreSQL sequences) are caught by re-reading this many.
OVERLAP = 50


def group_channel(group_id: str) -> str:
    return f"#{group_id}"


def dm_channel(email: str) -> str:
    return f"@{email.strip().lower()}"


class WebStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.changed = asyncio.Condition()     # wakes this replica's streams at once

    async def create(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def post(self, channel: str, *, author: str = "steward", author_name: str = "", kind: str = "",
                   text: str | None = None, reply: dict[str, Any] | None = None, draft: str | None = None,
                   thread_of: str = "", key: str | None = None) -> str:
        """A new message; with `key`, a repeat of that key returns the first message's id."""
        now = datetime.now(UTC)
        message_id = "w" + secrets.token_hex(8)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(MESSAGES).values(
                    message_id=message_id, channel=channel, thread_of=thread_of, author=author,
                    author_name=author_name, kind=kind, text=text, draft=draft, reply=reply, key=key,
                    created_at=now, updated_at=now))
                await conn.execute(insert(EVENTS).values(channel=channel, message_id=thread_of or message_id))
        except IntegrityError:
            if key is None:
                raise
            async with self.engine.connect() as conn:
                found = (await conn.execute(select(MESSAGES.c.message_id).where(MESSAGES.c.key == key))).scalar()
            if found is None:
                raise
            return str(found)
        await self._notify()
        return message_id

    async def post_many(self, channel: str, messages: list[dict[str, Any]]) -> list[str]:
        """Several messages in one transaction (a person's message and Steward's reply)."""
        now = datetime.now(UTC)
        ids = ["w" + secrets.token_hex(8) for _ in messages]
        rows = [{"message_id": mid, "channel": channel, "thread_of": "", "author": m.get("author", "steward"),
                 "author_name": m.get("author_name", ""), "kind": m.get("kind", ""), "text": m.get("text"),
                 "draft": m.get("draft"), "reply": m.get("reply"), "key": None, "created_at": now,
                 "updated_at": now} for mid, m in zip(ids, messages, strict=True)]
        async with self.engine.begin() as conn:
            await conn.execute(insert(MESSAGES), rows)
            await conn.execute(insert(EVENTS), [{"channel": channel, "message_id": mid} for mid in ids])
        await self._notify()
        return ids

    async def edit(self, channel: str, message_id: str, *, reply: dict[str, Any], kind: str = "") -> bool:
        async with self.engine.begin() as conn:
            values: dict[str, Any] = {"reply": reply, "updated_at": datetime.now(UTC)}
            if kind:
                values["kind"] = kind
            done = (await conn.execute(update(MESSAGES).where(
                MESSAGES.c.channel == channel, MESSAGES.c.message_id == message_id).values(**values))).rowcount
            if done:
                await conn.execute(insert(EVENTS).values(channel=channel, message_id=message_id))
        if done:
            await self._notify()
        return bool(done)

    async def history(self, channel: str, limit: int = 100) -> list[dict[str, Any]]:
        """The channel's last `limit` messages, oldest first, thread replies nested under their card."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(MESSAGES).where(MESSAGES.c.channel == channel)
                                       .order_by(MESSAGES.c.id.desc()).limit(limit))).mappings().all()
        return _threads([dict(r) for r in reversed(rows)])

    async def message(self, channel: str, message_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(MESSAGES).where(
                MESSAGES.c.channel == channel,
                (MESSAGES.c.message_id == message_id) | (MESSAGES.c.thread_of == message_id))
                .order_by(MESSAGES.c.id))).mappings().all()
        found = _threads([dict(r) for r in rows])
        return found[0] if found else None

    async def last_seq(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(EVENTS.c.seq).order_by(EVENTS.c.seq.desc()).limit(1))).scalar()
                       or 0)

    async def changes(self, channels: list[str], after: int) -> list[tuple[int, str, str]]:
        """(seq, channel, message id) of events in `channels` from `after - OVERLAP` on; the caller
        drops the seqs it has already sent."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(EVENTS.c.seq, EVENTS.c.channel, EVENTS.c.message_id).where(
                EVENTS.c.channel.in_(channels), EVENTS.c.seq > after - OVERLAP).order_by(EVENTS.c.seq))).all()
        return [(int(s), str(c), str(m)) for s, c, m in rows]

    async def wait(self, timeout: float) -> None:
        """Until this replica changes something, or `timeout` (then poll for other replicas' changes)."""
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout)


def _threads(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top: dict[str, dict[str, Any]] = {}
    for r in rows:
        r["replies"] = []
        if not r["thread_of"]:
            top[r["message_id"]] = r
    for r in rows:
        if r["thread_of"] and r["thread_of"] in top:
            top[r["thread_of"]]["replies"].append(r)
    return list(top.values())
