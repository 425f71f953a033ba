"""Approval workflow and decision log on the command line, for scripts and operators.

    steward db upgrade | db current
    steward submit [TEXT|-] [--file F] --as EMAIL [--department D]
    steward pending --as EMAIL              steward show ID
    steward approve ID --as EMAIL           steward reject ID --as EMAIL [--note N]
    steward request-changes ID --as EMAIL   steward unvote ID --as EMAIL
    steward comment ID TEXT --as EMAIL      steward withdraw ID --as EMAIL
    steward resubmit ID [TEXT|-] --as EMAIL steward posted ID --as EMAIL [--url U]
    steward dispute RULE --reason R --as EMAIL [--phrase P] [--category C]
    steward resolve-dispute ID uphold|false-positive --as EMAIL
    steward remind                          (run reminders, escalations, expiries now; for cron)

The database is DATABASE_URL, else the SQLite file STEWARD_DB (default ./steward.db);
a SQLite database is created and migrated on first use, PostgreSQL needs `steward db upgrade`.
Exit codes: 0 done, 1 refused (the reason is printed), 64 usage, 65 corpus, 69 database, 70 audit
problems found.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.cli.app import EXIT_CORPUS, app
from bot.cli.common import InputError, corpus_or_exit, fail, read_input
from bot.directory import Directory, load_directory
from bot.policy.errors import CorpusError
from bot.settings import CoreSettings
from bot.text_render import render_text

if TYPE_CHECKING:  # the database stack loads only when a workflow command runs (fast `steward check`)
    from bot.store.database import Database
    from bot.workflow.messages import Outcome

EXIT_REFUSED = 1
EXIT_DATABASE = 69    # EX_UNAVAILABLE
EXIT_AUDIT = 70       # the audit chain does not verify

T = TypeVar("T")

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")

AsOpt = Annotated[str, typer.Option("--as", help="Your e-mail address (your identity).")]
CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder with routing.yaml "
                                                                  "(default: $POLICY_DIR, else the bundled policies/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")]


# --- plumbing -------------------------------------------------------------------------------


def _database() -> Database:
    from bot.store.database import Database
    from bot.store.settings import DatabaseUrlError, database_url

    try:
        return Database(database_url())
    except DatabaseUrlError as exc:
        fail(str(exc))


def with_database(work: Callable[[Database], Awaitable[T]], *, migrate: bool = True) -> T:
    """Open the database, make sure the schema is current, run `work`, close."""
    from bot.store.migrate import SchemaError, ensure_schema
    from bot.store.settings import redact

    db = _database()

    async def main() -> T:
        try:
            if migrate:
                await ensure_schema(db)
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except SchemaError as exc:
        fail(str(exc), EXIT_DATABASE)
    except BrokenPipeError:   # `steward audit export | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from failing again
        raise typer.Exit(0) from None
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database {redact(db.url)}: {exc}", EXIT_DATABASE)
    except Exception as exc:  # a driver error: say what and where, not a traceback
        if type(exc).__module__.startswith(("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite")):
            fail(f"database error on {redact(db.url)}: {str(exc).splitlines()[0]}", EXIT_DATABASE)
        raise


def directory_or_exit(corpus: Path | None) -> Directory:
    try:
        return load_directory(CoreSettings().corpus_dir(corpus))
    except CorpusError as exc:
        fail(str(exc), EXIT_CORPUS)


def _service(db: Database, directory: Directory) -> Any:
    from bot.workflow.service import WorkflowService

    return WorkflowService(db, directory)


def _emit(outcome: Outcome, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome_json(outcome), ensure_ascii=False))
    else:
        typer.echo(render_text(outcome.reply))
        for n in outcome.notifications:
            typer.echo(f"  → {n.kind} to {n.to.kind} {n.to.id}: {n.reply.title}")
    if not outcome.ok:
        raise typer.Exit(EXIT_REFUSED)


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    sub = outcome.submission
    return {
        "ok": outcome.ok, "code": outcome.code, "duplicate": outcome.duplicate,
        "reply": outcome.reply.model_dump(mode="json"),
        "notifications": [{"to": {"kind": n.to.kind, "id": n.to.id, "slack": n.to.slack, "teams": n.to.teams},
                           "kind": n.kind, "dedupe_key": n.dedupe_key, "title": n.reply.title}
                          for n in outcome.notifications],
        "submission": None if sub is None else {"id": sub.id, "state": sub.state, "version": sub.version,
                                                "requester": sub.requester},
    }


def _act(corpus: Path | None, as_json: bool,
         call: Callable[[Any], Awaitable[Outcome]]) -> None:
    directory = directory_or_exit(corpus)
    outcome = with_database(lambda db: call(_service(db, directory)))
    _emit(outcome, as_json)


# --- database ---------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (idempotent)."""
    from bot.store.migrate import current_revision, upgrade
    from bot.store.settings import database_url, redact

    async def work(db: Database) -> tuple[str | None, str]:
        before = await current_revision(db)
        return before, await upgrade(db)

    before, after = with_database(work, migrate=False)
    url = redact(database_url())
    typer.echo(f"{url}: already at {after}" if before == after else f"{url}: upgraded {before or '(empty)'} → {after}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the one this Steward needs."""
    from bot.store.migrate import current_revision, head_revision

    current = with_database(current_revision, migrate=False)
    typer.echo(f"database: {current or '(empty)'}; needed: {head_revision()}")


# --- submissions ------------------------------------------------------------------------------


def _draft(text: str | None, file: Path | None) -> str:
    try:
        return read_input(text, file, CoreSettings().max_draft_chars)
    except InputError as exc:
        fail(str(exc))


def _check(corpus: Path | None, draft: str, service: Any, department: str) -> Awaitable[Any]:
    from bot.checker.engine import Checker

    loaded = corpus_or_exit(corpus)

    async def run() -> Any:
        suppressions = await service.suppressions_for(department)
        result = Checker(loaded).check(draft, tuple(suppressions))
        return result

    return run()


@app.command()
def submit(
    person: AsOpt,
    text: Annotated[str | None, typer.Argument(help="The draft; '-' reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    department: Annotated[str | None, typer.Option(help="Your department (default: from routing.yaml).")] = None,
    corpus: CorpusOpt = None, as_json: JsonOpt = False,
) -> None:
    """Check a draft and send it for approval."""
    draft = _draft(text, file)

    async def call(service: Any) -> Outcome:
        dept = department if department is not None else service.directory.department_of(person)
        result = await _check(corpus, draft, service, dept)
        await service.record_check(person, result, draft=draft, department=dept, platform="cli")
        return await service.submit(person, draft, result, department=dept, platform="cli")

    _act(corpus, as_json, call)


@app.command()
def resubmit(
    submission: Annotated[int, typer.Argument(help="Submission number.")],
    person: AsOpt,
    text: Annotated[str | None, typer.Argument(help="The new draft; '-' reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    corpus: CorpusOpt = None, as_json: JsonOpt = False,
) -> None:
    """Send a new version of a draft whose approvers asked for changes."""
    draft = _draft(text, file)

    async def call(service: Any) -> Outcome:
        view = await service.get(submission)
        dept = view.department if view is not None else ""
        result = await _check(corpus, draft, service, dept)
        return await service.resubmit(submission, person, draft, result)

    _act(corpus, as_json, call)


@app.command()
def pending(person: AsOpt, corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """What you may decide now."""
    _act(corpus, as_json, lambda s: s.pending(person))


@app.command()
def show(submission: Annotated[int, typer.Argument(help="Submission number.")],
         corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Show a submission: its text, state, votes and comments."""
    from bot.replies import error
    from bot.workflow.messages import Outcome, submission_reply

    async def call(service: Any) -> Outcome:
        view = await service.get(submission)
        if view is None:
            return Outcome(ok=False, code="not_found", reply=error("Not found", f"there is no submission #{submission}"))
        reply = submission_reply(view, title=f"Submission #{view.id}", audience="none")
        return Outcome(ok=True, code="show", reply=reply, submission=view)

    _act(corpus, as_json, call)


def _vote_command(name: str, value: str, summary: str) -> None:
    def command(submission: Annotated[int, typer.Argument(help="Submission number.")], person: AsOpt,
                note: Annotated[str, typer.Option(help="A note recorded with the vote.")] = "",
                corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
        _act(corpus, as_json, lambda s: s.vote(submission, person, value, note=note))

    command.__doc__ = summary
    app.command(name)(command)


_vote_command("approve", "approve", "Approve a submission.")
_vote_command("reject", "reject", "Reject a submission.")
_vote_command("request-changes", "changes", "Ask the requester to change the draft and resubmit it.")


@app.command()
def unvote(submission: Annotated[int, typer.Argument(help="Submission number.")], person: AsOpt,
           corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Withdraw your vote while the decision is open."""
    _act(corpus, as_json, lambda s: s.withdraw_vote(submission, person))


@app.command()
def comment(submission: Annotated[int, typer.Argument(help="Submission number.")],
            text: Annotated[str, typer.Argument(help="The comment.")], person: AsOpt,
            corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Comment on a submission (the requester and its approvers)."""
    _act(corpus, as_json, lambda s: s.comment(submission, person, text))


@app.command()
def withdraw(submission: Annotated[int, typer.Argument(help="Submission number.")], person: AsOpt,
             corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Withdraw your own submission."""
    _act(corpus, as_json, lambda s: s.withdraw(submission, person))


@app.command()
def posted(submission: Annotated[int, typer.Argument(help="Submission number.")], person: AsOpt,
           url: Annotated[str, typer.Option(help="Where it was posted.")] = "",
           corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Mark an approved submission as posted."""
    _act(corpus, as_json, lambda s: s.mark_posted(submission, person, url))


@app.command()
def dispute(rule: Annotated[str, typer.Argument(help="The rule id shown with the finding.")], person: AsOpt,
            reason: Annotated[str, typer.Option(help="Why the finding is wrong.")] = "",
            phrase: Annotated[str, typer.Option(help="The words it flagged.")] = "",
            category: Annotated[str, typer.Option(help="The finding's category.")] = "general",
            submission: Annotated[int | None, typer.Option(help="The submission it came from.")] = None,
            corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Dispute a finding you think is wrong."""
    _act(corpus, as_json, lambda s: s.dispute(person, rule, reason, phrase=phrase, category=category,
                                              submission_id=submission))


@app.command("resolve-dispute")
def resolve_dispute(dispute_id: Annotated[int, typer.Argument(help="Dispute number.")],
                    decision: Annotated[str, typer.Argument(help="uphold or false-positive.")], person: AsOpt,
                    note: Annotated[str, typer.Option(help="A note for the requester.")] = "",
                    corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Decide a dispute: uphold the finding or mark it a false positive (adds a scoped exception)."""
    _act(corpus, as_json, lambda s: s.resolve_dispute(dispute_id, person, decision, note))


@app.command()
def remind(corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Run the reminders, escalations and expiries that are due (safe on every replica at once)."""
    _act(corpus, as_json, lambda s: s.remind_overdue())
