"""`steward chat`: the terminal chat adapter on the embedded default (no Slack or Teams needed).

The CLI is the composition root: it is the one place in bot/ that wires an
adapter to the core, and it imports the adapter only when the command runs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.app import app
from bot.cli.common import corpus_or_exit
from bot.cli.workflow import directory_or_exit, with_database

if TYPE_CHECKING:
    from bot.store.database import Database


@app.command()
def chat(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder.")] = None,
    person: Annotated[str, typer.Option("--as", help="Who you are (an e-mail address).")] = "you@localhost",
    no_db: Annotated[bool, typer.Option("--no-db", help="Check and answer only: no database, no approvals.")] = False,
) -> None:
    """Chat with Steward in the terminal: type a draft to check it or a question to ask.

    Uses the database (DATABASE_URL, else the SQLite file STEWARD_DB) for approvals and the
    decision log; a SQLite file is created and migrated on first use.
    """
    from adapters.terminal.chat import TerminalChat
    from adapters.terminal.repl import run
    from bot.steward import Steward
    from bot.workflow.service import WorkflowService

    loaded = corpus_or_exit(corpus)
    try:
        if no_db:
            asyncio.run(run(TerminalChat(Steward(loaded), person=person)))
            return
        directory = directory_or_exit(corpus)

        async def session(db: Database) -> None:
            steward = Steward(loaded, workflow=WorkflowService(db, directory))
            await run(TerminalChat(steward, person=person))

        with_database(session)
    except KeyboardInterrupt:
        typer.echo("")
