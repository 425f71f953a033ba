"""Web chat flows over real HTTP that the browser test does not walk: disputes decided by an
approver from the channel card, stale and foreign votes refused, withdraw, retried actions."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from tests.serving import Server
from tests.test_web_security import Browser

PRIYA, CARLOS, ADA = "priya.shah@northwindlabs.com", "carlos.mendes@northwindlabs.com", "ada.lovelace@northwindlabs.com"
DRAFT = "Atlas is the #1 analytics platform for IoT data"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("flows"), {"STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true"}) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


def args_of(html: str, action: str) -> dict[str, Any]:
    m = re.search(rf'data-action="{action}" data-args="([^"]*)"', html)
    assert m, f"no {action} button in {html}"
    return dict(json.loads(m.group(1).replace("&quot;", '"')))


async def channel_html(b: Browser, channel: str, pattern: str) -> str:
    for _ in range(100):
        status, body = await b.get("/api/channel?c=" + channel.replace("#", "%23").replace("@", "%40"))
        assert status == 200
        html = "\n".join(m["html"] for m in body["messages"])
        if re.search(pattern, html):
            return html
        await asyncio.sleep(0.1)
    raise AssertionError(f"{pattern!r} never appeared in {channel}: {html}")


async def as_(http: aiohttp.ClientSession, server: Server, email: str) -> Browser:
    b = Browser(http, server.url)
    await b.state()
    assert (await b.post("/api/persona", {"email": email}))[0] == 200
    return b


async def test_a_dispute_is_decided_from_the_channel_and_the_requester_hears(server: Server,
                                                                            http: aiohttp.ClientSession) -> None:
    b = await as_(http, server, PRIYA)
    _, checked = await b.post("/api/message", {"text": DRAFT})
    finding = args_of(checked["messages"][1]["html"], "dispute")
    status, out = await b.post("/api/action", {"action": "dispute", "args": finding, "note": ""})
    assert status == 200 and out["ok"] is False and "Say why" in out["messages"][0]["html"]
    _, out = await b.post("/api/action", {"action": "dispute", "args": finding, "note": "It's an analyst quote"})
    assert out["ok"], out
    await b.post("/api/persona", {"email": CARLOS})
    card = await channel_html(b, "#sales-advisors", r"Dispute #\d+")
    assert "It&#x27;s an analyst quote" in card
    _, decided = await b.post("/api/action", {"action": "uphold", "args": args_of(card, "uphold"), "note": "stands"})
    assert decided["ok"], decided
    await b.post("/api/persona", {"email": PRIYA})
    await channel_html(b, "@" + PRIYA, r"decided: upheld")


async def test_votes_are_checked_and_a_retried_action_counts_once(server: Server, http: aiohttp.ClientSession) -> None:
    b = await as_(http, server, ADA)
    _, checked = await b.post("/api/message", {"text": DRAFT + " today"})
    submit = args_of(checked["messages"][1]["html"], "submit")
    _, first = await b.post("/api/action", {"action": "submit", "args": submit, "key": "web-submit-x"})
    _, again = await b.post("/api/action", {"action": "submit", "args": submit, "key": "web-submit-x"})
    assert first["ok"] and again["ok"]
    sid = int(re.search(r"#(\d+)", first["messages"][0]["html"]).group(1))  # type: ignore[union-attr]
    # The requester cannot approve her own draft; someone else cannot send her check.
    _, own = await b.post("/api/action", {"action": "approve", "args": {"submission_id": sid, "version": 1}})
    assert own["ok"] is False and "your own draft" in own["messages"][0]["html"]
    await b.post("/api/persona", {"email": PRIYA})
    _, foreign = await b.post("/api/action", {"action": "submit", "args": submit})
    # someone else's check: refused without telling whether it exists
    assert foreign["ok"] is False and "no check #" in foreign["messages"][0]["html"]
    _, outsider = await b.post("/api/action", {"action": "approve", "args": {"submission_id": sid, "version": 1}})
    assert outsider["ok"] is False
    # An engineering advisor voting on a version that does not exist is told to read the current one.
    await b.post("/api/persona", {"email": "lena.fischer@northwindlabs.com"})
    _, stale = await b.post("/api/action", {"action": "approve", "args": {"submission_id": sid, "version": 7}})
    assert stale["ok"] is False and "version 1" in stale["messages"][0]["html"]
    # The requester withdraws; the channel's card closes (no more buttons).
    await b.post("/api/persona", {"email": ADA})
    _, gone = await b.post("/api/action", {"action": "withdraw", "args": {"submission_id": sid, "version": 1}})
    assert gone["ok"], gone
    await b.post("/api/persona", {"email": "lena.fischer@northwindlabs.com"})
    html = await channel_html(b, "#engineering-advisors", rf"Withdrawn: #{sid}")
    card = next(part for part in html.split('<div class="msg') if f"Withdrawn: #{sid}" in part)
    assert 'data-action="approve"' not in card and "data-react" not in card
