"""`steward serve` as real processes: /readyz follows the database without a restart, two replicas
share one PostgreSQL (a vote through one updates the card watched through the other, every
notification delivered once), SIGTERM exits cleanly, logs are JSON with request ids and no drafts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.conftest import PG_URL, postgres_unavailable
from tests.serving import Server, free_port, get
from tests.test_web_security import Browser

ADA, DEV = "ada.lovelace@northwindlabs.com", "dev.patel@northwindlabs.com"
DRAFT = "Atlas is the #1 analytics platform for IoT data"


def _admin_dsn(database: str = "") -> str:
    base = re.sub(r"^postgresql(\+asyncpg)?://", "postgresql://", PG_URL)
    return base.rsplit("/", 1)[0] + "/" + (database or base.rsplit("/", 1)[1])


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database of its own (servers in other processes cannot share a schema
    search path through the URL), dropped afterwards."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"steward_serve_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_admin_dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        yield name
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def _fetch(database: str, sql: str) -> list[Any]:
    conn = await asyncpg.connect(_admin_dsn(database))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


class TcpProxy:
    """A loopback TCP proxy in a thread: stop() cuts every connection and refuses new ones (the
    database "goes away"); start() again brings it back on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port, self.port = target_port, free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def start(self) -> None:
        async def go() -> None:
            self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)
        asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)

    def stop(self) -> None:
        async def go() -> None:
            assert self.server is not None
            self.server.close()
            for w in self.writers:
                w.close()
            self.writers.clear()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _wait_status(url: str, status: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: tuple[int, str] = (0, "")
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            last = get(url, 5)
            if last[0] == status:
                return dict(json.loads(last[1]))
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status}; last {last}")


def test_readyz_follows_the_database_without_a_restart(tmp_path: Path, pg_database: str) -> None:
    pg_port = int(re.search(r":(\d+)/", PG_URL).group(1)) if re.search(r":(\d+)/", PG_URL) else 5432  # type: ignore[union-attr]
    proxy = TcpProxy(pg_port)
    proxy.start()
    url = re.sub(r"@[^/]+/[^/?]+", f"@127.0.0.1:{proxy.port}/{pg_database}", _admin_dsn())
    server = Server(tmp_path, {"DATABASE_URL": url, "STEWARD_AUTO_MIGRATE": "true"})
    try:
        server.wait_ready()
        pid = server.proc.pid
        proxy.stop()                                          # the database goes away
        down = _wait_status(server.url + "/readyz", 503)
        assert any("database" in p for p in down["problems"]), down
        assert get(server.url + "/healthz")[0] == 200         # the process itself is fine
        proxy.start()                                         # and comes back
        up = _wait_status(server.url + "/readyz", 200)
        assert up["status"] == "ready" and server.proc.pid == pid and server.proc.poll() is None
    finally:
        assert server.stop() == 0
        proxy.close()


def test_readyz_is_unready_while_the_schema_is_behind(tmp_path: Path, pg_database: str) -> None:
    url = _admin_dsn(pg_database)
    server = Server(tmp_path, {"DATABASE_URL": url})       # PostgreSQL: no automatic migration
    try:
        body = _wait_status(server.url + "/readyz", 503)
        assert any("steward db upgrade" in p for p in body["problems"]), body
    finally:
        server.stop()


def _attr_json(html: str, action: str) -> dict[str, Any]:
    m = re.search(rf'data-action="{action}" data-args="([^"]*)"', html)
    assert m, html
    return dict(json.loads(m.group(1).replace("&quot;", '"')))


async def _events(http: aiohttp.ClientSession, url: str, out: list[dict[str, Any]], ready: asyncio.Event) -> None:
    async with http.get(url + "/api/stream") as r:
        event = ""
        async for raw in r.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "hello":
                ready.set()
            elif line.startswith("data:") and event == "message":
                out.append(json.loads(line.split(":", 1)[1]))


