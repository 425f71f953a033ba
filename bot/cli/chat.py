"""`steward chat`: the terminal chat adapter on the embedded default (no Slack or Teams needed).

The CLI is the composition root: it is the one place in bot/ that wires an
adapter to the core, and it imports the adapter only when the command runs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.common import corpus_or_exit


@app.command()
def chat(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder.")] = None,
    person: Annotated[str, typer.Option("--as", help="Who you are (an e-mail address).")] = "you@localhost",
) -> None:
    """Chat with Steward in the terminal: type a draft to check it or a question to ask."""
    from adapters.terminal.chat import TerminalChat
    from adapters.terminal.repl import run
    from bot.steward import Steward

    steward = Steward(corpus_or_exit(corpus))
    try:
        asyncio.run(run(TerminalChat(steward, person=person)))
    except KeyboardInterrupt:
        typer.echo("")
