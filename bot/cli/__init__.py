"""Entry point of the `steward` console command."""

from __future__ import annotations

import importlib

from bot.cli.app import app

# Each module registers its commands on the shared Typer app when imported; this
# order is the order `steward --help` lists them in.
for _module in ("check", "ask", "chat", "serve", "policies", "workflow"):
    importlib.import_module(f"bot.cli.{_module}")


def main() -> None:
    app()
