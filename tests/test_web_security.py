"""The web chat's doors, over real HTTP against real `steward serve` processes: CSRF token and Origin,
sign-in by shared secret or trusted proxy header, personas only in demo mode, channels only for
members, drafts never rendered as HTML."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.serving import Server

ADA, DEV = "ada.lovelace@northwindlabs.com", "dev.patel@northwindlabs.com"
INJECTION = 'Atlas is the #1 platform <img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("demo"), {"STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true"}) as s:
        yield s


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Listening on every interface, so a sign-in is required: the shared secret; no demo."""
    env = {"STEWARD_WEB_CHAT": "true", "STEWARD_HOST": "0.0.0.0", "STEWARD_WEB_SECRET": "correct horse battery"}
    with Server(tmp_path_factory.mktemp("guarded"), env) as s:
        yield s


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"STEWARD_WEB_CHAT": "true", "STEWARD_WEB_USER_HEADER": "X-Forwarded-Email"}
    with Server(tmp_path_factory.mktemp("proxied"), env) as s:
        yield s


class Browser:
    """A cookie jar, the CSRF token from /api/state, and the page's Origin on every POST."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.csrf = session, base, ""

    async def state(self, **headers: str) -> dict[str, Any]:
        async with self.http.get(self.base + "/api/state", headers=headers) as r:
            data: dict[str, Any] = await r.json()
        self.csrf = data["csrf"]
        return data

    async def post(self, path: str, body: object, *, csrf: str | None = None, origin: str | None = None,
                   **headers: str) -> tuple[int, dict[str, Any]]:
        h = {"X-CSRF-Token": self.csrf if csrf is None else csrf, "Origin": origin or self.base, **headers}
        async with self.http.post(self.base + path, json=body, headers=h) as r:
            return r.status, await r.json()

    async def get(self, path: str, **headers: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.base + path, headers=headers) as r:
            return r.status, await r.json()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


async def test_the_page_is_served_with_a_strict_content_security_policy(demo: Server,
                                                                        http: aiohttp.ClientSession) -> None:
    async with http.get(demo.url + "/") as r:
        assert r.status == 200
        csp = r.headers["Content-Security-Policy"]
        page = await r.text()
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page   # no CDN


async def test_a_change_needs_the_sessions_csrf_token_and_this_origin(demo: Server,
                                                                      http: aiohttp.ClientSession) -> None:
    b = Browser(http, demo.url)
    await b.state()
    status, body = await b.post("/api/persona", {"email": ADA}, csrf="forged")
    assert status == 403 and "forged" in body["html"]
    status, body = await b.post("/api/persona", {"email": ADA}, origin="https://evil.example")
    assert status == 403 and "another site" in body["html"]
    status, _ = await b.post("/api/persona", {"email": ADA})
    assert status == 200
    assert (await b.state())["me"]["email"] == ADA
    # A new browser (no session cookie) cannot reuse someone else's token.
    async with aiohttp.ClientSession() as other, other.post(
            demo.url + "/api/message", json={"text": "hello"},
            headers={"X-CSRF-Token": b.csrf, "Origin": demo.url}) as r:
        assert r.status == 403


async def test_drafts_come_back_escaped_never_as_markup(demo: Server, http: aiohttp.ClientSession) -> None:
    b = Browser(http, demo.url)
    await b.state()
    await b.post("/api/persona", {"email": ADA})
    status, body = await b.post("/api/message", {"text": INJECTION})
    assert status == 200
    html = "".join(m["html"] for m in body["messages"])
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "&lt;script&gt;" in html
    status, history = await b.get("/api/channel?c=%40" + ADA)
    assert status == 200 and all("<script" not in m["html"] for m in history["messages"])


async def test_bad_requests_get_a_clear_refusal(demo: Server, http: aiohttp.ClientSession) -> None:
    b = Browser(http, demo.url)
    await b.state()
    await b.post("/api/persona", {"email": ADA})
    for body, says in (([1, 2], "JSON object"), ({"text": ""}, "Type a draft"),
                       ({"action": "approve", "args": "x"}, "needs a name")):
        path = "/api/action" if "action" in str(body) else "/api/message"
        status, out = await b.post(path, body)
        assert status == 400 and says in out["html"], (body, out)
    status, out = await b.post("/api/action", {"action": "approve", "args": {"submission_id": 99999, "version": 1}})
    assert status == 200 and out["ok"] is False and "Traceback" not in out["messages"][0]["html"]


async def test_channels_are_for_their_members_only(demo: Server, http: aiohttp.ClientSession) -> None:
    b = Browser(http, demo.url)
    await b.state()
    await b.post("/api/persona", {"email": ADA})
    assert (await b.get("/api/channel?c=%23engineering-advisors"))[0] == 403
    assert (await b.get("/api/channel?c=%40" + DEV))[0] == 403
    await b.post("/api/persona", {"email": DEV})
    assert (await b.get("/api/channel?c=%23engineering-advisors"))[0] == 200


async def test_personas_only_in_demo_mode_and_the_secret_is_required(guarded: Server,
                                                                     http: aiohttp.ClientSession) -> None:
    b = Browser(http, guarded.url)
    state = await b.state()
    assert state["sign_in"] == "secret" and state["personas"] == [] and not state["signed_in"]
    assert (await b.post("/api/persona", {"email": ADA}))[0] == 403
    assert (await b.post("/api/message", {"text": "hello"}))[0] == 401
    status, body = await b.post("/api/sign-in", {"secret": "wrong", "email": ADA})
    assert status == 403 and "Wrong secret" in body["html"]
    status, _ = await b.post("/api/sign-in", {"secret": "correct horse battery", "email": ADA})
    assert status == 200
    assert (await b.state())["me"]["email"] == ADA
    assert (await b.post("/api/persona", {"email": DEV}))[0] == 403      # still no personas
    log = Path(guarded.log).read_text()
    assert "correct horse battery" not in log and "0.0.0.0" in log


async def test_a_trusted_proxy_header_signs_in(proxied: Server, http: aiohttp.ClientSession) -> None:
    b = Browser(http, proxied.url)
    assert (await b.state())["me"] is None
    state = await b.state(**{"X-Forwarded-Email": DEV})
    assert state["me"]["email"] == DEV and state["personas"] == []
    status, _ = await b.post("/api/message", {"text": "Can I post photos from the office?"},
                             **{"X-Forwarded-Email": DEV})
    assert status == 200
