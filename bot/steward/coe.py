"""The `/coe` commands and the weekly digest, for the facade: bot/reports computes, this turns
the result into replies (the report as data, its text, the chart or export as attachments)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.replies import Attachment, Outcome, Reply, error

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.directory import Directory
    from bot.policy.models import Corpus
    from bot.reports import Report
    from bot.store.database import Database
    from bot.workflow.service import WorkflowService

HELP = ("/coe report [7d|30d|90d|quarter|YYYY-MM-DD..YYYY-MM-DD] [department] · /coe pending · "
        "/coe gaps [period] · /coe rules [period] · /coe spokes [period] · /coe digest · "
        "/coe export [period] [csv|jsonl]")


def report_reply(report: Report, *, chart: bool = False) -> Reply:
    from bot.reports import render_text

    attachments: tuple[Attachment, ...] = ()
    if chart and report.charts and any(p.allow or p.review or p.block for p in report.charts[0].points):
        from bot.reports.chart import render_png

        attachments = (Attachment(name=f"steward-{report.kind}.png", mime="image/png",
                                  data=render_png(report.charts[0]), title=report.charts[0].title),)
    return Reply(kind="report", title=report.title, body=render_text(report), report=report,
                 attachments=attachments)


async def run_coe(db: Database, directory: Directory, clock: Clock, corpus: Corpus, command: str) -> Outcome:
    from bot.reports import ReportError, Reports

    words = command.split()
    sub, args = (words[0].lower(), words[1:]) if words else ("help", [])
    reports = Reports(db, directory, clock)
    try:
        if sub == "report" and len(args) <= 2:
            reply = report_reply(await reports.report(args[0] if args else "7d", args[1] if len(args) > 1 else None),
                                 chart=True)
        elif sub == "pending" and not args:
            reply = report_reply(await reports.pending())
        elif sub in ("gaps", "rules", "spokes") and len(args) <= 1:
            period = args[0] if args else None
            made = (await reports.rules(corpus, period or "90d") if sub == "rules"
                    else await reports.gaps(period or "90d") if sub == "gaps" else await reports.spokes(period or "30d"))
            reply = report_reply(made)
        elif sub == "digest" and not args:
            reply = report_reply(await reports.digest())
        elif sub == "export" and len(args) <= 2:
            fmt = next((a.lower() for a in args if a.lower() in ("csv", "jsonl")), "csv")
            period = next((a for a in args if a.lower() not in ("csv", "jsonl")), "30d")
            file = await reports.export(period, fmt)
            reply = Reply(kind="report", title=f"Decisions export ({file.rows:,} rows)",
                          body=f"{file.filename}: every decision in the period, for compliance.",
                          attachments=(Attachment(name=file.filename, mime=file.media_type, data=file.data),))
        else:
            return Outcome(ok=False, code="invalid", reply=error("Which report?", HELP))
    except ReportError as exc:
        return Outcome(ok=False, code="invalid", reply=error("I can't make that report", str(exc)))
    return Outcome(ok=True, code="report", reply=reply)


async def post_digest(workflow: WorkflowService, now: datetime) -> bool:
    """Claim this week's digest (one replica wins) and put it in the outbox for the hub's channel,
    under a key of its own so a repeat can never post it twice."""
    from bot.outbox.dispatch import Planned
    from bot.reports import Reports, claim_digest

    key = await claim_digest(workflow.db, now, workflow.replica_id)
    if key is None:
        return False
    digest = await Reports(workflow.db, workflow.directory, workflow.clock).digest()
    reply = report_reply(digest)
    rows = workflow.outbox.rows([Planned(to=to, reply=reply, key=f"digest:{key}", kind="digest")
                                 for to in workflow.directory.group_recipients(workflow.directory.hub)], now)
    async with workflow.db.transaction() as session:
        await workflow.outbox.write(session, rows)
    return True
