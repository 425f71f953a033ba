"""`Reports`: the CoE lead's reports, computed from the database.

    reports = Reports(db, directory, clock)
    report = await reports.report("90d", "engineering")     # ReportError on a bad period or department
    text = render_text(report); png = render_png(report.charts[0])

Every figure is an SQL aggregate over the period (see bot.reports.queries).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlmodel import col

import bot.reports.indexes  # noqa: F401  (attaches the report indexes to the tables)
from bot.clock import Clock, SystemClock, as_utc
from bot.directory import Directory, RoutePlan
from bot.policy.models import Corpus
from bot.reports import queries as q
from bot.reports.export import ExportFile, export
from bot.reports.gaps import Wording, group
from bot.reports.model import Chart, Figure, Report, Section, Table, Trend, WeekPoint
from bot.reports.period import Period, PeriodError, parse_period, week_start
from bot.reports.rollup import WEEKLY, cut, refresh, watermark
from bot.reports.sql import in_period
from bot.store.database import Database
from bot.store.tables import CheckRecord, Dispute, QuestionRecord, Submission, Vote
from bot.workflow import states

VERDICTS = ("allow", "review", "block")
VERDICT_LABELS = {"allow": "Fine to post", "review": "Needs review", "block": "Blocked"}


class ReportError(ValueError):
    """A request the reports cannot answer (bad period, unknown department), said plainly."""


def _pct(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole * 100, 1)


def _fig(key: str, label: str, value: float | None, unit: str = "", previous: float | None = None,
         trend: bool = True) -> Figure:
    return Figure(key=key, label=label, value=value, unit=unit, trend=Trend.of(value, previous) if trend else None)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class Reports:
    def __init__(self, db: Database, directory: Directory, clock: Clock | None = None) -> None:
        self.db = db
        self.directory = directory
        self.clock = clock or SystemClock()

    # --- input ----------------------------------------------------------------------------

    def period(self, text: str | Period | None, default: str = "30d") -> Period:
        if isinstance(text, Period):
            return text
        try:
            return parse_period(text, self.clock.now(), default=default)
        except PeriodError as exc:
            raise ReportError(str(exc)) from None

    def department(self, text: str | None) -> str:
        """The department id `text` names (its id or its name, any case); '' for the whole company."""
        if not text or not text.strip() or text.strip().lower() in ("all", "company", "everyone"):
            return ""
        wanted = text.strip().lower()
        for key, dept in self.directory.spec.departments.items():
            if wanted in (key.lower(), dept.name.lower()):
                return key
        known = ", ".join(sorted(self.directory.spec.departments)) or "none (the directory lists no departments)"
        raise ReportError(f"I don't know a department called '{text.strip()}'. Known departments: {known}.")

    def headcount(self) -> Counter[str]:
        return Counter(p.department for p in self.directory.spec.people if p.department)

    def _dept_name(self, key: str) -> str:
        dept = self.directory.spec.departments.get(key)
        return dept.name if dept and dept.name else (key or "(no department)")

    # --- /coe report ---------------------------------------------------------------------------

    async def report(self, period: str | Period | None = "30d", department: str | None = None) -> Report:
        p = self.period(period)
        dept = self.department(department)
        dialect = self.db.dialect
        origin = week_start(p.start)
        until = await refresh(self.db, self.clock.now())
        async with self.db.reading() as s:      # one snapshot: every figure counts the same rows
            volume = await q.check_volume(s, dialect, p, origin, dept, until)
            top_categories = await q.top_items(s, dialect, p, dept, "category", until)
            top_rules = await q.top_items(s, dialect, p, dept, "rule", until)
            adoption, active = await q.people(s, p, dept, await watermark(s, WEEKLY))
            questions = await q.question_counts(s, p, dept, until)
            created = await q.submissions_created(s, p, dept)
            decided = await q.decisions(s, p, dept)
            hours = await q.decision_hours(s, dialect, p, dept)
            breaches = await q.sla_breaches(s, p, dept)
            medians = await q.weekly_medians(s, dialect, p, origin, dept)

        def checks(cur: bool, verdict: str | None = None) -> int:
            return sum(n for (w, v), n in volume.items() if (w >= 0) == cur and (verdict is None or v == verdict))

        def asked(cur: bool, answered: bool | None = None) -> int:
            return sum(n for (c, a), n in questions.items() if c == cur and (answered is None or a == answered))

        def outcome(cur: bool, *wanted: str) -> int:
            return sum(n for (c, st), n in decided.items() if c == cur and st in wanted)

        def pctl(cur: bool, p_: float) -> float | None:
            return _hours(hours.get(cur, {}).get(p_))

        total = checks(True)
        activity = Section(key="activity", title="Activity", figures=(
            _fig("checks", "Drafts checked", total, previous=checks(False)),
            _fig("questions", "Questions asked", asked(True), previous=asked(False)),
            _fig("answered", "Questions answered", asked(True, True), previous=asked(False, True)),
            _fig("active_people", "People taking part", active.get(True, 0), "people", previous=active.get(False, 0)),
        ))
        verdict_section = Section(key="verdicts", title="Verdicts", figures=tuple(
            _fig(f"verdict_{v}", VERDICT_LABELS[v],
                 checks(True, v), previous=checks(False, v)) for v in VERDICTS) + tuple(
            _fig(f"verdict_{v}_pct", f"{VERDICT_LABELS[v]} (share of checks)", _pct(checks(True, v), total), "%",
                 trend=False)
            for v in VERDICTS))
        approvals = Section(key="approvals", title="Approvals", figures=(
            _fig("submissions", "Sent for approval", created.get(True, 0), previous=created.get(False, 0)),
            _fig("approved", "Approved", outcome(True, *q.APPROVED), previous=outcome(False, *q.APPROVED)),
            _fig("rejected", "Rejected", outcome(True, states.REJECTED), previous=outcome(False, states.REJECTED)),
            _fig("changes_requested", "Changes requested", outcome(True, states.CHANGES_REQUESTED),
                 previous=outcome(False, states.CHANGES_REQUESTED)),
            _fig("expired", "Expired undecided", outcome(True, states.EXPIRED), previous=outcome(False, states.EXPIRED)),
            _fig("median_hours", "Median time to decision", pctl(True, 0.5), "h", previous=pctl(False, 0.5)),
            _fig("p90_hours", "90th percentile time to decision", pctl(True, 0.9), "h", previous=pctl(False, 0.9)),
            _fig("sla_breaches", "SLA breaches (escalated or expired)", breaches.get(True, 0),
                 previous=breaches.get(False, 0)),
        ))
        fired = Section(key="fired", title="What fired", tables=(
            Table(key="categories", title="Top categories", columns=("Category", "Checks"),
                  rows=tuple(top_categories), empty="No findings in this period."),
            Table(key="rules", title="Top rules", columns=("Rule", "Checks"), rows=tuple(top_rules),
                  empty="No rule fired in this period."),
        ))
        sections = [activity, verdict_section, approvals, fired, self._adoption(adoption, dept)]
        weeks = []
        week = origin
        index = 0
        while week < p.end:
            weeks.append(WeekPoint(week=week.date(), **{v: volume.get((index, v), 0) for v in VERDICTS},
                                   median_decision_hours=_hours(medians.get(index))))
            week += timedelta(days=7)
            index += 1
        scope = self._dept_name(dept) if dept else "the whole company"
        chart = Chart(title=f"Drafts checked and median time to decision, {scope}, {p.describe()}",
                      points=tuple(weeks))
        summary = (f"{total:,} drafts checked, {asked(True):,} questions, {created.get(True, 0):,} sent for approval, "
                   f"{outcome(True, *q.APPROVED):,} approved")
        if not total and not asked(True) and not created.get(True, 0) and not sum(decided.values()):
            summary = f"Nothing happened in {scope} between {p.describe()}: no checks, questions or submissions."
        return Report(kind="report", title=f"CoE report: {scope}, {p.label} ({p.describe()})",
                      generated_at=self.clock.now(), period=p.info(), department=dept, summary=summary,
                      sections=tuple(sections), charts=(chart,))

    def _adoption(self, active: dict[str, int], dept: str) -> Section:
        heads = self.headcount()
        keys = [dept] if dept else sorted(set(self.directory.spec.departments) | set(heads) | set(active))
        rows = []
        notes = []
        for key in keys:
            people, head = active.get(key, 0), heads.get(key, 0)
            rows.append((self._dept_name(key), people, head or None, _pct(people, head)))
        if dept and not heads.get(dept):
            notes.append(f"Nobody in the directory belongs to {self._dept_name(dept)}, so adoption cannot be "
                         "measured against a headcount.")
        return Section(key="adoption", title="Adoption", notes=tuple(notes), tables=(
            Table(key="adoption", title="People taking part, against the directory's headcount",
                  columns=("Department", "Active people", "Headcount", "Adoption %"), rows=tuple(rows),
                  empty="The directory lists no departments."),))

    # --- /coe pending -------------------------------------------------------------------------

    async def pending(self, limit: int = 50) -> Report:
        now = self.clock.now()
        open_states = (states.SUBMITTED, states.CHANGES_REQUESTED)
        async with self.db.reading() as s:
            total = int((await s.execute(select(func.count()).select_from(Submission)
                                         .where(col(Submission.state).in_(open_states)))).scalar_one())
            subs = (await s.execute(select(Submission).where(col(Submission.state).in_(open_states))
                                    .order_by(col(Submission.created_at), col(Submission.id)).limit(limit))).scalars().all()
            ids = [x.id for x in subs]
            votes = (await s.execute(select(Vote).where(col(Vote.submission_id).in_(ids)))).scalars().all() if ids else []
        approvals: dict[tuple[int, int], set[str]] = {}
        for v in votes:
            if v.value == "approve":
                approvals.setdefault((v.submission_id, v.version), set()).add(v.approver)
        rows = []
        for sub in subs:
            assert sub.id is not None
            age = now - as_utc(sub.created_at)
            plan = RoutePlan.from_json(sub.route) if sub.route else None
            if sub.state == states.CHANGES_REQUESTED:
                waiting, sla = f"{sub.requester} (to edit and resubmit)", "no SLA while changes are due"
            else:
                got = approvals.get((sub.id, sub.version), set())
                waiting = "; ".join(
                    f"{n.label} ({sum(1 for a in got if n.admits(a))} of {n.count})"
                    for n in (plan.needs if plan else ()) if sum(1 for a in got if n.admits(a)) < n.count) or "—"
                sla = self._sla_state(sub, plan, now)
            route = ", ".join(plan.route_ids) if plan else ""
            rows.append((f"#{sub.id}", sub.requester, self._dept_name(sub.department), _age(age), route, waiting, sla))
        notes = (f"Showing the oldest {limit} of {total}.",) if total > limit else ()
        return Report(kind="pending", title=f"Open submissions: {total}", generated_at=now,
                      summary=f"{total} open submission(s)" if total else "Nothing is waiting: every submission is decided.",
                      sections=(Section(key="pending", title="Oldest first", notes=notes, tables=(
                          Table(key="pending", title="Open submissions",
                                columns=("Submission", "Requester", "Department", "Age", "Route", "Waiting on", "SLA"),
                                rows=tuple(rows), empty="Nothing is waiting for a decision."),)),))

    @staticmethod
    def _sla_state(sub: Submission, plan: RoutePlan | None, now: datetime) -> str:
        if sub.escalated_at is not None:
            return f"overdue: escalated to {plan.escalate_to if plan else 'the hub'}"
        if sub.reminded_at is not None:
            return "overdue: approvers reminded"
        if plan and plan.escalate_after is not None:
            left = as_utc(sub.updated_at) + plan.escalate_after - now
            return f"on time (escalates in {_age(left)})" if left > timedelta(0) else "overdue"
        return "on time"

    # --- /coe gaps ------------------------------------------------------------------------------

    async def gaps(self, period: str | Period | None = "90d", limit: int = 20) -> Report:
        p = self.period(period, default="90d")
        async with self.db.reading() as s:
            stmt = (select(func.min(col(QuestionRecord.question)), func.count(), func.max(col(QuestionRecord.at)))
                    .where(in_period(col(QuestionRecord.at), p.start, p.end), col(QuestionRecord.answered).is_(False))
                    .group_by(col(QuestionRecord.question_hash)))
            wordings = [Wording(text, n, as_utc(last)) for text, n, last in (await s.execute(stmt)).all()]
        gaps = group(wordings)
        total = sum(w.count for w in wordings)
        rows = tuple((g.example, g.count, len(g.wordings), g.last.strftime("%Y-%m-%d %H:%M")) for g in gaps[:limit])
        notes = (f"Showing the top {limit} of {len(gaps)} groups.",) if len(gaps) > limit else ()
        return Report(kind="gaps", title=f"Questions Steward could not answer, {p.label} ({p.describe()})",
                      generated_at=self.clock.now(), period=p.info(),
                      summary=(f"{total} unanswered question(s) in {len(gaps)} group(s)" if total
                               else "Every question in this period was answered."),
                      sections=(Section(key="gaps", title="Knowledge gaps", notes=notes, tables=(
                          Table(key="gaps", title="Unanswered questions, grouped by similarity",
                                columns=("Question", "Times asked", "Wordings", "Last asked (UTC)"), rows=rows,
                                empty="No unanswered questions."),)),))

    # --- /coe rules -------------------------------------------------------------------------------

    async def rules(self, corpus: Corpus, period: str | Period | None = "90d") -> Report:
        p = self.period(period, default="90d")
        until = await refresh(self.db, self.clock.now())
        async with self.db.reading() as s:
            fired = await q.item_counts(s, self.db.dialect, cut(p.start, p.end, until), "", "rule",
                                        col(CheckRecord.rules))
            overturned = func.sum(case((col(Dispute.state) == "false_positive", 1), else_=0))
            disputes = {r: (int(n), int(o or 0)) for r, n, o in (await s.execute(
                select(col(Dispute.rule), func.count(), overturned)
                .where(in_period(col(Dispute.created_at), p.start, p.end)).group_by(col(Dispute.rule)))).all()}
        rows: list[tuple[str, str, str, int, int, int, float | None]] = []
        ids = {r.id for r in corpus.rules}
        for rule in corpus.rules:
            n = int(fired.get(rule.id, 0))
            d, o = disputes.get(rule.id, (0, 0))
            rows.append((rule.id, rule.category, rule.severity if rule.enabled else "disabled", n, d, o, _pct(o, n)))
        for rule_id in sorted(set(fired) - ids):
            d, o = disputes.get(rule_id, (0, 0))
            rows.append((rule_id, "(not in this corpus)", "", int(fired[rule_id]), d, o, _pct(o, int(fired[rule_id]))))
        rows.sort(key=lambda r: (-int(r[3] or 0), str(r[0])))
        silent = [r.id for r in corpus.rules if r.enabled and not fired.get(r.id)]
        noisy = [r for r in rows if (r[6] or 0) >= 20 and int(r[3] or 0) >= 5]
        notes = []
        if noisy:
            notes.append("Often overturned (≥ 20% of firings): " + ", ".join(str(r[0]) for r in noisy[:10]) + ".")
        return Report(kind="rules", title=f"Rules, {p.label} ({p.describe()})", generated_at=self.clock.now(),
                      period=p.info(), summary=f"{len(corpus.rules) - len(silent)} of {len(corpus.rules)} rules fired; "
                                               f"{len(silent)} never fired",
                      sections=(
                          Section(key="rules", title="How often each rule fired and was overturned", notes=tuple(notes),
                                  tables=(Table(key="rules", title="Rules",
                                                columns=("Rule", "Category", "Severity", "Fired", "Disputed",
                                                         "Overturned", "Override %"),
                                                rows=tuple(rows), empty="The corpus has no rules."),)),
                          Section(key="silent", title="Rules that never fired", tables=(
                              Table(key="silent", title="Never fired in this period", columns=("Rule",),
                                    rows=tuple((r,) for r in silent), empty="Every rule fired at least once."),)),
                      ))

    # --- /coe spokes ---------------------------------------------------------------------------

    async def spokes(self, period: str | Period | None = "30d") -> Report:
        p = self.period(period)
        spec = self.directory.spec
        advisors: dict[str, tuple[str, ...]] = {}
        for key, dept in spec.departments.items():
            grp = self.directory.group(dept.advisors) if dept.advisors else None
            advisors[key] = tuple(grp.members + grp.backups) if grp else ()
        async with self.db.reading() as s:
            votes, medians = await q.advisor_votes(s, self.db.dialect, p, advisors)
            activity = await q.activity_by_department(s, p)
        rows = []
        no_advisor, quiet = [], []
        for key, dept in spec.departments.items():
            group_name = dept.advisors or ""
            if not advisors[key]:
                no_advisor.append(self._dept_name(key))
            if not activity.get(key):
                quiet.append(self._dept_name(key))
            rows.append((self._dept_name(key), group_name or "none (the hub decides)", ", ".join(advisors[key]) or "—",
                         votes.get(key, 0), _hours(medians.get(key)), activity.get(key, 0)))
        notes = []
        if no_advisor:
            notes.append("No social advisor: " + ", ".join(no_advisor) + ". Their drafts all go to the hub.")
        if quiet:
            notes.append("No activity in this period: " + ", ".join(quiet) + ".")
        return Report(kind="spokes", title=f"Spokes, {p.label} ({p.describe()})", generated_at=self.clock.now(),
                      period=p.info(), summary=(f"{len(rows)} department(s); {len(no_advisor)} without an advisor, "
                                                f"{len(quiet)} without activity"),
                      sections=(Section(key="spokes", title="Departments and their social advisors",
                                        notes=tuple(notes), tables=(
                          Table(key="spokes", title="Spokes",
                                columns=("Department", "Advisor group", "Advisors", "Votes cast",
                                         "Median hours to vote", "Activity"),
                                rows=tuple(rows), empty="The directory lists no departments."),)),))

    # --- the weekly digest ----------------------------------------------------------------------

    async def digest(self) -> Report:
        from bot.reports.digest import build_digest

        return await build_digest(self)

    # --- /coe export ------------------------------------------------------------------------------

    async def export(self, period: str | Period | None = "30d", fmt: str = "csv",
                     department: str | None = None) -> ExportFile:
        p = self.period(period)
        if fmt not in ("csv", "jsonl"):
            raise ReportError(f"'{fmt}' is not an export format; ask for csv or jsonl")
        return await export(self.db, p, fmt, self.department(department))


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} d"

