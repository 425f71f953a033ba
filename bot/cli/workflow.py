"""Approval workflow and decision log on the command line, for scripts and operators.

    steward db upgrade | db current
    steward submit [TEXT|-] [--file F] --as EMAIL [--department D (CoE hub only)]
    steward pending --as EMAIL              steward show ID --as EMAIL
    steward approve ID --version N --as EMAIL   (or ID as 12v2)   steward reject … [--note N]
    steward request-changes ID --version N --as EMAIL   steward unvote ID --version N --as EMAIL
    steward comment ID TEXT --as EMAIL      steward withdraw ID --as EMAIL
    steward resubmit ID [TEXT|-] --as EMAIL steward posted ID --as EMAIL [--url U]
    steward dispute FINDING --reason R --as EMAIL   (FINDING: the id a check shows, e.g. 4-0)
    steward resolve-dispute ID uphold|false-positive --as EMAIL

Every command goes through the facade (bot.steward), like the chat adapters.
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

from bot import validation
from bot.cli.app import EXIT_CORPUS, app
from bot.cli.common import InputError, corpus_or_exit, fail, read_input
from bot.directory import Directory, load_directory
from bot.policy.errors import CorpusError
from bot.replies import Outcome, Person
from bot.settings import CoreSettings
from bot.text_render import render_text
from bot.validation import escape_controls

if TYPE_CHECKING:  # the database stack loads only when a workflow command runs (fast `steward check`)
    from bot.steward import Steward
    from bot.store.database import Database

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


def _emit(outcome: Outcome, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome_json(outcome), ensure_ascii=False))
    else:
        typer.echo(render_text(outcome.reply))
        for n in outcome.notifications:
            typer.echo(escape_controls(f"  → {n.kind} to {n.to.kind} {n.to.id}: {n.reply.title}"))
    if not outcome.ok:
        raise typer.Exit(EXIT_REFUSED)


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    approval = outcome.approval
    return {
        "ok": outcome.ok, "code": outcome.code, "duplicate": outcome.duplicate,
        "reply": outcome.reply.model_dump(mode="json"),
        "notifications": [{"to": n.to.model_dump(mode="json"), "platform": n.platform, "kind": n.kind,
                           "op": n.op, "key": n.key, "title": n.reply.title} for n in outcome.notifications],
        "submission": None if outcome.submission_id is None else {
            "id": outcome.submission_id, "version": outcome.version,
            "state": approval.state if approval else None, "requester": approval.requester if approval else None},
        "data": {k: v for k, v in outcome.data.items() if k != "submissions"},
    }


def _act(corpus: Path | None, as_json: bool, email: str,
         call: Callable[[Steward, Person], Awaitable[Outcome]]) -> None:
    """Run one facade call as `email` (validated, exit 64 when it is not an address)."""
    try:
        address = validation.email(email)
    except validation.InvalidInput as exc:
        fail(f"--as: {exc}")
    from bot.steward import Steward

    loaded = corpus_or_exit(corpus)
    directory = directory_or_exit(corpus)

    async def work(db: Database) -> Outcome:
        steward = Steward(loaded, directory=directory, db=db)
        return await call(steward, await steward.person(address, platform="cli"))

    _emit(with_database(work), as_json)


def _number(value: str, what: str) -> int:
    try:
        return validation.identifier(value, what)
    except validation.InvalidInput as exc:
        fail(str(exc))


def _version(target: str, version: int | None) -> tuple[int, int]:
    """'12' with --version 2, or '12v2': the vote is on the version the approver read."""
    head, _, tail = target.lower().partition("v")
    sid = _number(head, "submission number")
    chosen = version if version is not None else (_number(tail, "version") if tail else None)
    if chosen is None:
        fail(f"name the version you read: --version N (see `steward show {sid} --as YOU`)")
    return sid, _number(str(chosen), "version")


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
        draft = read_input(text, file, CoreSettings().max_draft_chars)
        return validation.text(draft, "draft", max_chars=CoreSettings().max_draft_chars)
    except (InputError, validation.InvalidInput) as exc:
        fail(str(exc))


def _text(value: str, what: str, *, required: bool = True) -> str:
    try:
        return validation.text(value, what, required=required)
    except validation.InvalidInput as exc:
        fail(f"{what}: {exc}")


async def _checked(steward: Steward, person: Person, draft: str) -> tuple[int | None, Outcome | None]:
    reply = await steward.check_draft(person, draft, platform="cli")
    if reply.check_id is None:
        return None, Outcome(ok=False, code="invalid", reply=reply)
    return reply.check_id, None


VersionOpt = Annotated[int | None, typer.Option("--version", help="The version you read (see `steward show`).")]
Target = Annotated[str, typer.Argument(help="Submission number (12, or 12v2 with the version).")]


@app.command()
def submit(
    person: AsOpt,
    text: Annotated[str | None, typer.Argument(help="The draft; '-' reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    department: Annotated[str | None, typer.Option(
        help="Route as this department (CoE hub only: everyone else is routed by the directory).")] = None,
    corpus: CorpusOpt = None, as_json: JsonOpt = False,
) -> None:
    """Check a draft and send it for approval."""
    draft = _draft(text, file)

    async def call(steward: Steward, me: Person) -> Outcome:
        if department is not None:
            if not steward.is_coe(me):
                assert steward.workflow is not None
                from bot.steward.convert import outcome as public

                return public(await steward.workflow.refuse(
                    "submit", me.email, "only the CoE hub may choose the department a draft is routed by; "
                    "yours comes from the directory"))
            me = me.model_copy(update={"department": _text(department, "department")})
        check_id, refused = await _checked(steward, me, draft)
        return refused or await steward.submit(me, check_id or 0)

    _act(corpus, as_json, person, call)


@app.command()
def resubmit(
    submission: Annotated[str, typer.Argument(help="Submission number.")],
    person: AsOpt,
    text: Annotated[str | None, typer.Argument(help="The new draft; '-' reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the draft from a file.")] = None,
    corpus: CorpusOpt = None, as_json: JsonOpt = False,
) -> None:
    """Send a new version of a draft whose approvers asked for changes."""
    draft = _draft(text, file)
    sid = _number(submission, "submission number")

    async def call(steward: Steward, me: Person) -> Outcome:
        check_id, refused = await _checked(steward, me, draft)
        return refused or await steward.resubmit(me, sid, check_id or 0)

    _act(corpus, as_json, person, call)


@app.command()
def pending(person: AsOpt, corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """What you may decide now."""
    _act(corpus, as_json, person, lambda s, me: s.pending(me))


@app.command()
def show(submission: Annotated[str, typer.Argument(help="Submission number.")], person: AsOpt,
         corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Show a submission (its requester, its approvers and the CoE hub only): text, state, votes, comments."""
    sid = _number(submission, "submission number")
    _act(corpus, as_json, person, lambda s, me: s.show(me, sid))


