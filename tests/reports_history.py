"""A small, fully known history for the report tests: every figure can be worked out by hand.

NOW is Monday 2026-03-02 12:00 UTC; `30d` is [NOW-30d, NOW), the previous period [NOW-60d, NOW-30d).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.audit.chain import text_hash
from bot.directory import Directory
from bot.directory.models import Department, Group, Person, RoutingFile, Sla
from bot.store.database import Database
from bot.store.tables import CheckRecord, Dispute, QuestionRecord, Submission, SubmissionVersion, Vote

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ADA, BOB, MIA = "ada@nw.example", "bob@nw.example", "mia@nw.example"
ENG1, ENG2, MKT1, HUB1 = "eng1@nw.example", "eng2@nw.example", "mkt1@nw.example", "hub1@nw.example"


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days) + timedelta(hours=hours)


def directory() -> Directory:
    return Directory(RoutingFile(
        hub="coe-hub",
        sla=Sla(remind_after="4h", escalate_after="1d", expire_after="7d"),  # type: ignore[arg-type]
        departments={"engineering": Department(name="Engineering", advisors="eng-advisors"),
                      "marketing": Department(name="Marketing", advisors="mkt-advisors"),
                      "legal": Department(name="Legal")},
        groups={"coe-hub": Group(members=(HUB1,)), "eng-advisors": Group(members=(ENG1, ENG2)),
                "mkt-advisors": Group(members=(MKT1,))},
        people=(Person(email=ADA, department="engineering"), Person(email=BOB, department="engineering"),
                Person(email=ENG1, department="engineering"), Person(email=ENG2, department="engineering"),
                Person(email=MIA, department="marketing"), Person(email=HUB1)),
    ))


def _check(at: datetime, actor: str, dept: str, verdict: str, rules: tuple[str, ...] = (),
           categories: tuple[str, ...] = ()) -> CheckRecord:
    return CheckRecord(at=at, actor=actor, department=dept, platform="slack", verdict=verdict,
                       rules=list(rules), categories=list(categories), corpus_version="c1")


def _question(at: datetime, actor: str, dept: str, text: str, answered: bool) -> QuestionRecord:
    return QuestionRecord(at=at, actor=actor, department=dept, question=text, question_hash=text_hash(text),
                          answered=answered, corpus_version="c1")


def checks() -> tuple[CheckRecord, ...]:
    return (
        _check(ago(1), ADA, "engineering", "allow"),
        _check(ago(2), ADA, "engineering", "review", ("legal.litigation",), ("legal",)),
        _check(ago(10), BOB, "engineering", "block", ("privacy.email", "legal.litigation"), ("privacy", "legal")),
        _check(ago(20), MIA, "marketing", "review", ("claims.comparison",), ("claims",)),
        _check(ago(29), MIA, "marketing", "allow"),
        _check(ago(40), ADA, "engineering", "allow"),                 # previous period
        _check(ago(45), ADA, "engineering", "allow"),
        _check(ago(70), BOB, "engineering", "block", ("privacy.email",), ("privacy",)),   # before both
    )


SALARY = "Can I post my salary?"


def questions() -> tuple[QuestionRecord, ...]:
    return (
        _question(ago(3), ADA, "engineering", SALARY, False),
        _question(ago(4), ENG1, "engineering", SALARY, False),
        _question(ago(5), MIA, "marketing", "can I post my salary on LinkedIn", False),
        _question(ago(1), ADA, "engineering", "Who approves videos?", False),
        _question(ago(6), BOB, "engineering", "What is the hashtag policy", True),
        _question(ago(50), BOB, "engineering", "What is the hashtag policy", False),   # previous: a gap then
        _question(ago(35), ADA, "engineering", "May I share a press release?", True),
    )


# (id, requester, department, created days ago, state, hours to decision or None, voter, vote, escalated days ago)
SUBMISSIONS = (
    (1, ADA, "engineering", 10, "approved", 2, ENG1, "approve", None),
    (2, BOB, "engineering", 9, "rejected", 6, ENG2, "reject", None),
    (3, MIA, "marketing", 8, "changes_requested", 10, MKT1, "changes", None),
    (4, ADA, "engineering", 7, "posted", 20, ENG1, "approve", None),
    (5, ADA, "engineering", 3, "submitted", None, None, None, 2),
    (6, MIA, "marketing", 40, "approved", 4, MKT1, "approve", None),
    (7, ADA, "engineering", 35, "expired", 7 * 24, None, None, None),
)


async def build(db: Database, directory: Directory) -> None:
    async with db.transaction() as s:
        s.add_all(checks())
        s.add_all(questions())
        for sid, who, dept, days, state, hours, voter, vote, escalated in SUBMISSIONS:
            created = ago(days)
            plan = directory.plan([("legal", "review", "legal.litigation")], dept, who)
            decided = created + timedelta(hours=hours) if hours is not None else None
            s.add(Submission(id=sid, requester=who, department=dept, platform="slack", state=state, version=1,
                             verdict="review", categories=["legal"], route=plan.to_json(), created_at=created,
                             updated_at=decided or created, decided_at=decided, decision_corpus_version="c1",
                             escalated_at=ago(escalated) if escalated is not None else None,
                             reminded_at=ago(escalated) if escalated is not None else None))
            await s.flush()
            s.add(SubmissionVersion(submission_id=sid, number=1, text=f"draft {sid}", text_hash=text_hash(f"draft {sid}"),
                                    verdict="review", corpus_version="c1", created_at=created))
            if voter and decided:
                s.add(Vote(submission_id=sid, version=1, approver=voter, value=vote, cast_at=decided))
        s.add(Dispute(requester=ADA, department="engineering", rule="legal.litigation", category="legal", reason="x",
                      state="false_positive", created_at=ago(2)))
        s.add(Dispute(requester=BOB, department="engineering", rule="legal.litigation", category="legal", reason="y",
                      state="upheld", created_at=ago(9)))
