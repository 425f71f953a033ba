"""`steward check` and `steward eval drafts`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.checker.engine import Checker
from bot.checker.evaluation import DraftScores, EvalFileError, read_labelled, score_drafts
from bot.checker.reply import check_reply
from bot.cli.app import EXIT_THRESHOLD, EXIT_USAGE, app, eval_app
from bot.cli.batch import VERDICT_EXIT, default_jobs, read_lines, run_batch
from bot.cli.common import InputError, corpus_or_exit, fail, read_input
from bot.cli.workflow import directory_or_exit
from bot.settings import CoreSettings
from bot.steward import Steward
from bot.text_render import render_text

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: $POLICY_DIR, else the bundled policies/).")]


@app.command()
def check(
    text: Annotated[str | None, typer.Argument(help="The draft; '-' reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL file of drafts with a 'text' field; one JSON result per line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the taxonomy's JSON contract.")] = False,
    corpus: CorpusOpt = None,
    person: Annotated[str | None, typer.Option("--as", help="Your e-mail: routes review by your department.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=0, help="--batch worker processes (0: one per CPU).")] = 0,
) -> None:
    """Check a draft post. Exit code: 0 allow, 1 review, 2 block, 64 usage, 65 corpus error."""
    settings = CoreSettings()
    loaded = corpus_or_exit(corpus)
    if batch is not None:
        if text is not None or file is not None:
            fail("--batch takes its drafts from the file; drop TEXT and --file")
        raise typer.Exit(_check_batch(Checker(loaded), batch, settings.max_draft_chars, jobs))
    try:
        draft = read_input(text, file, settings.max_draft_chars)
    except InputError as exc:
        fail(str(exc))
    # With the routing directory, a draft that needs review names its approvers ("route").
    steward = Steward(loaded, directory=directory_or_exit(corpus), settings=settings)
    result = steward.check(draft, person=person or "")
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        route = result.route["approvers"] if result.route else ""
        typer.echo(render_text(check_reply(result, draft, loaded, route_label=route)))
    raise typer.Exit(VERDICT_EXIT[result.verdict])


def _check_batch(checker: Checker, path: Path, max_chars: int, jobs: int) -> int:
    """One JSON result per input line, in order. A bad line yields an error object, not a stop."""
    try:
        lines = read_lines(path)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    worst, bad = run_batch(checker, lines, max_chars, jobs or default_jobs())
    if bad:
        typer.echo(f"steward: {bad} line(s) of {path} could not be checked (see 'error' in the output)", err=True)
        return EXIT_USAGE
    return worst


@eval_app.command("drafts")
def eval_drafts(
    path: Annotated[Path, typer.Argument(help="Labelled JSONL: id, text, verdict, categories.")],
    corpus: CorpusOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List the drafts scored wrong.")] = False,
    min_accuracy: Annotated[float, typer.Option(help="Fail (exit 3) below this verdict accuracy.")] = 0.0,
    min_block_recall: Annotated[float, typer.Option(help="Fail below this block recall.")] = 0.0,
    max_allow_blocked: Annotated[float, typer.Option(help="Fail above this share of allow drafts blocked.")] = 1.0,
) -> None:
    """Score the checker: verdict accuracy, block recall, false alarms, per-category P/R, confusion."""
    checker = Checker(corpus_or_exit(corpus))
    try:
        scores = score_drafts(checker, read_labelled(path, ("text", "verdict")))
    except EvalFileError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(scores.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_scores(scores, show_misses)
    missed = [name for name, ok in (
        (f"accuracy {scores.accuracy:.3f} < {min_accuracy}", scores.accuracy >= min_accuracy),
        (f"block recall {scores.block_recall:.3f} < {min_block_recall}", scores.block_recall >= min_block_recall),
        (f"allow wrongly blocked {scores.allow_blocked_rate:.3f} > {max_allow_blocked}",
         scores.allow_blocked_rate <= max_allow_blocked),
    ) if not ok]
    if missed:
        fail("quality gate missed: " + "; ".join(missed), EXIT_THRESHOLD)


def _print_scores(scores: DraftScores, show_misses: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"drafts: {scores.total}   verdict accuracy: [bold]{scores.accuracy:.3f}[/]   "
                  f"block recall: [bold]{scores.block_recall:.3f}[/]   "
                  f"allow wrongly blocked: [bold]{scores.allow_blocked_rate:.3f}[/]   "
                  f"allow flagged at all: {scores.allow_flagged_rate:.3f}")
    cats = Table("category", "precision", "recall", "support", title="per category")
    for c, m in scores.per_category().items():
        cats.add_row(c, f"{m['precision']:.2f}", f"{m['recall']:.2f}", str(int(m["support"])))
    console.print(cats)
    matrix = Table("expected \\ predicted", *("allow", "review", "block"), title="confusion matrix")
    for e in ("allow", "review", "block"):
        matrix.add_row(e, *(str(scores.confusion[(e, p)]) for p in ("allow", "review", "block")))
    console.print(matrix)
    if show_misses:
        for m in scores.misses:
            console.print(f"{m['id']} expected {m['expected']} got {m['predicted']} {m['rules']}: {m['text']}",
                          markup=False, highlight=False)
