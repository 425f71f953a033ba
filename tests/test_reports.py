"""The CoE reports on a known history: every figure, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from reports_history import ADA, ENG1, HUB1, MIA, NOW, ago, build, directory

from bot.clock import FixedClock
from bot.reports import Report, ReportError, Reports, render_text
from bot.store.database import Database


@pytest.fixture
async def reports(db: Database) -> Reports:
    d = directory()
    await build(db, d)
    return Reports(db, d, FixedClock(NOW))


def values(report: Report, *keys: str) -> dict[str, float | None]:
    return {k: report.figure(k).value for k in keys}


async def test_report_30d_every_figure(reports: Reports) -> None:
    r = await reports.report("30d")
    assert values(r, "checks", "questions", "answered", "active_people") == {
        "checks": 5, "questions": 5, "answered": 1, "active_people": 4}
    assert values(r, "verdict_allow", "verdict_review", "verdict_block") == {
        "verdict_allow": 2, "verdict_review": 2, "verdict_block": 1}
    assert values(r, "verdict_allow_pct", "verdict_review_pct", "verdict_block_pct") == {
        "verdict_allow_pct": 40.0, "verdict_review_pct": 40.0, "verdict_block_pct": 20.0}
    assert values(r, "submissions", "approved", "rejected", "changes_requested", "expired", "sla_breaches") == {
        "submissions": 5, "approved": 2, "rejected": 1, "changes_requested": 1, "expired": 1, "sla_breaches": 2}
    # decided in the period after 2, 6, 10 and 20 hours (the expired one is not a decision)
    assert r.figure("median_hours").value == 8.0
    assert r.figure("p90_hours").value == 17.0
    assert r.table("rules").rows == (("legal.litigation", 2), ("claims.comparison", 1), ("privacy.email", 1))
    assert r.table("categories").rows == (("legal", 2), ("claims", 1), ("privacy", 1))
    assert r.table("adoption").rows == (("Engineering", 3, 4, 75.0), ("Legal", 0, None, None),
                                        ("Marketing", 1, 1, 100.0))


async def test_report_compares_with_the_previous_period(reports: Reports) -> None:
    r = await reports.report("30d")
    checks = r.figure("checks").trend
    assert checks is not None and (checks.previous, checks.change, checks.change_pct) == (2, 3, 150.0)
    assert r.figure("questions").trend.previous == 2                              # type: ignore[union-attr]
    assert r.figure("active_people").trend.previous == 2                          # type: ignore[union-attr]
    assert r.figure("approved").trend.previous == 1                               # type: ignore[union-attr]
    assert r.figure("median_hours").trend.previous == 4.0                         # type: ignore[union-attr]
    assert r.figure("sla_breaches").trend.change_pct is None                      # type: ignore[union-attr]


async def test_weekly_chart_data(reports: Reports) -> None:
    points = (await reports.report("30d")).charts[0].points
    assert [p.week.isoformat() for p in points] == ["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16",
                                                    "2026-02-23", "2026-03-02"]
    assert [(p.allow, p.review, p.block) for p in points] == [(1, 0, 0), (0, 0, 0), (0, 1, 0), (0, 0, 1),
                                                             (1, 1, 0), (0, 0, 0)]
    assert [p.median_decision_hours for p in points] == [None, None, None, 6.0, 20.0, None]


async def test_department_report(reports: Reports) -> None:
    r = await reports.report("30d", "Marketing")       # by name, any case
    assert r.department == "marketing"
    assert values(r, "checks", "questions", "submissions", "changes_requested", "active_people") == {
        "checks": 2, "questions": 1, "submissions": 1, "changes_requested": 1, "active_people": 1}
    assert r.figure("median_hours").value == 10.0
    assert r.table("adoption").rows == (("Marketing", 1, 1, 100.0),)


async def test_department_with_no_one_and_unknown_department(reports: Reports) -> None:
    r = await reports.report("30d", "legal")
    assert r.figure("checks").value == 0 and r.figure("median_hours").value is None
    assert "Nothing happened in Legal" in r.summary
    assert any("Nobody in the directory belongs to Legal" in n for n in r.section("adoption").notes)
    with pytest.raises(ReportError, match="I don't know a department called 'sales'. Known departments: "
                                          "engineering, legal, marketing"):
        await reports.report("30d", "sales")


async def test_empty_period_and_date_ranges(reports: Reports) -> None:
    r = await reports.report("2025-01-01..2025-01-31")
    assert r.figure("checks").value == 0 and r.figure("p90_hours").value is None
    assert r.summary.startswith("Nothing happened in the whole company between 2025-01-01 to 2025-01-31")
    assert len(r.charts[0].points) == 5
    r = await reports.report(f"{ago(10).date()}..{ago(10).date()}")   # one day, both ends included
    assert r.figure("checks").value == 1 and r.figure("verdict_block").value == 1
    q = await reports.report("quarter")               # 2026-01-01 .. now
    assert q.figure("checks").value == 7


@pytest.mark.parametrize("bad, message", [
    ("yesterday", "'yesterday' is not a period I know; write 7d, 30d, 90d, quarter"),
    ("0d", "out of range"),
    ("2026-02-30..2026-03-01", "'2026-02-30' is not a date"),
    ("2026-03-01..2026-02-01", "ends before it starts"),
])
async def test_malformed_period_gets_a_clear_message(reports: Reports, bad: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        await reports.report(bad)


async def test_pending_oldest_first(reports: Reports) -> None:
    r = await reports.pending()
    rows = r.table("pending").rows
    assert [row[0] for row in rows] == ["#3", "#5"]
    assert rows[0][1] == MIA and rows[0][3] == "8 d" and rows[0][5] == f"{MIA} (to edit and resubmit)"
    assert rows[1][1] == ADA and rows[1][3] == "3 d" and rows[1][4] == "default"
    assert rows[1][5].endswith("(0 of 1)") and rows[1][6] == "overdue: escalated to coe-hub"


async def test_gaps_grouped_by_similarity(reports: Reports) -> None:
    r = await reports.gaps("30d")
    rows = r.table("gaps").rows
    assert rows == (("Can I post my salary?", 3, 2, ago(3).strftime("%Y-%m-%d %H:%M")),
                    ("Who approves videos?", 1, 1, ago(1).strftime("%Y-%m-%d %H:%M")))
    assert r.summary == "4 unanswered question(s) in 2 group(s)"


async def test_rules_fired_disputed_overturned_and_silent(reports: Reports) -> None:
    from bot.policy import load_corpus
    from bot.settings import BUNDLED_POLICIES

    corpus = load_corpus(BUNDLED_POLICIES)
    r = await reports.rules(corpus, "30d")
    rows = {row[0]: row for row in r.table("rules").rows}
    assert rows["legal.litigation"][3:] == (2, 2, 1, 50.0)
    assert rows["privacy.email"][3:] == (1, 0, 0, 0.0)
    assert rows["claims.comparison"][3:] == (1, 0, 0, 0.0)
    silent = {row[0] for row in r.table("silent").rows}
    assert len(silent) == len([x for x in corpus.rules if x.enabled]) - 3 and "legal.litigation" not in silent


async def test_spokes(reports: Reports) -> None:
    r = await reports.spokes("30d")
    rows = {row[0]: row for row in r.table("spokes").rows}
    assert rows["Engineering"][1:] == ("eng-advisors", f"{ENG1}, eng2@nw.example", 3, 6.0, 11)   # 3 checks, 4 questions, 4 submissions
    assert rows["Marketing"][3:] == (1, 10.0, 4)
    assert rows["Legal"][1:] == ("none (the hub decides)", "—", 0, None, 0)
    notes = r.section("spokes").notes
    assert "No social advisor: Legal. Their drafts all go to the hub." in notes
    assert "No activity in this period: Legal." in notes


async def test_digest_celebrates_wins(reports: Reports, db: Database) -> None:
    from bot.store.tables import CheckRecord

    async with db.transaction() as s:
        s.add(CheckRecord(at=ago(1), actor=HUB1, department="legal", verdict="allow"))   # legal's first ever
    r = await reports.digest()
    assert values(r, "cleared", "joined", "learned", "overdue") == {"cleared": 1, "joined": 1, "learned": 1,
                                                                   "overdue": 1}
    assert r.table("fastest").rows == (("#4", "Engineering", 20.0),)
    assert r.table("learned").rows == (("What is the hashtag policy", 1),)
    assert r.table("gaps").rows[0][:2] == ("Can I post my salary?", 3)
    assert [row[0] for row in r.table("overdue").rows] == ["#5"]          # #3 waits on its requester
    text = render_text(r)
    assert "Posts cleared" in text and "New departments" in text


async def test_text_rendering_shows_figures_and_changes(reports: Reports) -> None:
    text = render_text(await reports.report("30d"))
    assert "Drafts checked" in text and "+3 (+150%) vs previous" in text
    assert "Median time to decision" in text and "8.0 h" in text
    assert "legal.litigation" in text
