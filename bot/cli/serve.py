"""`steward serve`: the web server (web chat, Slack and Teams mounts, health, metrics, background jobs).

The CLI is the composition root: the server lives in adapters/server and is imported only when
the command runs (bot/ never imports aiohttp.web itself).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from bot.cli.app import app

EXIT_CONFIG = 78     # EX_CONFIG: the settings are incomplete or contradict each other


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Listen address (STEWARD_HOST).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port (PORT).")] = None,
    web_chat: Annotated[bool, typer.Option("--web-chat", help="Serve the web chat (STEWARD_WEB_CHAT).")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="Demo personas in the web chat (STEWARD_DEMO).")] = False,
) -> None:
    """Serve Steward over HTTP: /healthz, /readyz, /metrics, the web chat at / when enabled, and the
    Slack and Teams endpoints when configured. Stops gracefully on SIGTERM."""
    for name, value in (("STEWARD_HOST", host), ("PORT", port), ("STEWARD_WEB_CHAT", web_chat or None),
                        ("STEWARD_DEMO", demo or None)):
        if value is not None:
            os.environ[name] = str(value).lower() if isinstance(value, bool) else str(value)
    from adapters.server.app import load_config
    from adapters.server.run import main

    config = load_config()
    problems = config if isinstance(config, list) else config.problems
    if problems:
        typer.echo("steward serve: cannot start:", err=True)
        for p in problems:
            typer.echo(f"  - {p}", err=True)
        raise typer.Exit(EXIT_CONFIG)
    assert not isinstance(config, list)
    raise typer.Exit(main(config))
