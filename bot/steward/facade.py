"""The facade: the one door every adapter uses (documented in docs/facade.md).

Adapters translate platform events into these calls and render the neutral
replies they return; nothing here knows which platform asked. Without a
database (`Steward(corpus)`) Steward still checks and answers; with one, every
check and question is recorded, approved exceptions are honoured, drafts can be
sent for approval, and notifications go through the outbox.

Every input is validated here (bot/validation.py) before it reaches the core; a
refusal is an Outcome with `code="invalid"` and nothing is stored. Refusals of
authorization (showing, submitting or disputing what one may not) are audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import validation
from bot.answerer.intent import looks_like_question
from bot.checker.engine import Checker
from bot.checker.reply import check_reply
from bot.checker.result import CheckResult, Suppression
from bot.clock import Clock, as_utc
from bot.directory import Directory
from bot.outbox import DispatchReport, Outbox, Sender
from bot.policy.models import Corpus
from bot.replies import ApprovalView, Fact, Outcome, Person, Reply, error
from bot.settings import CoreSettings
from bot.steward import convert
from bot.steward.workers import Workers

if TYPE_CHECKING:  # heavy stacks (BM25 search, database) load only when first used
    from bot.answerer.answer import Answer
    from bot.answerer.answerer import Answerer
    from bot.store.database import Database
    from bot.workflow.messages import Outcome as WorkflowOutcome
    from bot.workflow.service import WorkflowService


class UnknownUser(LookupError):
    """whoami could not map a platform user to an e-mail: ask the platform for the profile's e-mail."""


