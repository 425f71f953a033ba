"""`steward policies lint|list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import policies_app
from bot.cli.common import corpus_or_exit
from bot.cli.workflow import directory_or_exit
from bot.policy.models import Corpus


@policies_app.command("lint")
def lint(path: Annotated[Path | None, typer.Argument(help="Corpus folder (default: the active corpus).")] = None,
         strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there are warnings.")] = False) -> None:
    """Validate a corpus; every problem names its file, line and fix. Exit 65 when it does not load."""
    from bot.checker.baseline import describe

    corpus = corpus_or_exit(path)
    directory = directory_or_exit(path)
    typer.echo(f"ok: {corpus.root} — {len(corpus.documents)} documents, {len(corpus.sections)} sections, "
               f"{len(corpus.rules)} rules, {len(corpus.examples)} examples, version {corpus.version}; "
               f"routing: {directory.source}")
    warnings = [str(w) for w in corpus.warnings]
    if not corpus.has_rules:
        warnings.append("the corpus has no rules (rules/*.yaml): drafts are checked only by Steward's "
                        "baseline detectors" + (" and the examples it learned from" if corpus.examples else "")
                        + " — fix: add rules for what your policy forbids (docs/corpus-format.md)")
    for line in warnings:
        typer.echo(f"warning: {line}")
    if corpus.examples:
        typer.echo(_learned_summary(corpus))
    baseline = describe(corpus)
    if baseline:
        typer.echo("baseline detectors that run whatever the rules say:")
        for line in baseline:
            typer.echo(f"  {line}")
    if warnings and strict:
        raise typer.Exit(1)


@policies_app.command("list")
def list_sections(corpus: Annotated[Path | None, typer.Option("--corpus")] = None) -> None:
    """Show the corpus's sections: id, category and heading."""
    loaded = corpus_or_exit(corpus)
    typer.echo(f"# {loaded.root} (version {loaded.version}): {len(loaded.sections)} sections")
    width = max((len(s.id) for s in loaded.sections.values()), default=0)
    for s in loaded.sections.values():
        typer.echo(f"{s.id:<{width}}  {s.category:<14}  {'  ' * (s.level - 1)}{s.title}")


def _learned_summary(corpus: Corpus) -> str:
    """What the learned layer made of the examples (trains it now, or reads the cached model)."""
    from bot.checker.engine import Checker
    from bot.checker.learned.calibrate import OFF
    from bot.checker.learned.layer import MIN_EXAMPLES

    layer = Checker(corpus).learned
    if layer is None:
        return (f"learned layer: off — {len(corpus.examples)} examples, it needs at least {MIN_EXAMPLES} "
                "with some 'review' or 'block' among them")
    t = layer.thresholds
    if t.review >= OFF:
        return (f"learned layer: off — on {len(corpus.examples)} examples no threshold beat the rules alone "
                f"(cross-validated accuracy {t.rules_accuracy:.3f}) without raising more than 2% of the "
                "'allow' examples")
    block = ", ".join(f"{c} ≥ {v:.2f} (precision {t.block_precision.get(c, 0):.2f})" for c, v in t.block.items())
    return (f"learned layer: on — {len(corpus.examples)} examples, {len(layer.categories)} "
            f"{'category' if len(layer.categories) == 1 else 'categories'}; raises to "
            f"review at {t.review:.2f}; to block: {block or 'none'}; L2 {t.l2:g}\n"
            f"  cross-validated on the examples, rules alone → with the layer: accuracy {t.rules_accuracy:.3f} → "
            f"{t.accuracy:.3f}, block recall {t.rules_block_recall:.3f} → {t.block_recall:.3f}; "
            f"'allow' examples raised {t.benign_raised:.3f}, blocked (rules and layer) {t.benign_blocked:.3f}")