async def _two_replicas(a: Server, b: Server) -> None:
    jar_ada, jar_dev = aiohttp.CookieJar(unsafe=True), aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar_ada) as h_ada, aiohttp.ClientSession(cookie_jar=jar_dev) as h_dev:
        ada = Browser(h_ada, a.url)
        await ada.state()
        await ada.post("/api/persona", {"email": ADA})
        dev_on_b = Browser(h_dev, b.url)
        await dev_on_b.state()
        await dev_on_b.post("/api/persona", {"email": DEV})
        seen: list[dict[str, Any]] = []
        hello = asyncio.Event()
        stream = asyncio.create_task(_events(h_dev, b.url, seen, hello))
        await asyncio.wait_for(hello.wait(), 10)

        _, checked = await ada.post("/api/message", {"text": DRAFT})
        args = _attr_json(checked["messages"][1]["html"], "submit")
        _, sent = await ada.post("/api/action", {"action": "submit", "args": args, "key": "submit-1"})
        assert sent["ok"], sent

        async def card_seen(pattern: str) -> dict[str, Any]:
            for _ in range(150):
                hit = [e for e in seen if e["channel"] == "#engineering-advisors" and re.search(pattern, e["html"])]
                if hit:
                    return hit[-1]
                await asyncio.sleep(0.1)
            raise AssertionError(f"no card matching {pattern!r} reached replica B: {seen}")

        card = await card_seen(r"waiting for approval")
        # Dev votes through replica A (same session: replicas share the session key) ...
        dev_on_a = Browser(h_dev, a.url)
        dev_on_a.csrf = dev_on_b.csrf
        status, voted = await dev_on_a.post("/api/react", {"channel": "#engineering-advisors", "message_id": card["id"],
                                                           "value": "approve", "key": "react-1"})
        assert status == 200 and voted["ok"], voted
        # ... and the card watched through replica B turns approved.
        approved = await card_seen(r"<strong>approved</strong>")
        assert approved["id"] == card["id"]
        # A retried reaction (same key) changes nothing and sends nothing more.
        status, again = await dev_on_a.post("/api/react", {"channel": "#engineering-advisors",
                                                           "message_id": card["id"], "value": "approve",
                                                           "key": "react-1"})
        assert status == 200
        await asyncio.sleep(1.5)
        stream.cancel()


def test_two_replicas_on_one_postgresql(tmp_path: Path, pg_database: str) -> None:
    url = _admin_dsn(pg_database)
    shared = {"DATABASE_URL": url, "STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true",
              "STEWARD_WEB_SESSION_KEY": "test-session-key-shared-by-replicas"}
    a = Server(tmp_path, {**shared, "STEWARD_AUTO_MIGRATE": "true"})
    a.wait_ready()
    b = Server(tmp_path, shared)
    try:
        b.wait_ready()
        asyncio.run(_two_replicas(a, b))
        outbox = asyncio.run(_fetch(pg_database, "SELECT key, op, state, claimed_by, message_id FROM outbox"))
        messages = asyncio.run(_fetch(pg_database, "SELECT key, channel, kind FROM web_chat_message WHERE key IS NOT NULL"))
    finally:
        assert a.stop() == 0 and b.stop() == 0
    assert outbox and all(r["state"] in ("sent", "superseded") for r in outbox), outbox
    posts = [r for r in outbox if r["op"] == "post" and r["state"] == "sent"]
    keys = [m["key"] for m in messages]
    assert sorted(keys) == sorted(r["key"] for r in posts)          # every post delivered exactly once
    assert len(set(keys)) == len(keys)
    # One card in the channel (posted once, then edited in place: it now shows the decision) ...
    assert [m["kind"] for m in messages if m["channel"] == "#engineering-advisors"] == ["decision"]
    assert [m["key"] for m in messages if m["channel"] == "#engineering-advisors"] == [
        "sub:1:v1:review:group:engineering-advisors@web"]
    # ... and the requester hears once, about the decision.
    assert [m["kind"] for m in messages if m["channel"] == f"@{ADA}"] == ["decision"]
    for server in (a, b):
        records = server.logs()
        requests = [r for r in records if r.get("message") == "request"]
        assert requests and all(re.fullmatch(r"[0-9a-f]{16}", r["request_id"]) for r in requests)
        assert DRAFT not in server.log.read_text()            # no draft text at INFO
        assert any(r.get("message") == "stopped" for r in records)


