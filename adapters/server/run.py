"""Run the server until SIGTERM or SIGINT, then shut down gracefully.

Shutdown order (aiohttp's runner): stop accepting connections; on_shutdown (live streams end);
wait up to STEWARD_SHUTDOWN_TIMEOUT for in-flight requests; then the background tasks stop
after the dispatcher's current pass (its sends finish and are recorded); the database closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from adapters.server import logs
from adapters.server.app import STATE, Config, build_app
from adapters.web.settings import is_loopback
from bot.steward import Steward, database_url, redact

log = logging.getLogger("steward.server")


def platforms(config: Config) -> list[str]:
    # "local" is the terminal chat's, and nothing in a server delivers it: rows for it would only pile up.
    names = [p.strip() for p in config.server.platforms.split(",") if p.strip() and p.strip() != "local"]
    if config.web.enabled and "web" not in names:
        names.append("web")
    for name in ("slack", "teams"):
        if getattr(config, name).configured and name not in names:
            names.append(name)
    return names


async def serve(config: Config, *, ready: asyncio.Event | None = None) -> None:
    url = database_url()
    migrate = config.server.auto_migrate if config.server.auto_migrate is not None else url.startswith("sqlite")
    # Without STEWARD_AUTO_MIGRATE a schema that is behind is not fatal: /readyz says so until the
    # release step (`steward db upgrade`) has run, and a load balancer keeps traffic away meanwhile.
    steward = await Steward.open(database_url=url, platforms=tuple(platforms(config)), migrate=bool(migrate))
    for problem in await steward.readiness():
        log.warning("not ready yet", extra={"problem": problem})
    app = await build_app(config, steward)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.server.host, config.server.port,
                       shutdown_timeout=config.server.shutdown_timeout)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    shown = "localhost" if config.server.host in ("127.0.0.1", "::1") else config.server.host
    address = f"http://{shown}:{config.server.port}/"
    log.info("listening", extra={"address": address, "database": redact(url), "web_chat": config.web.enabled,
                                 "sign_in": config.web.sign_in if config.web.enabled else "",
                                 "platforms": ",".join(platforms(config)), "corpus_version": steward.corpus.version})
    if config.web.enabled:
        where = ("only from this machine" if is_loopback(config.server.host) else
                 f"from the network, sign-in by {config.web.sign_in}")
        print(f"Steward web chat: open {address} ({where}"
              f"{'; demo personas on' if config.web.demo else ''})", file=sys.stderr, flush=True)
    if ready is not None:
        ready.set()
    await stop.wait()
    log.info("shutting down: no new connections; finishing requests and sends")
    app[STATE]["stopping"] = True
    try:
        await runner.cleanup()
    finally:
        await steward.close()
    log.info("stopped")


def main(config: Config) -> int:
    logs.setup(config.server.log_level, config.server.log_format, config.secrets())
    for warning in config.warnings:
        log.warning(warning)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        log.error("cannot start", extra={"error": str(exc)})
        return 69
    return 0
