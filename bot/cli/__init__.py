"""Entry point of the `steward` console command."""

from __future__ import annotations

import importlib

from bot.cli.app import app

# Each module registers its commands on import; a module not yet present is skipped.
_COMMAND_MODULES = ("bot.cli.check", "bot.cli.policies", "bot.cli.ask", "bot.cli.workflow", "bot.cli.chat")
for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise


def main() -> None:
    app()