def _vote_command(name: str, value: str, summary: str) -> None:
    def command(submission: Target, person: AsOpt, version: VersionOpt = None,
                note: Annotated[str, typer.Option(help="A note recorded with the vote.")] = "",
                corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
        sid, ver = _version(submission, version)
        text = _text(note, "--note", required=False)
        _act(corpus, as_json, person, lambda s, me: s.vote(me, sid, ver, value, text))

    command.__doc__ = summary
    app.command(name)(command)


_vote_command("approve", "approve", "Approve the version of a submission you read.")
_vote_command("reject", "reject", "Reject the version of a submission you read.")
_vote_command("request-changes", "changes", "Ask the requester to change the draft and resubmit it.")


@app.command()
def unvote(submission: Target, person: AsOpt, version: VersionOpt = None,
           corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Withdraw your vote while the decision is open."""
    sid, ver = _version(submission, version)
    _act(corpus, as_json, person, lambda s, me: s.unvote(me, sid, ver))


@app.command()
def comment(submission: Annotated[str, typer.Argument(help="Submission number.")],
            text: Annotated[str, typer.Argument(help="The comment.")], person: AsOpt,
            corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Comment on a submission (the requester, its approvers and the CoE hub)."""
    sid = _number(submission, "submission number")
    body = _text(text, "comment")
    _act(corpus, as_json, person, lambda s, me: s.comment(me, sid, body))


@app.command()
def withdraw(submission: Annotated[str, typer.Argument(help="Submission number.")], person: AsOpt,
             corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Withdraw your own submission."""
    sid = _number(submission, "submission number")
    _act(corpus, as_json, person, lambda s, me: s.withdraw(me, sid))


@app.command()
def posted(submission: Annotated[str, typer.Argument(help="Submission number.")], person: AsOpt,
           url: Annotated[str, typer.Option(help="Where it was posted.")] = "",
           corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Mark an approved submission as posted."""
    sid = _number(submission, "submission number")
    link = _text(url, "--url", required=False)
    _act(corpus, as_json, person, lambda s, me: s.mark_posted(me, sid, link))


@app.command()
def dispute(finding: Annotated[str, typer.Argument(help="The finding's id shown by the check, e.g. 4-0.")],
            person: AsOpt, reason: Annotated[str, typer.Option(help="Why the finding is wrong.")] = "",
            corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Dispute a finding of a check of yours (rule, phrase and route come from the check)."""
    why = _text(reason, "--reason")
    _act(corpus, as_json, person, lambda s, me: s.dispute(me, finding, why))


@app.command("resolve-dispute")
def resolve_dispute(dispute_id: Annotated[str, typer.Argument(help="Dispute number.")],
                    decision: Annotated[str, typer.Argument(help="uphold or false-positive.")], person: AsOpt,
                    note: Annotated[str, typer.Option(help="A note for the requester.")] = "",
                    corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Decide a dispute: uphold the finding or mark it a false positive (a scoped, expiring exception)."""
    did = _number(dispute_id, "dispute number")
    text = _text(note, "--note", required=False)
    _act(corpus, as_json, person, lambda s, me: s.resolve_dispute(me, did, decision, text))


@app.command()
def remind(corpus: CorpusOpt = None, as_json: JsonOpt = False) -> None:
    """Run the reminders, escalations and expiries that are due (safe on every replica at once);
    their notifications go to the outbox."""
    from bot.steward import Steward

    loaded = corpus_or_exit(corpus)
    directory = directory_or_exit(corpus)

    async def work(db: Database) -> Outcome:
        return await Steward(loaded, directory=directory, db=db).tick()

    _emit(with_database(work), as_json)
