"""TEMPORARY: the documented facade (docs/facade.md) on top of the facade this branch started from.

The server and the web chat call only the documented API: `whoami`, `check`, `ask`, `submit`,
`vote`, `vote_on_message`, `comment`, `withdraw`, `mark_posted`, `dispute`, `resolve_dispute`,
`show`, `mine`, `pending`, `register_sender`, `dispatch`, `run_dispatcher`, `tick`. The core engineer
is building that API into bot/steward.py on another branch; when it lands, the lead deletes this
file and `open_steward` becomes `Steward.open(...)`. Three calls are not in docs/facade.md yet and
belong in the facade then: `people()` (the directory's people, for demo personas),
`readiness()` and `stats()` (bot/store/health.py, for /readyz and /metrics), plus `close()`.

Nothing here decides anything: each call forwards to bot.steward / bot.workflow.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.checker.reply import check_reply
from bot.checker.result import CheckResult
from bot.directory import Directory, load_directory
from bot.outbox import Delivery, DispatchReport, Sender, SendError
from bot.policy import load_corpus
from bot.replies import Citation, Outcome, Person, Reply, error
from bot.settings import CoreSettings
from bot.steward import Steward as CoreSteward
from bot.store.database import Database
from bot.store.health import Gauges, gauges, readiness
from bot.store.migrate import ensure_schema
from bot.store.settings import database_url
from bot.store.tables import CheckRecord
from bot.workflow.messages import Outcome as WorkflowOutcome
from bot.workflow.messages import approval_view, submission_reply, viewer_actions
from bot.workflow.service import WorkflowService


class UnknownUser(LookupError):
    """whoami without an e-mail for a platform user never seen before."""


async def open_steward(*, corpus_dir: Path | None = None, url: str | None = None,
                       platforms: Sequence[str] = ("local",), migrate: bool | None = None) -> Steward:
    """What `Steward.open(corpus_dir, database_url)` does in docs/facade.md."""
    settings = CoreSettings()
    folder = settings.corpus_dir(corpus_dir)
    corpus = load_corpus(folder)
    directory = load_directory(folder)
    db = Database(url or database_url())
    if migrate is not False:
        await ensure_schema(db, auto_upgrade=migrate)
    workflow = WorkflowService(db, directory, max_draft_chars=settings.max_draft_chars)
    workflow.outbox.platforms = tuple(dict.fromkeys(p.strip() for p in platforms if p.strip()))
    return Steward(CoreSteward(corpus, workflow=workflow, settings=settings), workflow, db, directory)


class Steward:
    def __init__(self, core: CoreSteward, workflow: WorkflowService, db: Database, directory: Directory) -> None:
        self.core, self.workflow, self.db, self.directory = core, workflow, db, directory
        self.corpus = core.corpus

    async def close(self) -> None:
        await self.db.dispose()

    # -- identity ----------------------------------------------------------------------------------

    async def whoami(self, platform: str, user_id: str, email: str | None = None, name: str | None = None,
                     department: str | None = None) -> Person:
        address = (email or await self.workflow.email_for_platform_user(platform, user_id) or "").strip().lower()  # type: ignore[arg-type]
        if not address:
            raise UnknownUser(f"{platform} user {user_id} has no known e-mail")
        if email:
            await self.workflow.remember_person(address, name=name or "", department=department or "",
                                                platform=platform if platform in ("slack", "teams") else None,  # type: ignore[arg-type]
                                                user_id=user_id if platform in ("slack", "teams") else "")
        return self._person(address, platform=platform, user_id=user_id, name=name or "")

    def _person(self, email: str, *, platform: str = "", user_id: str = "", name: str = "") -> Person:
        known = self.directory.person(email)
        return Person(email=email, name=(known.name if known else "") or name,
                      department=self.directory.department_of(email), platform=platform, user_id=user_id,
                      groups=self.directory.groups_of(email), is_coe=self.workflow.is_coe(email))

    def people(self) -> list[Person]:
        return [self._person(p.email) for p in self.directory.spec.people]

    def group_name(self, group_id: str) -> str:
        group = self.directory.group(group_id)
        return (group.name if group else "") or group_id

    def is_coe(self, person: Person) -> bool:
        return self.workflow.is_coe(person.email)

    @staticmethod
    def looks_like_question(text: str) -> bool:
        return CoreSteward.looks_like_question(text)

    # -- check and ask -----------------------------------------------------------------------------

    async def check(self, person: Person, text: str, platform: str) -> Reply:
        refused = self.core.refuse_draft(text) or _invalid_text(text)
        if refused:
            return refused
        result = await self._checked(person, text)
        check_id = await self._keep_check(person.email, text, result, platform)
        route = result.route["approvers"] if result.route else ""
        reply = check_reply(result, text, self.corpus, route_label=route)
        findings = tuple(f.model_copy(update={
            "id": f"{check_id}-{n}", "span": tuple(result.findings[n].span),
            "citation": self._quoted(f.citation)}) for n, f in enumerate(reply.findings))
        actions = tuple(a.model_copy(update={"args": {"check_id": check_id}}) for a in reply.actions
                        if a.id == "submit")
        actions += tuple(a.model_copy(update={"args": {"finding_id": f.id}, "label": f"Dispute: {f.rule}"})
                         for a in reply.actions if a.id == "dispute" for f in findings)
        return reply.model_copy(update={"check_id": check_id, "findings": findings, "actions": actions})

    def _quoted(self, citation: Citation) -> Citation:
        section = self.corpus.sections.get(citation.section)
        if section is None or citation.quote:
            return citation
        quote = " ".join(section.text.split())
        if len(quote) > 280:
            quote = quote[:280].rsplit(" ", 1)[0] + " …"
        return citation.model_copy(update={"quote": quote})

    async def _checked(self, person: Person, text: str) -> CheckResult:
        """The check as `person`: their department's approved exceptions apply. Not recorded."""
        suppressions = await self.workflow.suppressions_for(self.directory.department_of(person.email))
        return self.core.check(text, suppressions, person.email)

    async def _keep_check(self, actor: str, text: str, result: CheckResult, platform: str) -> int:
        """The record_check row, with the draft and findings kept so that Send for approval and
        disputes can refer to the check by id (any replica)."""
        categories = list(dict.fromkeys(list(result.categories) or [f.category for f in result.findings]))
        row = CheckRecord(at=self.workflow.clock.now(), actor=actor, department=self.directory.department_of(actor),
                          platform=platform, verdict=result.verdict, categories=categories,
                          rules=sorted({f.rule for f in result.findings}), corpus_version=result.corpus_version,
                          draft_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), draft=text,
                          findings=[f.to_json() for f in result.findings])
        async with self.db.transaction() as session:
            session.add(row)
            await session.flush()
        assert row.id is not None
        return row.id

    async def ask(self, person: Person, question: str, platform: str) -> Reply:
        refused = _invalid_text(question)
        if refused:
            return refused
        return await self.core.ask_reply(question, person.email, platform)

    # -- the workflow ------------------------------------------------------------------------------

    async def _check_record(self, person: Person, check_id: int) -> CheckRecord | Outcome:
        async with self.db.reading() as session:
            row = await session.get(CheckRecord, check_id)
        if row is None or row.draft is None:
            return _refusal("not_found", "Not found", f"there is no check #{check_id} to refer to")
        if row.actor != person.email:
            return _refusal("forbidden", "Not allowed", "only who ran a check may send it or dispute it")
        return row

    async def submit(self, person: Person, check_id: int, *, key: str | None = None) -> Outcome:
        row = await self._check_record(person, check_id)
        if isinstance(row, Outcome):
            return row
        assert row.draft is not None
        result = await self._checked(person, row.draft)     # never trust an old verdict
        if result.verdict == "allow":
            return _refusal("invalid", "Nothing to approve", "this draft is fine to post as it is")
        out = await self.workflow.submit(person.email, row.draft, result, platform=person.platform,
                                         idempotency_key=key, check_id=check_id)
        return self._outcome(out)

    async def vote(self, person: Person, submission_id: int, version: int, value: str, note: str = "", *,
                   key: str | None = None) -> Outcome:
        return self._outcome(await self.workflow.vote(submission_id, person.email, value, note=note,
                                                      corpus_version=self.corpus.version,
                                                      idempotency_key=key, version=version))

    async def vote_on_message(self, person: Person, platform: str, channel: str, message_id: str, value: str, *,
                              key: str | None = None) -> Outcome:
        card = await self.workflow.card_for_message(platform, channel, message_id)
        if card is None:
            return _refusal("not_found", "Not a card", "that message is not an approval card")
        submission_id, version = card
        return self._outcome(await self.workflow.vote(submission_id, person.email, value,
                                                      corpus_version=self.corpus.version,
                                                      idempotency_key=key, version=version))

    async def unvote(self, person: Person, submission_id: int, version: int, *, key: str | None = None) -> Outcome:
        return self._outcome(await self.workflow.withdraw_vote(submission_id, person.email, idempotency_key=key,
                                                               version=version))

    async def comment(self, person: Person, submission_id: int, text: str, *, key: str | None = None) -> Outcome:
        refused = _invalid_text(text, 4000)
        if refused:
            return Outcome(ok=False, code="invalid", reply=refused)
        return self._outcome(await self.workflow.comment(submission_id, person.email, text, idempotency_key=key))

    async def withdraw(self, person: Person, submission_id: int, *, key: str | None = None) -> Outcome:
        return self._outcome(await self.workflow.withdraw(submission_id, person.email, idempotency_key=key))

    async def mark_posted(self, person: Person, submission_id: int, url: str = "", *,
                          key: str | None = None) -> Outcome:
        return self._outcome(await self.workflow.mark_posted(submission_id, person.email, url,
                                                             idempotency_key=key))

    async def dispute(self, person: Person, finding_id: str, reason: str, *, key: str | None = None) -> Outcome:
        head, _, index = finding_id.partition("-")
        if not head.isdigit() or not index.isdigit():
            return _refusal("invalid", "Which finding?", f"'{finding_id}' is not a finding id")
        row = await self._check_record(person, int(head))
        if isinstance(row, Outcome):
            return row
        if int(index) >= len(row.findings):
            return _refusal("not_found", "Not found", f"check #{head} has no finding {index}")
        refused = _invalid_text(reason, 4000)
        if refused:
            return Outcome(ok=False, code="invalid", reply=refused)
        f = row.findings[int(index)]
        start, end = f.get("span", [0, 0])[:2]
        return self._outcome(await self.workflow.dispute(
            person.email, f["rule"], reason, category=f.get("category", "general"),
            severity=f.get("severity", "review"), phrase=(row.draft or "")[start:end],
            corpus_version=row.corpus_version, check_id=row.id, idempotency_key=key))

    async def resolve_dispute(self, person: Person, dispute_id: int, decision: str, note: str = "", *,
                              key: str | None = None) -> Outcome:
        return self._outcome(await self.workflow.resolve_dispute(dispute_id, person.email, decision, note,
                                                                 idempotency_key=key))

    async def show(self, person: Person, submission_id: int) -> Outcome:
        view = await self.workflow.get(submission_id)
        if view is None:
            return _refusal("not_found", "Not found", f"there is no submission #{submission_id}")
        if not self.workflow.visible_to(view, person.email):
            return _refusal("forbidden", "Not allowed", f"#{submission_id} is not yours to see")
        coe = self.workflow.is_coe(person.email)
        reply = submission_reply(view, title=f"#{view.id}: {view.state.replace('_', ' ')}",
                                 audience="viewer", viewer=person.email, is_coe=coe)
        return Outcome(ok=True, code="show", reply=reply, submission_id=view.id, version=view.version)

    async def mine(self, person: Person) -> Outcome:
        return self._listing(await self.workflow.mine(person.email), person)

    async def pending(self, person: Person) -> Outcome:
        return self._listing(await self.workflow.pending(person.email), person)

    def _listing(self, out: WorkflowOutcome, person: Person) -> Outcome:
        coe = self.workflow.is_coe(person.email)
        views = [approval_view(v, viewer_actions(v, person.email, is_coe=coe)) for v in out.data["submissions"]]
        return Outcome(ok=out.ok, code=out.code, reply=out.reply,
                       data={**out.data, "submissions": views})

    @staticmethod
    def _outcome(out: WorkflowOutcome) -> Outcome:
        sub = out.submission
        return Outcome(ok=out.ok, code=out.code, reply=out.reply, notifications=out.outbox,
                       duplicate=out.duplicate, submission_id=sub.id if sub else None,
                       version=sub.version if sub else None, data=out.data)

    # -- the outbox and background jobs --------------------------------------------------------------

    def register_sender(self, platform: str, sender: Sender) -> None:
        self.workflow.outbox.register(platform, sender)

    async def dispatch(self, now: datetime | None = None, *, limit: int = 1000) -> DispatchReport:
        return await self.workflow.outbox.dispatch(now, limit=limit)

    async def run_dispatcher(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        await self.workflow.outbox.run(stop, interval)

    async def tick(self, now: datetime | None = None) -> DispatchReport:
        await self.workflow.remind_overdue(now)
        return await self.dispatch(now)

    # -- health ----------------------------------------------------------------------------------

    async def readiness(self) -> list[str]:
        return await readiness(self.db)

    async def stats(self) -> Gauges:
        return await gauges(self.db)


def _refusal(code: str, title: str, body: str) -> Outcome:
    return Outcome(ok=False, code=code, reply=error(title, body))


def _invalid_text(text: str, limit: int | None = None) -> Reply | None:
    """bot/validation.py's rules in docs/facade.md: no NUL, no lone surrogates, notes capped."""
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return error("I can't read that", "The text contains characters that are not text (NUL or broken "
                                          "Unicode); paste it again as plain text.")
    if limit is not None and len(text) > limit:
        return error("That's too long", f"Comments and reasons are limited to {limit:,} characters.")
    return None


__all__ = ["Delivery", "SendError", "Sender", "Steward", "UnknownUser", "open_steward"]
