"""Entry point of the `steward` console command.

Each module under bot/cli registers its commands on the shared Typer app when
imported. `check` and `ask` (light modules: their heavy imports wait until a
command runs) are always registered; the other modules, and the Typer work of
building their commands, are loaded only when the command line needs them, so
that `steward check` in a pre-commit hook starts fast. `--help` loads them all.
"""

from __future__ import annotations

import importlib
import sys

from bot.cli.app import EXIT_USAGE, app

__all__ = ["app", "main", "register", "run"]

# The order `steward --help` lists them in; the first ones are always registered.
ALWAYS = ("check", "ask")
MODULES = (*ALWAYS, "chat", "serve", "policies", "workflow", "report", "teams", "audit")
FAST = frozenset({"check", "ask"})   # commands served by the ALWAYS modules alone

for _module in ALWAYS:
    importlib.import_module(f"bot.cli.{_module}")


def _command(argv: list[str]) -> str | None:
    """The subcommand's name: the first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def register(argv: list[str]) -> None:
    """Import the command modules this command line needs (all of them when in doubt)."""
    if _command(argv) not in FAST:
        for module in MODULES:
            importlib.import_module(f"bot.cli.{module}")


def undecodable_argument(argv: list[str]) -> str | None:
    """The first argument that was not valid UTF-8, shown with its bad bytes escaped.

    Python decodes the command line with surrogateescape, so invalid bytes arrive as
    lone surrogates that would only fail later, far from their cause (or be checked
    as if they were text).
    """
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raw = arg.encode("utf-8", "surrogateescape")
            return raw.decode("utf-8", "backslashreplace")
    return None


def run(argv: list[str]) -> int:
    """Run the command line; misuse (an unknown option, a missing argument) exits 64, not Click's 2.

    2 is what `check` answers for "block", so a CI gate must be able to tell them apart.
    """
    import typer.main

    command = typer.main.get_command(app)
    try:
        code = command.main(argv, prog_name="steward", standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("steward: aborted\n")
        return 130
    except typer.TyperException as exc:   # Click's usage and bad-parameter errors
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"steward: {exc.format_message()}\n")
        return EXIT_USAGE
    return code if isinstance(code, int) else 0


def main() -> None:
    bad = undecodable_argument(sys.argv[1:])
    if bad is not None:
        sys.stderr.write(f"steward: an argument is not valid UTF-8: {bad!r}; "
                         "give the command line as UTF-8 text (a draft in another encoding: --file)\n")
        raise SystemExit(EXIT_USAGE)
    if _command(sys.argv[1:]) == "check":
        from bot.cli.lazy import defer_import

        defer_import("requests")   # imported by detect-secrets, never used by a check
    register(sys.argv[1:])
    raise SystemExit(run(sys.argv[1:]))
