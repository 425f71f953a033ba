"""Entry point of the `steward` console command."""

from __future__ import annotations

# Each module registers its commands on the shared Typer app when imported.
from bot.cli import ask, chat, check, policies, workflow  # noqa: F401
from bot.cli.app import app


def main() -> None:
    app()
