"""Replay past drafts under a new corpus: which verdicts would change before the new policy goes live.

Only drafts sent for approval keep their text (`submission_version.text`), and
only until the retention purge; every version still holding its text is checked
again with the new corpus and compared with the verdict and rules it got then.
Purged versions are counted, not guessed at. Department exceptions
(suppressions) are not applied: the replay shows what the policy itself says.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from bot.checker.engine import Checker
from bot.clock import Clock
from bot.policy.models import SEVERITY_RANK, Corpus
from bot.reports.model import Figure, Report, Section, Table
from bot.store.database import Database
from bot.store.tables import Submission, SubmissionVersion


async def replay(db: Database, corpus: Corpus, clock: Clock, *, since: datetime | None = None,
                 limit: int = 200) -> Report:
    """Re-check retained drafts (sent since `since`) with `corpus`; list up to `limit` changed verdicts."""
    checker = Checker(corpus)
    checked = stricter = looser = same_verdict_new_rules = 0
    rows: list[tuple[str, str, str, str, str, str]] = []
    stmt = (select(SubmissionVersion, col(Submission.department))
            .join(Submission, col(Submission.id) == col(SubmissionVersion.submission_id))
            .where(col(SubmissionVersion.text).is_not(None))
            .order_by(col(SubmissionVersion.created_at), col(SubmissionVersion.id)))
    purged_stmt = select(func.count()).select_from(SubmissionVersion).where(col(SubmissionVersion.text).is_(None))
    if since is not None:
        stmt = stmt.where(col(SubmissionVersion.created_at) >= since)
        purged_stmt = purged_stmt.where(col(SubmissionVersion.created_at) >= since)
    async with db.reading() as session:
        purged = int((await session.execute(purged_stmt)).scalar_one())
        result = await session.stream(stmt.execution_options(yield_per=500))
        async for version, department in result:
            assert version.text is not None
            checked += 1
            now = checker.check(version.text)
            old_rules = {str(f.get("rule", "")) for f in version.findings}
            new_rules = {f.rule for f in now.findings}
            if now.verdict == version.verdict:
                same_verdict_new_rules += old_rules != new_rules
                continue
            if SEVERITY_RANK[now.verdict] > SEVERITY_RANK.get(version.verdict, 0):
                stricter += 1
            else:
                looser += 1
            if len(rows) < limit:
                rows.append((f"#{version.submission_id} v{version.number}", department or "—",
                             f"{version.verdict} → {now.verdict}", ", ".join(sorted(new_rules - old_rules)) or "—",
                             ", ".join(sorted(old_rules - new_rules)) or "—", version.corpus_version[:12]))
    changed = stricter + looser
    notes = []
    if purged:
        notes.append(f"{purged} version(s) could not be replayed: their text was purged by retention.")
    if changed > len(rows):
        notes.append(f"Showing the first {len(rows)} of {changed} changes.")
    scope = f" since {since.date().isoformat()}" if since else ""
    return Report(kind="replay", title=f"Replay under corpus {corpus.version[:12]}{scope}",
                  generated_at=clock.now(),
                  summary=(f"{changed} of {checked} retained draft(s) would get a different verdict "
                           f"({stricter} stricter, {looser} more lenient)" if checked
                           else "No retained drafts to replay."),
                  sections=(Section(key="replay", title="Verdicts that would change", notes=tuple(notes), figures=(
                      Figure(key="replayed", label="Drafts replayed", value=checked),
                      Figure(key="changed", label="Verdicts that change", value=changed),
                      Figure(key="stricter", label="Stricter", value=stricter),
                      Figure(key="looser", label="More lenient", value=looser),
                      Figure(key="rules_only", label="Same verdict, different rules", value=same_verdict_new_rules),
                      Figure(key="purged", label="Not replayable (text purged)", value=purged),
                  ), tables=(Table(key="changes", title="Changes",
                                   columns=("Draft", "Department", "Verdict", "Rules added", "Rules gone",
                                            "Old corpus"),
                                   rows=tuple(rows), empty="No verdict would change."),)),))
