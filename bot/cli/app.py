"""The `steward` command: one Typer app; each module under bot/cli adds its commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="steward",
    help="Steward: check social media drafts, answer policy questions, run approvals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score the checker or the answerer on a labelled set.", no_args_is_help=True)
policies_app = typer.Typer(help="Validate and list a policy corpus.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(policies_app, name="policies")

# Exit codes. check: 0 allow, 1 review, 2 block. Errors use distinct codes so a CI
# gate can tell "the draft is bad" from "the tool was misused".
VERDICT_EXIT = {"allow": 0, "review": 1, "block": 2}
EXIT_USAGE = 64      # EX_USAGE: bad arguments or unreadable input
EXIT_CORPUS = 65     # EX_DATAERR: the corpus does not load
EXIT_THRESHOLD = 3   # eval: a quality gate was missed
