"""`steward check` and `steward eval drafts`.

`check` is what a pre-commit hook or CI step runs once per commit, so it starts
fast: the compiled corpus comes from the on-disk cache (bot/policy/cache.py), and
the routing directory loads only when a draft needs review.
"""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.checker.result import CheckResult
from bot.cli.app import EXIT_THRESHOLD, EXIT_USAGE, VERDICT_EXIT, app, eval_app
from bot.cli.common import InputError, checker_or_exit, decode_draft, fail, read_input
from bot.settings import CoreSettings

if TYPE_CHECKING:
    from bot.checker.engine import Checker
    from bot.checker.evaluation import DraftScores
    from bot.cli.formats import Checked

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: $POLICY_DIR, else the bundled policies/).")]


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


@app.command()
def check(
    inputs: Annotated[list[str] | None, typer.Argument(
        metavar="TEXT | - | FILE",
        help="The draft, '-' for standard input, or files to check (one argument naming an existing "
             "file, or several arguments, are files).")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL file of drafts with a 'text' field; one JSON result per line.")] = None,
    output: Annotated[Format, typer.Option("--format", help="text (files: path:line:col: verdict rule message), "
                                                             "json, or sarif (SARIF 2.1.0).")] = Format.text,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    corpus: CorpusOpt = None,
    person: Annotated[str | None, typer.Option("--as", help="Your e-mail: routes review by your department.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=0, help="--batch worker processes (0: one per CPU).")] = 0,
) -> None:
    """Check a draft post, or files. Exit code: the strictest verdict (0 allow, 1 review, 2 block);
    64 usage or unreadable input, 65 corpus error."""
    settings = CoreSettings()
    fmt = Format.json if as_json else output
    args = inputs or []
    if batch is not None:
        if args or file is not None:
            fail("--batch takes its drafts from the file; drop TEXT, FILEs and --file")
        if fmt is not Format.text:
            fail("--batch always writes JSON lines; drop --format/--json")
        raise typer.Exit(_check_batch(checker_or_exit(corpus), batch, settings.max_draft_chars, jobs))
    if _are_files(args):
        if file is not None:
            fail("give files as arguments or one --file, not both")
        raise typer.Exit(_check_files(args, fmt, corpus, settings.max_draft_chars))
    if len(args) > 1:
        fail(f"{args[0]}: no such file. To check text, quote it as one argument: steward check \"…\"")
    try:
        draft = read_input(args[0] if args else None, file, settings.max_draft_chars)
    except InputError as exc:
        fail(str(exc))
    checker = checker_or_exit(corpus)
    result = checker.check(draft)
    if fmt is Format.sarif:
        _print_files([_checked(str(file) if file else "-", draft, result)], fmt, checker)
    elif fmt is Format.json:
        typer.echo(json.dumps(_routed(result, corpus, person).to_json(), ensure_ascii=False))
    else:
        from bot.checker.reply import check_reply
        from bot.text_render import render_text

        result = _routed(result, corpus, person)
        route = result.route["approvers"] if result.route else ""
        typer.echo(render_text(check_reply(result, draft, checker.corpus, route_label=route)))
    raise typer.Exit(VERDICT_EXIT[result.verdict])


def _are_files(args: list[str]) -> bool:
    """Several arguments are files; so is one that names an existing file or folder."""
    if len(args) == 1 and args[0] == "-":
        return False
    return bool(args) and _exists(args[0])


def _exists(name: str) -> bool:
    if not name.strip():
        return False
    try:
        return Path(name).exists()
    except (OSError, ValueError):   # a draft too long to be a file name, or with a NUL
        return False


def _routed(result: CheckResult, corpus: Path | None, person: str | None) -> CheckResult:
    """A draft that needs review names its approvers, as the facade's `Steward.check` does.

    Done here rather than through the facade so that a check that needs no review
    never loads the routing directory, and `check` never loads the answerer.
    """
    if result.verdict != "review":
        return result
    from bot.cli.workflow import directory_or_exit

    directory = directory_or_exit(corpus)
    department = directory.department_of(person) if person else ""
    plan = directory.plan(((f.category, f.severity, f.rule) for f in result.findings), department, person or "")
    return replace(result, route={"approvers": plan.describe(), "routes": list(plan.route_ids)})


def _checked(path: str, text: str, result: CheckResult) -> Checked:
    from bot.cli.formats import Checked

    return Checked(path, text, result)


def _check_files(paths: list[str], fmt: Format, corpus: Path | None, max_chars: int) -> int:
    """Every file in one process; a file that cannot be checked is named on stderr and the
    others still are. An empty file has nothing to post and passes."""
    checker = checker_or_exit(corpus)
    checked: list[Checked] = []
    bad = 0
    for name in paths:
        path = Path(name)
        try:
            if path.is_dir():
                raise InputError(f"{name} is a folder: give the files in it (e.g. {name.rstrip('/')}/*.md)")
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror}") from None
            if not raw.strip():
                checked.append(_checked(name, "", CheckResult("allow", (), checker.corpus.version)))
                continue
            text = decode_draft(raw, max_chars, name)
        except InputError as exc:
            typer.echo(f"steward: {exc}", err=True)
            bad += 1
            continue
        checked.append(_checked(name, text, checker.check(text)))
    _print_files(checked, fmt, checker)
    if bad:
        typer.echo(f"steward: {bad} of {len(paths)} file(s) could not be checked", err=True)
        return EXIT_USAGE
    return max((VERDICT_EXIT[c.result.verdict] for c in checked), default=0)


def _print_files(checked: list[Checked], fmt: Format, checker: Checker) -> None:
    from bot.checker.result import strictest
    from bot.cli import formats

    if fmt is Format.text:
        for line in formats.text_lines(checked):
            typer.echo(line)
        return
    if fmt is Format.json:
        report = formats.json_report(checked, strictest([c.result.verdict for c in checked]))
    else:
        from importlib.metadata import PackageNotFoundError, version

        from bot.checker.reply import section_url

        try:
            tool_version = version("steward")
        except PackageNotFoundError:
            tool_version = "0"
        urls = {sid: section_url(checker.corpus, sid) for sid in checker.corpus.sections}
        report = formats.sarif_report(checked, version=tool_version, section_url=urls)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=None if fmt is Format.json else 2))


def _check_batch(checker: Checker, path: Path, max_chars: int, jobs: int) -> int:
    """One JSON result per input line, in order. A bad line yields an error object, not a stop."""
    from bot.cli.batch import default_jobs, read_lines, run_batch

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
    from bot.checker.evaluation import EvalFileError, read_labelled, score_drafts

    checker = checker_or_exit(corpus)
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