class Steward:
    def __init__(self, corpus: Corpus, *, directory: Directory | None = None,
                 workflow: WorkflowService | None = None, db: Database | None = None, clock: Clock | None = None,
                 settings: CoreSettings | None = None, workers: int = 0,
                 platforms: tuple[str, ...] = ("local",)) -> None:
        """`workers`: processes for check and ask (0 runs them inline; servers use
        `workers.default_size()`). `platforms`: where the outbox addresses notifications."""
        self.corpus = corpus
        self.settings = settings or CoreSettings()
        self.workers = Workers(corpus, workers)
        if workflow is None and db is not None:
            from bot.workflow.service import WorkflowService

            directory = directory or Directory.default()
            outbox = Outbox(db, directory, clock, platforms=platforms)
            workflow = WorkflowService(db, directory, clock, outbox=outbox,
                                       max_draft_chars=self.settings.max_draft_chars)
        self.workflow = workflow
        self.directory = directory or (workflow.directory if workflow else None)
        # A check's text is kept so "Send for approval" and disputes can refer to it by id; unsent
        # checks lose it after this long (submitted drafts follow the submissions' retention).
        self.check_text_retention = timedelta(days=30)

    @classmethod
    async def open(cls, corpus_dir: str | None = None, database_url: str | None = None, *,
                   platforms: tuple[str, ...] = ("local",), workers: int | None = None,
                   clock: Clock | None = None, migrate: bool | None = None) -> Steward:
        """A server's Steward: the corpus and routing from `corpus_dir` (POLICY_DIR, else the bundled
        policies), the database (DATABASE_URL, else STEWARD_DB; schema checked), worker processes
        sized to the machine and started now (each builds its checker and answer index at start).
        `migrate`: True applies migrations; None does on SQLite only (see bot.store.migrate.ensure_schema);
        False checks nothing at start — a server then reports a schema behind through `readiness()`."""
        from pathlib import Path

        from bot.directory import load_directory
        from bot.policy import load_corpus
        from bot.steward.workers import default_size
        from bot.store.database import Database
        from bot.store.migrate import ensure_schema
        from bot.store.settings import database_url as configured_url

        settings = CoreSettings()
        folder = settings.corpus_dir(Path(corpus_dir) if corpus_dir else None)
        db = Database(database_url or configured_url())
        if migrate is not False:
            await ensure_schema(db, auto_upgrade=migrate)
        steward = cls(load_corpus(folder), directory=load_directory(folder), db=db, clock=clock, settings=settings,
                      workers=default_size() if workers is None else workers, platforms=platforms)
        await steward.workers.warm()
        return steward

    @property
    def checker(self) -> Checker:
        return self.workers.checker

    @property
    def answerer(self) -> Answerer:
        return self.workers.answerer

    @property
    def outbox(self) -> Outbox:
        return self._needs_workflow().outbox

    async def close(self) -> None:
        """Stop the worker processes and close the database pool."""
        self.workers.close()
        if self.workflow is not None:
            await self.workflow.db.dispose()

    # -- pure core calls (no person, nothing recorded; the CLI's `check` and `ask`) ----------------

    def check(self, text: str, suppressions: tuple[Suppression, ...] | list[Suppression] = (),
              person: str = "") -> CheckResult:
        """Check a draft in this process; a draft that needs review carries its route."""
        result = self.workers.checker.check(text, tuple(suppressions))
        return self._routed(result, self.directory.department_of(person) if self.directory and person else "",
                            person)

    def ask(self, question: str) -> Answer:
        return self.answerer.ask(question)

    def _routed(self, result: CheckResult, department: str, person: str) -> CheckResult:
        if result.verdict == "review" and self.directory is not None:
            plan = self.directory.plan(((f.category, f.severity, f.rule) for f in result.findings),
                                       department, person)
            result = replace(result, route={"approvers": plan.describe(), "routes": list(plan.route_ids)})
        return result

    @staticmethod
    def looks_like_question(text: str) -> bool:
        return looks_like_question(text)

    @staticmethod
    def usage(message: str) -> Reply:
        return error("I need a bit more", message)

    # -- identity ----------------------------------------------------------------------------------

    async def whoami(self, platform: str, user_id: str, email: str | None = None, name: str | None = None,
                     department: str | None = None) -> Person:
        """A platform user as a Person. The directory's department wins; a profile's department is
        remembered for people the directory does not list. Raises UnknownUser or InvalidInput."""
        platform = validation.platform_id(platform, "platform")
        user_id = validation.platform_id(user_id, "user id")
        address = validation.email(email) if email else None
        workflow = self.workflow
        if address is None:
            known = self.directory.email_for(platform, user_id) if self.directory and platform in (  # type: ignore[arg-type]
                "slack", "teams") else None
            if known is None and workflow is not None and platform in ("slack", "teams"):
                known = await workflow.email_for_platform_user(platform, user_id)  # type: ignore[arg-type]
            if known is None:
                raise UnknownUser(f"{platform} user {user_id} has no known e-mail address")
            address = known
        elif workflow is not None:
            await workflow.remember_person(
                address, name=validation.text(name, "name", max_chars=200, required=False),
                department=validation.text(department, "department", max_chars=100, required=False),
                platform=platform if platform in ("slack", "teams") else None,  # type: ignore[arg-type]
                user_id=user_id)
        return await self._person(address, platform=platform, user_id=user_id, name=name or "")

    async def person(self, email: str, platform: str = "") -> Person:
        """A person by e-mail (the CLI, the terminal chat). Raises InvalidInput for a bad address."""
        return await self._person(validation.email(email), platform=platform)

    async def _person(self, email: str, *, platform: str = "", user_id: str = "", name: str = "") -> Person:
        department, groups = "", tuple[str, ...]()
        if self.directory is not None:
            listed = self.directory.person(email)
            department = self.directory.department_of(email)
            groups = self.directory.groups_of(email)
            name = name or (listed.name if listed else "")
        if not department and self.workflow is not None:
            from bot.store import records

            row = await records.person_row(self.workflow.db, email)
            if row is not None:
                department, name = row.department, name or row.name
        return Person(email=email, name=name, department=department, platform=platform, user_id=user_id,
                      groups=groups, is_coe=self._is_coe_email(email))

    def _is_coe_email(self, email: str) -> bool:
        if self.directory is None:
            return False
        hub = self.directory.group(self.directory.hub)
        return hub is not None and (email in hub.members or email in hub.backups)

    def is_coe(self, person: Person) -> bool:
        return self._is_coe_email(person.email)

    def in_company(self, email: str) -> bool:
        """Is the address one of the company's (a listed person, or a domain the directory uses)?"""
        if self.directory is None:
            return True
        domains = {p.email.rsplit("@", 1)[-1] for p in self.directory.spec.people}
        for group in self.directory.spec.groups.values():
            domains |= {m.rsplit("@", 1)[-1] for m in (*group.members, *group.backups)}
        return not domains or email.rsplit("@", 1)[-1] in domains

    # -- check and ask -------------------------------------------------------------------------------

    def refuse_draft(self, text: str) -> Reply | None:
        """A reply when the draft cannot be checked at all (empty, too long, not text), else None."""
        if not isinstance(text, str) or not text.strip():
            return self.usage("Paste the draft you want to post, and I'll check it.")
        limit = self.settings.max_draft_chars
        if len(text) > limit:
            return error("That's too long for me",
                         f"I check drafts of up to {limit:,} characters; this one has {len(text):,}.")
        try:
            validation.text(text, "draft", max_chars=limit)
        except validation.InvalidInput as exc:
            return error("I can't check that", str(exc).capitalize() + ".")
        return None

    async def check_draft(self, person: Person, text: str, platform: str = "") -> Reply:
        """Check a draft as `person` (their department's exceptions apply) and record it; the reply
        carries the check id and finding ids (see docs/facade.md)."""
        refused = self.refuse_draft(text)
        if refused:
            return refused
        suppressions: list[Suppression] = []
        if self.workflow is not None:
            suppressions = await self.workflow.suppressions_for(person.department)
        result = self._routed(await self.workers.check(text, suppressions), person.department, person.email)
        check_id = None
        if self.workflow is not None:
            from bot.store import records

            check_id = await records.record_check(
                self.workflow.db, self.workflow.clock, person.email, result, draft=text,
                department=person.department, platform=platform, keep_draft=True)
        route = result.route["approvers"] if result.route else ""
        reply = convert.with_quotes(check_reply(result, text, self.corpus, route_label=route), self.corpus)
        return convert.with_handles(reply, result, check_id)

    async def ask_question(self, person: Person, question: str, platform: str = "") -> Reply:
        try:
            question = validation.text(question, "question", max_chars=self.settings.max_draft_chars)
        except validation.InvalidInput as exc:
            return self.usage(str(exc).capitalize() + ".")
        answer = await self.workers.ask(question)
        if self.workflow is not None and answer.reason in ("answered", "not_covered"):
            await self.workflow.record_question(
                person.email, question, answer.answered, categories=answer.categories,
                sections=[c.section for c in answer.citations], confidence=answer.confidence,
                corpus_version=answer.corpus_version, department=person.department, platform=platform)
        return answer.to_reply()

    # -- the approval workflow -------------------------------------------------------------------------

    def _needs_workflow(self) -> WorkflowService:
        if self.workflow is None:
            raise RuntimeError("this Steward has no database: approvals are unavailable")
        return self.workflow

    async def _guarded(self, person: Person, call: Callable[[WorkflowService], Awaitable[WorkflowOutcome]]
                       ) -> Outcome:
        workflow = self.workflow
        if workflow is None:
            return convert.refused("unavailable", "Approvals need a database; this Steward has none.")
        try:
            out = await call(workflow)
        except validation.InvalidInput as exc:
            return convert.refused("invalid", str(exc).capitalize() + ".")
        return convert.outcome(out, person.email, is_coe=self.is_coe(person))

    async def _own_check(self, workflow: WorkflowService, person: Person, check_id: int, action: str
                         ) -> tuple[Any, WorkflowOutcome | None]:
        from bot.store import records

        check = await records.check_row(workflow.db, check_id)
        if check is None or check.actor != person.email:
            # Someone else's check reads as "not found" too: ids must not reveal whether a draft exists.
            out = await workflow.refuse(action, person.email, f"there is no check #{check_id} of yours",
                                        code="not_found", title="Not found")
            return None, out
        if check.draft is None:
            out = await workflow.refuse(action, person.email, f"the text of check #{check_id} was removed under "
                                        "the retention policy; check the draft again", code="invalid")
            return None, out
        return check, None

    async def submit(self, person: Person, check_id: int, *, key: str | None = None) -> Outcome:
        """Send a recorded check's draft for approval (by its id: the text never travels)."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            cid, k = validation.identifier(check_id, "check id"), validation.key(key)
            check, refused = await self._own_check(workflow, person, cid, "submit")
            if refused is not None:
                return refused
            result = convert.result_from_record(check.verdict, check.findings, check.corpus_version,
                                                check.categories)
            return await workflow.submit(person.email, check.draft, result, department=person.department,
                                         platform=check.platform, idempotency_key=k, check_id=cid)

        return await self._guarded(person, call)

    async def resubmit(self, person: Person, submission_id: int, check_id: int, *, key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid, cid, k = (validation.identifier(submission_id, "submission number"),
                           validation.identifier(check_id, "check id"), validation.key(key))
            check, refused = await self._own_check(workflow, person, cid, "resubmit")
            if refused is not None:
                return refused
            result = convert.result_from_record(check.verdict, check.findings, check.corpus_version,
                                                check.categories)
            return await workflow.resubmit(sid, person.email, check.draft, result, idempotency_key=k, check_id=cid)

        return await self._guarded(person, call)

    async def vote(self, person: Person, submission_id: int, version: int, value: str, note: str = "", *,
                   key: str | None = None) -> Outcome:
        """Vote on the version the approver saw; a superseded version is refused (`stale_version`)."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid = validation.identifier(submission_id, "submission number")
            ver = validation.identifier(version, "version")
            choice = validation.choice(value, "vote", ("approve", "reject", "changes"))
            text = validation.text(note, "note", required=False)
            return await workflow.vote(sid, person.email, choice, note=text, corpus_version=self.corpus.version,
                                       idempotency_key=validation.key(key), version=ver)

        return await self._guarded(person, call)

    async def _card(self, platform: str, channel: str, message_id: str) -> tuple[int, int] | Outcome:
        """The submission and version an approval card showed, or the refusal to return (a bad id,
        a message that is not a card). Cards recorded before versions were stored show the current one."""
        try:
            card = await self._needs_workflow().card_for_message(
                validation.platform_id(platform, "platform"), validation.platform_id(channel, "channel"),
                validation.platform_id(message_id, "message id"))
        except validation.InvalidInput as exc:
            return convert.refused("invalid", str(exc).capitalize() + ".")
        if card is None:
            return convert.refused("not_found", "That message is not an approval card.", "Not found")
        sid, version = card
        if version is None:
            view = await self._needs_workflow().get(sid)
            version = view.version if view else 1
        return sid, version

    async def vote_on_message(self, person: Person, platform: str, channel: str, message_id: str, value: str, *,
                              key: str | None = None, note: str = "") -> Outcome:
        """A reaction or button on a card: votes on the submission and version that card showed."""
        card = await self._card(platform, channel, message_id)
        if isinstance(card, Outcome):
            return card
        sid, version = card
        return await self.vote(person, sid, version, value, note, key=key)

    async def unvote(self, person: Person, submission_id: int, version: int, *, key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid = validation.identifier(submission_id, "submission number")
            ver = validation.identifier(version, "version")
            return await workflow.withdraw_vote(sid, person.email, idempotency_key=validation.key(key), version=ver)

        return await self._guarded(person, call)

    async def unvote_on_message(self, person: Person, platform: str, channel: str, message_id: str, *,
                                key: str | None = None) -> Outcome:
        card = await self._card(platform, channel, message_id)
        if isinstance(card, Outcome):
            return card
        sid, version = card
        return await self.unvote(person, sid, version, key=key)

    async def comment(self, person: Person, submission_id: int, text: str, *, key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid = validation.identifier(submission_id, "submission number")
            body = validation.text(text, "comment")
            return await workflow.comment(sid, person.email, body, idempotency_key=validation.key(key))

        return await self._guarded(person, call)

    async def comment_on_message(self, person: Person, platform: str, channel: str, message_id: str, text: str, *,
                                 key: str | None = None) -> Outcome:
        """A reply in a card's thread."""
        card = await self._card(platform, channel, message_id)
        if isinstance(card, Outcome):
            return card
        return await self.comment(person, card[0], text, key=key)

    async def withdraw(self, person: Person, submission_id: int, *, key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid = validation.identifier(submission_id, "submission number")
            return await workflow.withdraw(sid, person.email, idempotency_key=validation.key(key))

        return await self._guarded(person, call)

    async def mark_posted(self, person: Person, submission_id: int, url: str = "", *,
                          key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            sid = validation.identifier(submission_id, "submission number")
            link = validation.text(url, "URL", max_chars=2_000, required=False)
            return await workflow.mark_posted(sid, person.email, link, idempotency_key=validation.key(key))

        return await self._guarded(person, call)

    # -- disputes and exceptions ---------------------------------------------------------------------

    def _rule(self, rule_id: str) -> Any:
        return next((r for r in self.corpus.rules if r.id == rule_id), None)

    async def dispute(self, person: Person, finding_id: str, reason: str, *, key: str | None = None) -> Outcome:
        """Say a finding of your own check is wrong. Rule, category, severity and the phrase come from
        the check and the corpus; the route from the rule and the directory's department."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            raw = validation.text(finding_id, "finding id", max_chars=60)
            check_part, _, index_part = raw.partition("-")
            cid = validation.identifier(check_part, "finding id")
            index = int(index_part) if index_part.isascii() and index_part.isdigit() else -1
            why = validation.text(reason, "reason")
            k = validation.key(key)
            check, refused = await self._own_check(workflow, person, cid, "dispute")
            if refused is not None:
                return refused
            if not 0 <= index < len(check.findings):
                return await workflow.refuse("dispute", person.email,
                                             f"check #{cid} has no finding {raw}", code="not_found", title="Not found")
            f = check.findings[index]
            rule = self._rule(f["rule"])
            start, end = f["span"][:2]
            return await workflow.dispute(
                person.email, f["rule"], why, category=rule.category if rule else f["category"],
                severity=rule.severity if rule else f["severity"], phrase=check.draft[start:end],
                submission_id=check.submission_id, corpus_version=check.corpus_version, check_id=cid,
                idempotency_key=k)

        return await self._guarded(person, call)

    async def resolve_dispute(self, person: Person, dispute_id: int, decision: str, note: str = "", *,
                              key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            did = validation.identifier(dispute_id, "dispute number")
            choice = validation.choice(decision, "dispute decision", ("uphold", "false_positive"))
            text = validation.text(note, "note", required=False)
            return await workflow.resolve_dispute(did, person.email, choice, text, idempotency_key=validation.key(key))

        return await self._guarded(person, call)

    async def exceptions(self, person: Person, *, include_inactive: bool = False) -> Outcome:
        """Every exception in force (false positives), for the CoE hub."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            from bot.workflow.messages import Outcome as WO

            if not self.is_coe(person):
                return await workflow.refuse("exceptions", person.email, "only the CoE hub may list exceptions")
            rows = await workflow.exceptions(include_inactive=include_inactive)
            facts = tuple(Fact(label=f"#{r['id']} {r['rule']}",
                               value=f"“{r['phrase'] or 'any text'}” in {r['department'] or 'every department'}"
                                     f", until {r['expires_at'] or 'revoked'}" + ("" if r["active"] else " (ended)"))
                          for r in rows)
            title = f"{len(rows)} exception(s)" if rows else "No exceptions in force"
            return WO(ok=True, code="list", reply=Reply(kind="list", title=title, facts=facts),
                      data={"exceptions": rows})

        return await self._guarded(person, call)

    async def revoke_exception(self, person: Person, exception_id: int, reason: str, *,
                               key: str | None = None) -> Outcome:
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            eid = validation.identifier(exception_id, "exception number")
            why = validation.text(reason, "reason")
            return await workflow.revoke_exception(eid, person.email, why, idempotency_key=validation.key(key))

        return await self._guarded(person, call)

    # -- reading -------------------------------------------------------------------------------------

    async def show(self, person: Person, submission_id: int) -> Outcome:
        """A submission with its text, findings, votes and comments: only for the requester, those who
        may decide it and the CoE hub. Anyone else is refused, and the refusal is audited."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            from bot.workflow.messages import Outcome as WO
            from bot.workflow.messages import submission_reply

            sid = validation.identifier(submission_id, "submission number")
            view = await workflow.get(sid)
            if view is None or not workflow.visible_to(view, person.email):
                # The same answer whether it does not exist or is not yours: ids reveal nothing.
                return await workflow.refuse("show", person.email, f"#{sid} is not a submission you may see",
                                             code="forbidden", submission_id=sid if view else None)
            reply = submission_reply(view, title=f"Submission #{view.id} (version {view.version})",
                                     audience="viewer", viewer=person.email, is_coe=self.is_coe(person))
            comments = tuple(Fact(label=f"{c.author} commented", value=c.body) for c in view.comments)
            return WO(ok=True, code="show", reply=reply.model_copy(update={"facts": reply.facts + comments}),
                      submission=view)

        return await self._guarded(person, call)

    async def mine(self, person: Person) -> Outcome:
        return await self._guarded(person, lambda w: w.mine(person.email))

    async def pending(self, person: Person, *, limit: int = 50, offset: int = 0) -> Outcome:
        """What `person` may decide: `limit` submissions (oldest first) from `offset`, all open disputes;
        `data["total"]` counts every waiting submission."""
        async def call(workflow: WorkflowService) -> WorkflowOutcome:
            if not 1 <= limit <= 1000 or not 0 <= offset <= validation.MAX_ID:
                raise validation.InvalidInput("the page must hold 1 to 1,000 submissions from a position of 0 or more")
            return await workflow.pending(person.email, limit=limit, offset=offset)

        return await self._guarded(person, call)

    # -- links, references -----------------------------------------------------------------------------

    async def link_message(self, submission_id: int, version: int, platform: str, channel: str,
                           message_id: str) -> None:
        await self._needs_workflow().link_message(
            validation.identifier(submission_id, "submission number"), validation.platform_id(platform, "platform"),
            validation.platform_id(channel, "channel"), validation.platform_id(message_id, "message id"),
            version=validation.identifier(version, "version"))

    async def save_conversation_ref(self, platform: str, address: str, reference: dict[str, Any]) -> None:
        await self._needs_workflow().save_conversation_ref(platform, address, reference)

    async def conversation_ref(self, platform: str, address: str) -> dict[str, Any] | None:
        return await self._needs_workflow().conversation_ref(platform, address)

    async def card_viewers(self, platform: str, approval: ApprovalView) -> tuple[str, ...]:
        """Platform ids of the people who may vote on this approval (members and backups of its
        groups, never the requester): the viewers a card refreshes for (Teams' refresh.userIds)."""
        if self.directory is None or approval.final:
            return ()
        emails: list[str] = []
        for q in approval.quorum:
            for gid in q.groups:
                group = self.directory.group(gid)
                if group is not None:
                    emails += [e for e in (*group.members, *group.backups) if e not in emails]
        ids: list[str] = []
        for email in emails:
            if email == approval.requester:
                continue
            listed = self.directory.person(email)
            known = getattr(listed, f"{platform}_id", "") if listed else ""
            if not known and self.workflow is not None:
                from bot.store import records

                row = await records.person_row(self.workflow.db, email)
                known = (getattr(row, f"{platform}_id", None) or "") if row else ""
            if known:
                ids.append(known)
        return tuple(ids)

    # -- for servers: the directory's people, health, the database adapters may keep their own rows in --

    def people(self) -> list[Person]:
        """Everyone the directory lists (the web chat's demo personas)."""
        if self.directory is None:
            return []
        return [Person(email=p.email, name=p.name, department=p.department,
                       groups=self.directory.groups_of(p.email), is_coe=self._is_coe_email(p.email))
                for p in self.directory.spec.people]

    def group_name(self, group_id: str) -> str:
        group = self.directory.group(group_id) if self.directory is not None else None
        return (group.name if group else "") or group_id

    @property
    def db(self) -> Database:
        """The database, for an adapter's own tables (the web chat's message history); the workflow's
        tables are only ever changed through the calls above."""
        return self._needs_workflow().db

    async def readiness(self) -> list[str]:
        """Why this replica should not take traffic ([] when ready): database unreachable, schema behind."""
        from bot.store.health import readiness

        return await readiness(self._needs_workflow().db)

    async def stats(self) -> Any:
        """Gauges for /metrics (submissions by state, pending approvals, outbox depth, dead letters)."""
        from bot.store.health import gauges

        return await gauges(self._needs_workflow().db)

    # -- outbox and schedule -------------------------------------------------------------------------

    def register_sender(self, platform: str, sender: Sender) -> None:
        self.outbox.register(platform, sender)

    async def dispatch(self, now: datetime | None = None, *, limit: int = 1000) -> DispatchReport:
        return await self.outbox.dispatch(now, limit=limit)

    async def run_dispatcher(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        await self.outbox.run(stop, interval)

    async def tick(self, now: datetime | None = None) -> Outcome:
        """The SLA jobs due at `now` (reminders, escalations, expiries: into the outbox), one outbox
        pass, and the retention of check texts. Safe on every replica at once."""
        workflow = self._needs_workflow()
        moment = as_utc(now) if now is not None else None
        out = await workflow.remind_overdue(moment)
        await self.post_digest(moment)
        report = await workflow.outbox.dispatch(moment)
        from bot.store import records

        purged = await records.purge_check_drafts(workflow.db, workflow.clock, self.check_text_retention)
        public = convert.outcome(out)
        return public.model_copy(update={"data": {**public.data, "dispatch": vars(report),
                                                  "check_drafts_purged": purged}})

    async def coe(self, person: Person, command: str) -> Outcome:
        """A `/coe …` command as typed after `/coe` (report, pending, gaps, rules, spokes, digest,
        export, help): CoE hub members only, a refusal audited. See bot/steward/coe.py."""
        workflow = self._needs_workflow()
        if not self.is_coe(person):
            return convert.outcome(await workflow.refuse(
                "coe", person.email, "only the social media CoE team may run /coe commands",
                title="That's for the CoE team"))
        from bot.steward.coe import run_coe

        return await run_coe(workflow.db, workflow.directory, workflow.clock, self.corpus, command)

    async def post_digest(self, now: datetime | None = None) -> bool:
        """Post this week's digest to the hub's channel once it is due: exactly one replica does
        it (a database-claimed job); True when this call posted it."""
        from bot.steward.coe import post_digest

        workflow = self._needs_workflow()
        return await post_digest(workflow, as_utc(now) if now is not None else workflow.clock.now())
