"""`steward policies lint|list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import policies_app
from bot.cli.common import corpus_or_exit
from bot.cli.workflow import directory_or_exit


@policies_app.command("lint")
def lint(path: Annotated[Path | None, typer.Argument(help="Corpus folder (default: the active corpus).")] = None) -> None:
    """Validate a corpus; every problem names its file, line and fix. Exit 65 when it does not load."""
    corpus = corpus_or_exit(path)
    directory = directory_or_exit(path)
    typer.echo(f"ok: {corpus.root} — {len(corpus.documents)} documents, {len(corpus.sections)} sections, "
               f"{len(corpus.rules)} rules, version {corpus.version}; routing: {directory.source}")


@policies_app.command("list")
def list_sections(corpus: Annotated[Path | None, typer.Option("--corpus")] = None) -> None:
    """Show the corpus's sections: id, category and heading."""
    loaded = corpus_or_exit(corpus)
    typer.echo(f"# {loaded.root} (version {loaded.version}): {len(loaded.sections)} sections")
    width = max((len(s.id) for s in loaded.sections.values()), default=0)
    for s in loaded.sections.values():
        typer.echo(f"{s.id:<{width}}  {s.category:<14}  {'  ' * (s.level - 1)}{s.title}")