async def _busy_then_term(server: Server, n: int) -> list[int]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        b = Browser(http, server.url)
        await b.state()
        await b.post("/api/persona", {"email": ADA})
        long_draft = " ".join([DRAFT] * 1500)            # ~70,000 characters: each check takes a while

        async def one() -> int:
            status, _ = await b.post("/api/message", {"text": long_draft})
            return status

        seen: list[dict[str, Any]] = []
        hello = asyncio.Event()
        stream = asyncio.create_task(_events(http, server.url, seen, hello))   # a live stream stays open
        await asyncio.wait_for(hello.wait(), 10)
        tasks = [asyncio.create_task(one()) for _ in range(n)]
        await asyncio.sleep(0.2)                          # all sent; the server works through them
        server.proc.send_signal(__import__("signal").SIGTERM)
        statuses = list(await asyncio.gather(*tasks))
        await asyncio.wait_for(stream, 20)                # the server ends the stream itself
        return statuses


def test_sigterm_finishes_requests_in_flight_then_exits_zero(tmp_path: Path) -> None:
    server = Server(tmp_path, {"STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true"})
    server.wait_ready()
    statuses = asyncio.run(_busy_then_term(server, 12))   # more work than two workers finish in 0.2 s
    assert server.proc.wait(60) == 0
    assert statuses == [200] * 12
    records = server.logs()
    stopping = next(i for i, r in enumerate(records) if r.get("message", "").startswith("shutting down"))
    served = [i for i, r in enumerate(records) if r.get("route") == "/api/message"]
    assert len(served) == 12 and max(served) > stopping          # some finished after SIGTERM
    assert records[-1]["message"] == "stopped"
    server.stop()


def test_metrics_by_route_and_from_the_database(tmp_path: Path) -> None:
    async def work(server: Server) -> str:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            b = Browser(http, server.url)
            await b.state()
            await b.post("/api/persona", {"email": ADA})
            await b.post("/api/message", {"text": DRAFT})
            await b.post("/api/message", {"text": "Nice weather today"})
            await b.post("/api/message", {"text": "What is the policy on posting about pets at lunch?"})
            await asyncio.sleep(6)                       # the database figures refresh every 5 s
            async with http.get(server.url + "/metrics") as r:
                assert r.headers["Content-Type"].startswith("text/plain")
                return await r.text()

    with Server(tmp_path, {"STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true"}) as server:
        text = asyncio.run(work(server))

    def value(metric: str) -> float:
        m = re.search(rf"^{re.escape(metric)} (\S+)$", text, re.M)
        assert m, f"{metric} not in /metrics"
        return float(m.group(1))

    assert value('steward_http_requests_total{method="POST",route="/api/message",status="200"}') == 3
    assert value('steward_http_request_seconds_count{method="POST",route="/api/message"}') == 3
    checks = [value(f'steward_checks_total{{verdict="{v}"}}') for v in ("allow", "review", "block")]
    assert sum(checks) == 2 and checks[1] >= 1
    assert value('steward_questions_total{outcome="answered"}') + value('steward_questions_total{outcome="not_covered"}') == 1
    assert value("steward_pending_approvals") == 0 and value("steward_sla_breaches") == 0
    for name in ("steward_outbox_depth", "steward_outbox_dead_letters", "steward_platform_api_errors_total",
                 "steward_submissions"):
        assert f"# TYPE {name.removesuffix('_total')}" in text
