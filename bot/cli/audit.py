"""The decision log on the command line: verify, anchor, prove, export, purge, harden.

    steward audit verify [--expect SEQ:HASH]… [--checkpoints DIR] [--public-key F] [--no-replay]
    steward audit checkpoint [--output DIR|-] [--key F] [--every SECONDS]
    steward audit keygen --output F            steward audit public-key [--key F]
    steward audit prove SEQ [--old-size N]
    steward audit export --as EMAIL [--format jsonl|csv] [--since DATE] [--output F]
    steward purge --older-than DAYS [--as EMAIL]
    steward db harden [--role NAME]            (PostgreSQL: append-only audit table, a restricted role)

Every argument is checked before the database is opened: text must be valid
UTF-8 without NUL or control characters, numbers finite and in range, dates
representable. Exit codes as bot/cli/workflow.py: 0 done, 1 refused, 64 usage,
69 database, 70 audit problems found.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.app import EXIT_USAGE, app
from bot.cli.common import fail
from bot.cli.workflow import EXIT_AUDIT, EXIT_REFUSED, CorpusOpt, db_app, directory_or_exit, with_database

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from bot.audit.chain import Anchor
    from bot.store.database import Database

audit_app = typer.Typer(help="The hash-chained decision log: verify, anchor, prove and export.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")

MAX_ARG_CHARS = 320
MAX_SEQ = 2 ** 63 - 1


# --- argument checks ----------------------------------------------------------------------------


def clean_text(value: str, option: str, *, max_chars: int = MAX_ARG_CHARS) -> str:
    """Refuse text that is not valid UTF-8 (Python hands such bytes over as lone surrogates),
    holds NUL or control characters, or is too long. The message shows the text escaped."""
    shown = value[:40].encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        fail(f"{option} is not valid UTF-8 text ('{shown}')")
    if any(unicodedata.category(c) == "Cc" for c in value):
        fail(f"{option} must not contain NUL or control characters ('{shown}')")
    if len(value) > max_chars:
        fail(f"{option} is {len(value):,} characters; at most {max_chars:,} are accepted")
    return value


def parse_anchor(value: str) -> Anchor:
    from bot.audit.chain import Anchor

    value = clean_text(value, "--expect").strip()
    seq_text, _, digest = value.partition(":")
    digest = digest.strip().lower()
    if not seq_text.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        fail(f"--expect '{value}' is not SEQ:HASH (an event number and its 64-hex-digit hash, "
             "as `steward audit verify` prints)")
    seq = int(seq_text)
    if seq > MAX_SEQ:
        fail(f"--expect: event number {seq_text[:30]} is out of range")
    return Anchor(seq, digest, f"--expect {seq}:{digest[:16]}…")


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    value = clean_text(value, "--since").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            fail(f"--since '{value}' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:
        fail(f"--since '{value}' is outside the dates Steward can represent (years 1 to 9999, UTC)")


def _identity(person: str) -> str:
    person = clean_text(person, "--as").strip().lower()
    if "@" not in person:
        fail(f"--as '{person}' is not an e-mail address")
    return person


def _folder_or_stdout(output: str | None) -> Path | None:
    """`-` means standard output; otherwise a folder (--output, else STEWARD_AUDIT_CHECKPOINT_DIR)."""
    from bot.audit.checkpoint import DIR_ENV

    chosen = output if output is not None else os.environ.get("STEWARD_AUDIT_CHECKPOINT_DIR", "").strip()
    chosen = clean_text(chosen, "--output", max_chars=4096)
    if not chosen:
        fail(f"say where checkpoints go: --output DIR, --output - (standard output) or {DIR_ENV}")
    return None if chosen == "-" else Path(chosen)


def _signing_key(key: Path | None) -> Ed25519PrivateKey:
    from bot.audit.checkpoint import KEY_ENV, KEY_FILE_ENV, SigningKeyError, load_signing_key

    try:
        loaded = load_signing_key(path=key)
    except SigningKeyError as exc:
        fail(str(exc))
    if loaded is None:
        fail(f"no signing key: give --key FILE, {KEY_FILE_ENV} or {KEY_ENV} (`steward audit keygen` makes one)")
    return loaded


def _public_key(path: Path | None) -> Ed25519PublicKey:
    from bot.audit.checkpoint import PUBLIC_KEY_ENV, SigningKeyError, load_public_key

    try:
        loaded = load_public_key(path=path)
    except SigningKeyError as exc:
        fail(str(exc))
    if loaded is None:
        fail(f"checking checkpoints needs the audit public key: --public-key FILE or {PUBLIC_KEY_ENV}")
    return loaded


# --- audit verify -------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    expect: Annotated[list[str] | None, typer.Option("--expect", help="SEQ:HASH the log must still hold "
                                                                      "(repeatable).")] = None,
    checkpoints: Annotated[Path | None, typer.Option("--checkpoints", help="Folder of signed checkpoints "
                                                                           "to check the log against.")] = None,
    public_key: Annotated[Path | None, typer.Option("--public-key", help="The audit public key (PEM); default "
                                                                         "$STEWARD_AUDIT_PUBLIC_KEY.")] = None,
    no_replay: Annotated[bool, typer.Option("--no-replay", help="Check the chain only, not the tables.")] = False,
) -> None:
    """Check the hash chain, the anchors, and the tables against a replay of the log."""
    from bot.audit.chain import ChainProblem, verify
    from bot.audit.checkpoint import CheckpointError, anchors_from, read_checkpoints

    anchors = [parse_anchor(e) for e in expect or ()]
    signed_problems: list[str] = []
    if checkpoints is not None:
        clean_text(str(checkpoints), "--checkpoints", max_chars=4096)
        key = _public_key(public_key)
        try:
            loaded = read_checkpoints(checkpoints)
        except CheckpointError as exc:
            fail(str(exc))
        if not loaded:
            fail(f"{checkpoints} holds no checkpoint-*.json files")
        signed, signed_problems = anchors_from(loaded, key)
        anchors += signed
    report = with_database(lambda db: verify(db, anchors=anchors, replay=not no_replay))
    report.problems[:0] = [ChainProblem("checkpoint", None, p) for p in signed_problems]
    anchored = f", {report.checkpoints_checked} anchor(s) held" if anchors else ""
    if report.ok:
        typer.echo(f"audit log OK: {report.events} events, {report.texts_checked} draft texts checked"
                   f"{anchored}{', state replayed' if report.replayed else ''}; head #{report.head_seq} "
                   f"{report.head_hash}; Merkle root {report.root}")
        return
    typer.echo(f"audit log FAILED: {len(report.problems)} problem(s) in {report.events} events", err=True)
    for problem in report.problems:
        typer.echo(f"  {problem.kind}: {_printable(problem.message)}", err=True)
    raise typer.Exit(EXIT_AUDIT)


def _printable(text: str) -> str:
    """Control characters a database row might hold, escaped before they reach a terminal."""
    return "".join(c if unicodedata.category(c) != "Cc" else repr(c)[1:-1] for c in text)


# --- checkpoints and keys ---------------------------------------------------------------------------


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[str | None, typer.Option("--output", "-o", help="Folder (write-once files) or '-' for "
                                                                      "standard output; default "
                                                                      "$STEWARD_AUDIT_CHECKPOINT_DIR.")] = None,
    key: Annotated[Path | None, typer.Option("--key", help="Signing key file (PEM); default "
                                                           "$STEWARD_AUDIT_SIGNING_KEY_FILE or _KEY.")] = None,
    every: Annotated[float | None, typer.Option("--every", help="Keep running: a checkpoint every SECONDS "
                                                                "when the log grew.")] = None,
) -> None:
    """Sign the chain's head and Merkle root and write it where the database's operators cannot."""
    from bot.audit.checkpoint import CheckpointError, make_checkpoint, write_checkpoint
    from bot.clock import SystemClock

    folder = _folder_or_stdout(output)
    signing = _signing_key(key)
    if every is not None and (not math.isfinite(every) or not 1 <= every <= 86_400):
        fail("--every must be between 1 and 86400 seconds")
    last: tuple[int, str] | None = None
    while True:
        cp = with_database(lambda db: make_checkpoint(db, signing, SystemClock().now()))
        if (cp.seq, cp.hash) != last:
            if folder is None:
                typer.echo(cp.to_json())
            else:
                try:
                    path = write_checkpoint(cp, folder)
                except CheckpointError as exc:
                    fail(str(exc), EXIT_AUDIT)
                typer.echo(f"checkpoint #{cp.seq} {cp.hash} → {path}", err=True)
            last = (cp.seq, cp.hash)
        if every is None:
            return
        time.sleep(every)


@audit_app.command("keygen")
def audit_keygen(output: Annotated[Path, typer.Option("--output", "-o", help="Where the new private key "
                                                                              "goes (never overwritten).")]) -> None:
    """Make a new Ed25519 signing key (file mode 0600) and print its public key for auditors."""
    from bot.audit.checkpoint import generate_key_pem, parse_private_key, public_key_text

    clean_text(str(output), "--output", max_chars=4096)
    pem = generate_key_pem()
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{output} already exists; it was left as it is")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    typer.echo(public_key_text(parse_private_key(pem, str(output))), nl=False)


@audit_app.command("public-key")
def audit_public_key(key: Annotated[Path | None, typer.Option("--key", help="Signing key file.")] = None) -> None:
    """Print the public key auditors use to check checkpoints."""
    from bot.audit.checkpoint import public_key_text

    typer.echo(public_key_text(_signing_key(key)), nl=False)


@audit_app.command("prove")
def audit_prove(
    seq: Annotated[str, typer.Argument(help="The event number to prove.")],
    old_size: Annotated[str | None, typer.Option("--old-size", help="Also prove the log grew from its first "
                                                                    "N events (a checkpoint's seq).")] = None,
) -> None:
    """A Merkle inclusion proof for one event (and a consistency proof from an older size), as JSON."""
    from bot.audit.merkle import consistency_proof, inclusion_proof, tree_root

    number = _whole(seq, "SEQ")
    old = _whole(old_size, "--old-size") if old_size is not None else None
    hashes = with_database(_event_hashes)
    if not 1 <= number <= len(hashes):
        fail(f"there is no event #{number}; the log has {len(hashes)}", EXIT_REFUSED)
    out: dict[str, Any] = {"seq": number, "event_hash": hashes[number - 1], "tree_size": len(hashes),
                           "root": tree_root(hashes), "inclusion": inclusion_proof(hashes, number - 1)}
    if old is not None:
        if not 1 <= old <= len(hashes):
            fail(f"--old-size {old} does not fit a log of {len(hashes)} events", EXIT_REFUSED)
        out.update(old_size=old, old_root=tree_root(hashes[:old]), consistency=consistency_proof(hashes, old))
    typer.echo(json.dumps(out, indent=2))


def _whole(value: str, what: str) -> int:
    value = clean_text(value, what).strip()
    if not value.isdigit() or not value.isascii() or len(value) > 19 or int(value) > MAX_SEQ:
        fail(f"{what} must be a whole number from 1 to {MAX_SEQ}")
    return int(value)


async def _event_hashes(db: Database) -> list[str]:
    from sqlalchemy import select
    from sqlmodel import col

    from bot.store.tables import AuditEvent, AuditHead

    async with db.reading() as session:
        head = (await session.execute(select(col(AuditHead.seq)))).scalar_one_or_none() or 0
        rows = await session.execute(select(col(AuditEvent.hash)).where(col(AuditEvent.seq) <= head).order_by(col(AuditEvent.seq)))
        return [h for (h,) in rows]


# --- export and purge ---------------------------------------------------------------------------


@audit_app.command("export")
def audit_export(
    person: Annotated[str, typer.Option("--as", help="Your e-mail; must be in the CoE hub group.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    since: Annotated[str | None, typer.Option(help="Only events from this date (YYYY-MM-DD, UTC) on.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file (default: stdout).")] = None,
    corpus: CorpusOpt = None,
) -> None:
    """Export the audit log for compliance (CoE hub members and backups only)."""
    from bot.audit.export import export

    who = _identity(person)
    fmt = clean_text(fmt, "--format")
    if fmt not in ("jsonl", "csv"):
        fail(f"--format '{fmt}' is not supported; use jsonl or csv")
    start = parse_since(since)
    directory = directory_or_exit(corpus)
    hub = directory.group(directory.hub)
    if hub is None or (who not in hub.members and who not in hub.backups):
        fail(f"{who} may not export the audit log: only the CoE hub ({directory.hub}) may", EXIT_REFUSED)
    if output is not None:
        clean_text(str(output), "--output", max_chars=4096)
    try:
        handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    try:
        count = with_database(lambda db: export(db, handle, fmt, start))  # type: ignore[arg-type]
    finally:
        if output:
            handle.close()
    typer.echo(f"exported {count} event(s) for {who}", err=True)


@app.command()
def purge(older_than: Annotated[str, typer.Option("--older-than", help="Age in days (at least "
                                                                       "$STEWARD_RETENTION_TEXT_DAYS).")],
          person: Annotated[str, typer.Option("--as", help="Who is purging (recorded).")] = "steward") -> None:
    """Remove draft and question texts older than DAYS (settled submissions only); hashes stay."""
    from bot.audit.retention import RetentionError, RetentionPolicy, parse_days
    from bot.audit.retention import purge as run_purge
    from bot.clock import SystemClock

    who = clean_text(person, "--as").strip().lower() or "steward"
    try:
        days = parse_days(clean_text(older_than, "--older-than").strip(), "--older-than")
        policy = RetentionPolicy.from_env()
    except RetentionError as exc:
        fail(str(exc), EXIT_USAGE)
    if days < policy.text_days:
        fail(f"texts are kept at least {policy.text_days:g} days (STEWARD_RETENTION_TEXT_DAYS); "
             f"--older-than {days:g} is refused", EXIT_REFUSED)
    result = with_database(lambda db: run_purge(db, SystemClock(), timedelta(days=days), actor=who, policy=policy))
    typer.echo(f"purged {result.drafts} draft text(s) and {result.questions} question text(s) "
               f"older than {days:g} days; their hashes remain. Decisions and the audit log are kept "
               f"(at least {policy.decision_days:g} days).")


# --- PostgreSQL hardening ---------------------------------------------------------------------------


@db_app.command("harden")
def db_harden(role: Annotated[str, typer.Option("--role", help="The restricted role to create or update.")]
              = "steward_app") -> None:
    """PostgreSQL: make the audit table append-only (triggers) and grant ROLE only INSERT/SELECT on it."""
    from bot.audit.harden import HardenError, harden

    role = clean_text(role, "--role", max_chars=63)
    try:
        done = with_database(lambda db: harden(db, role))
    except HardenError as exc:
        fail(str(exc), EXIT_REFUSED)
    for line in done:
        typer.echo(line)
