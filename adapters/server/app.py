"""The one aiohttp application `steward serve` runs: health, metrics, background jobs, mounts.

    config = load_config()                    # every settings class, validated; problems listed
    app = await build_app(config, steward)    # routes + background tasks (on startup)

Background tasks on every replica: the outbox dispatcher (the database decides which replica
sends which row), the SLA tick (each job claimed by one replica), and the metrics refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from adapters.server.logs import REQUEST_ID
from adapters.server.metrics import Metrics
from adapters.server.mounts import PLATFORM_MOUNTS, load_mount
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from adapters.web.settings import WebSettings
from bot.steward import Delivery, Sender, ServerSettings, Steward

log = logging.getLogger("steward.server")
METRICS = web.AppKey("metrics", Metrics)
STATE = web.AppKey("state", dict)


@dataclass
class Config:
    server: ServerSettings
    web: WebSettings
    slack: SlackSettings
    teams: TeamsSettings
    problems: list[str] = field(default_factory=list)     # refuse to start
    warnings: list[str] = field(default_factory=list)     # start, but say so

    def secrets(self) -> list[str]:
        values = [self.web.secret, self.web.session_key, self.slack.bot_token, self.slack.signing_secret,
                  self.slack.app_token, self.teams.app_password]
        return [v.get_secret_value() for v in values if v is not None]


def load_config() -> Config | list[str]:
    """Every settings class, validated. A list of problems (one line each) when any is invalid."""
    loaded: dict[str, Any] = {}
    problems: list[str] = []
    for name, cls in (("server", ServerSettings), ("web", WebSettings), ("slack", SlackSettings),
                      ("teams", TeamsSettings)):
        try:
            loaded[name] = cls()
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or name
                problems.append(f"{where}: {err['msg']} (got {err.get('input')!r})"
                                if "SECRET" not in where and "TOKEN" not in where and "PASSWORD" not in where
                                else f"{where}: {err['msg']}")
    if problems:   # still name the other problems of the classes that did load
        return problems + [p for name in ("slack", "teams") if name in loaded for p in loaded[name].problems()]
    config = Config(**loaded)
    half = config.slack.problems() + config.teams.problems()
    (config.warnings if config.server.dev else config.problems).extend(half)
    config.problems += config.web.problems(config.server.host)
    for m in PLATFORM_MOUNTS:
        settings = getattr(config, m.name)
        if settings.configured and not settings.problems() and not m.available():
            note = f"{m.name.capitalize()} is configured but this build has no {m.name} adapter ({m.module})"
            (config.warnings if config.server.dev else config.problems).append(note)
    return config


class CountingSender:
    """Counts a platform's failed sends for /metrics, then lets the outbox handle the failure."""

    def __init__(self, platform: str, inner: Sender, metrics: Metrics) -> None:
        self.platform, self.inner, self.metrics = platform, inner, metrics

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        try:
            return await self.inner.send(delivery)
        except Exception:
            self.metrics.platform_errors.labels(self.platform).inc()
            raise


@web.middleware
async def observe(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                  ) -> web.StreamResponse:
    """A request id (kept from X-Request-Id when sane), one log line, metrics by route."""
    given = request.headers.get("X-Request-Id", "")
    rid = given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else secrets.token_hex(8)
    token = REQUEST_ID.set(rid)
    metrics = request.app[METRICS]
    info = request.match_info.route.resource
    route = info.canonical if info is not None else "unmatched"
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        elapsed = time.perf_counter() - start
        metrics.requests.labels(route, request.method, str(status)).inc()
        metrics.latency.labels(route, request.method).observe(elapsed)
        if route not in ("/healthz", "/metrics", "/api/stream"):
            log.info("request", extra={"method": request.method, "route": route, "status": status,
                                       "ms": round(elapsed * 1000, 1)})
        REQUEST_ID.reset(token)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the corpus is loaded, the database answers and its schema is current."""
    state = request.app[STATE]
    steward: Steward = state["steward"]
    problems = [] if steward.corpus.sections else ["the policy corpus has no sections"]
    problems += await steward.readiness()
    if state.get("stopping"):
        problems.append("shutting down")
    if problems:
        return web.json_response({"status": "unready", "problems": problems}, status=503)
    return web.json_response({"status": "ready", "corpus_version": steward.corpus.version})


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def build_app(config: Config, steward: Steward) -> web.Application:
    app = web.Application(middlewares=[observe], client_max_size=1024 * 1024)
    app[METRICS] = Metrics()
    kick = asyncio.Event()
    app[STATE] = {"steward": steward, "kick": kick, "stopping": False, "sends": 0}
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if config.web.enabled:
        from adapters.web.app import mount as mount_web

        await mount_web(app, config.web, steward, kick.set)
    for m in PLATFORM_MOUNTS:
        settings = getattr(config, m.name)
        if settings.configured and not settings.problems() and m.available():
            await load_mount(m)(app, settings, steward)
            log.info("mounted", extra={"adapter": m.name, "path": m.path})
    for platform, sender in list(steward.outbox.senders.items()):
        steward.register_sender(platform, CountingSender(platform, sender, app[METRICS]))
    app.cleanup_ctx.append(_background(config, steward, kick))
    return app


def _background(config: Config, steward: Steward, kick: asyncio.Event
                ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(_dispatcher(steward, stop, kick, config.server.dispatch_interval), name="outbox"),
                 asyncio.create_task(_ticker(steward, stop, config.server.tick_interval), name="sla"),
                 asyncio.create_task(_refresh(app[METRICS], steward, stop), name="metrics")]
        yield
        # Shutdown: requests have finished; let the dispatcher finish its pass (in-flight sends), then stop.
        stop.set()
        kick.set()
        done, pending = await asyncio.wait(tasks, timeout=config.server.shutdown_timeout)
        for t in pending:
            t.cancel()
        for t in done:
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed", extra={"task": t.get_name(), "error": repr(t.exception())})

    return ctx


async def _sleep(stop: asyncio.Event, seconds: float, also: asyncio.Event | None = None) -> None:
    waiters = [asyncio.ensure_future(stop.wait())] + ([asyncio.ensure_future(also.wait())] if also else [])
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def _dispatcher(steward: Steward, stop: asyncio.Event, kick: asyncio.Event, interval: float) -> None:
    """One outbox pass at a time, until stopped; an action on this replica (kick) wakes it at once."""
    while not stop.is_set():
        kick.clear()
        try:
            report = await steward.dispatch()
            busy = report.claimed > report.deferred
        except Exception as exc:   # the database went away: keep trying, quietly, until it is back
            log.warning("outbox pass failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
            busy = False
        if not busy:
            await _sleep(stop, interval, kick)


async def _ticker(steward: Steward, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            await steward.tick()
        except Exception as exc:
            log.warning("SLA run failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        await _sleep(stop, interval)


async def _refresh(metrics: Metrics, steward: Steward, stop: asyncio.Event, interval: float = 5.0) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):   # /readyz says why the database is away
            metrics.database.snapshot = await steward.stats()
        await _sleep(stop, interval)
