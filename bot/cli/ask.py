"""`steward ask` and `steward eval questions`."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.app import EXIT_THRESHOLD, app, eval_app
from bot.cli.common import InputError, corpus_or_exit, fail, read_input
from bot.settings import CoreSettings

if TYPE_CHECKING:  # the search stack (numpy, BM25) and the database load only when a question is asked
    from bot.answerer.answer import Answer
    from bot.answerer.evaluate import Report
    from bot.policy import Corpus
    from bot.store.database import Database

CorpusOpt = Annotated[Path | None, typer.Option(
    "--corpus", help="Corpus folder (default: $POLICY_DIR, else the bundled policies/).")]


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question, as you would type it in chat; '-' reads "
                                                       "standard input.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the taxonomy's JSON contract.")] = False,
    corpus: CorpusOpt = None,
    person: Annotated[str, typer.Option("--as", help="Who is asking (an e-mail), recorded with a question "
                                                     "the policy does not cover.")] = "cli@localhost",
) -> None:
    """Answer a policy question from the corpus, quoting and citing the section.

    A question the policy does not cover is recorded as a knowledge gap for the CoE when a
    database is configured (DATABASE_URL or STEWARD_DB); otherwise Steward says it was not.
    """
    settings = CoreSettings()
    try:
        text = read_input(question, None, settings.max_draft_chars, noun="question")
    except InputError as exc:
        fail(str(exc))
    loaded = corpus_or_exit(corpus, cached=True)
    if database_configured():
        answer, recorded = _ask_and_record(loaded, corpus, text, person)
    else:
        from bot.answerer import Answerer

        answer, recorded = Answerer(loaded).ask(text), False
    if answer.is_gap and not recorded:
        answer = replace(answer, answer=NOT_RECORDED)
    if as_json:
        out = answer.to_json()
        if answer.is_gap:
            out["gap_recorded"] = recorded
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        from bot.text_render import render_text

        typer.echo(render_text(answer.to_reply()))


NOT_RECORDED = ("I couldn't find this in the policy. Your question was not passed on: no database is "
                "configured (set DATABASE_URL or STEWARD_DB to record unanswered questions for the CoE), so "
                "ask the social media team directly.")


def database_configured() -> bool:
    """A database was chosen on purpose; the default ./steward.db is never created just to log a question."""
    return bool(os.environ.get("DATABASE_URL", "").strip() or os.environ.get("STEWARD_DB", "").strip())


def _ask_and_record(loaded: Corpus, corpus: Path | None, text: str, person: str) -> tuple[Answer, bool]:
    """Ask through the facade, which records a knowledge gap the way the chat does."""
    from bot.cli.workflow import directory_or_exit, with_database
    from bot.steward import Steward
    from bot.workflow.service import WorkflowService

    directory = directory_or_exit(corpus)

    async def work(db: Database) -> tuple[Answer, bool]:
        steward = Steward(loaded, workflow=WorkflowService(db, directory))
        from bot.replies import Person

        answer = steward.ask(text)    # the full answer (scores, confidence) for --json
        # recorded under the --as address as given (the default names the command line itself)
        await steward.ask_question(Person(email=person), text, platform="cli")
        return answer, answer.is_gap

    return with_database(work)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@eval_app.command("questions")
def eval_questions(
    path: Annotated[Path, typer.Argument(help="Labelled JSONL: id, question, categories, answerable "
                                              "[, expected_heading].")],
    corpus: CorpusOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List the questions answered wrong.")] = False,
    min_top1: Annotated[float, typer.Option(help="Fail (exit 3) below this top-1 category accuracy.")] = 0.0,
    min_top3: Annotated[float, typer.Option(help="Fail below this top-3 category accuracy.")] = 0.0,
    min_rejected: Annotated[float, typer.Option(help="Fail below this out-of-scope rejection rate.")] = 0.0,
    max_wrongly_rejected: Annotated[float, typer.Option(
        help="Fail above this share of answerable questions rejected.")] = 1.0,
    min_heading: Annotated[float, typer.Option(help="Fail below this top-1 expected-heading hit rate.")] = 0.0,
) -> None:
    """Score the answerer: category accuracy, out-of-scope rejection, expected-heading hits."""
    from bot.answerer import Answerer
    from bot.answerer.evaluate import QuestionSetError, evaluate, load_questions

    try:
        items = load_questions(path)
    except QuestionSetError as exc:
        fail(str(exc))
    report = evaluate(Answerer(corpus_or_exit(corpus)), items)
    metrics = report.metrics()
    if as_json:
        typer.echo(json.dumps({"questions": len(items), **metrics}))
    else:
        _print_report(report, show_misses)
    gates = [("top-1 category accuracy", metrics["top1"], min_top1, True),
             ("top-3 category accuracy", metrics["top3"], min_top3, True),
             ("out-of-scope rejected", metrics["out_of_scope_rejected"], min_rejected, True),
             ("answerable wrongly rejected", metrics["answerable_wrongly_rejected"], max_wrongly_rejected, False),
             ("expected heading (top-1)", metrics["heading_top1"], min_heading, True)]
    failed = [f"{name} {_pct(value)} {'<' if low else '>'} {limit:.1%}"
              for name, value, limit, low in gates
              if value is not None and (value < limit if low else value > limit)]
    if failed:
        typer.echo("quality gate missed: " + "; ".join(failed), err=True)
        raise typer.Exit(EXIT_THRESHOLD)


def _print_report(report: Report, show_misses: bool) -> None:
    answerable = len(report.answerable)
    typer.echo(f"questions: {len(report.outcomes)}  answerable: {answerable}  "
               f"out of scope: {len(report.outcomes) - answerable}")
    if report.categorised:
        typer.echo(f"top-1 category accuracy:     {_pct(report.top1)}")
        typer.echo(f"top-3 category accuracy:     {_pct(report.top3)}")
    if report.with_heading:
        typer.echo(f"expected heading, top-1:     {_pct(report.heading_top1)}")
        typer.echo(f"expected heading, top-3:     {_pct(report.heading_top3)}")
    typer.echo(f"out-of-scope rejected:       {_pct(report.out_of_scope_rejected)}")
    typer.echo(f"answerable wrongly rejected: {_pct(report.wrongly_rejected)}")
    if show_misses:
        for miss in report.misses():
            got = ", ".join(f"{c.title} [{c.category}]" for c in miss.answer.citations) or "not answered"
            want = ", ".join(miss.item.categories or miss.item.expected_headings) or "not answered"
            typer.echo(f"  {miss.item.id}: {miss.item.question!r}\n    expected: {want}\n    got: {got} "
                       f"(confidence {miss.answer.confidence:.2f})")
