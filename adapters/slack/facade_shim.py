"""TEMPORARY: the documented facade (docs/facade.md) over the older `bot.steward.Steward` of this branch.

The core engineer is implementing docs/facade.md on branch `core`; this branch still has the older
facade (person as an e-mail string, submit by text, no check ids). Everything the Slack adapter
needs that the older facade lacks lives here, in ONE place, and only here may reach behind the
facade. At merge the lead deletes this file and the `adapt()` call in adapters/slack/mount.py:
the adapter then talks to the real facade with the same method names and arguments.
"""

from __future__ import annotations

from typing import Any

from bot.outbox import Delivery, Sender, SendError  # docs/facade.md: exported by bot.steward
from bot.replies import Action, Outcome, Person, Reply, error
from bot.steward import Steward

__all__ = ["Delivery", "FacadeShim", "SendError", "Sender", "UnknownUser", "adapt"]


class UnknownUser(LookupError):
    """Neither an e-mail nor a remembered link: the adapter asks the platform for the e-mail."""


def adapt(steward: Any) -> Any:
    """The steward itself when it already speaks docs/facade.md, else the shim around it."""
    return steward if hasattr(steward, "whoami") else FacadeShim(steward)


class FacadeShim:
    def __init__(self, steward: Steward) -> None:
        if steward.workflow is None:
            raise ValueError("the Slack adapter needs a Steward with a database (approvals, identities)")
        self.steward = steward
        self.workflow = steward.workflow

    # -- identity -------------------------------------------------------------------------------

    async def whoami(self, platform: str, user_id: str, email: str | None = None, name: str | None = None,
                     department: str | None = None) -> Person:
        wf = self.workflow
        if email:
            email = email.strip().lower()
            await wf.remember_person(email, name=name or "", department=department or "",
                                     platform=platform, user_id=user_id)  # type: ignore[arg-type]
        else:
            email = await wf.email_for_platform_user(platform, user_id)  # type: ignore[arg-type]
            if email is None:
                raise UnknownUser(f"{platform} user {user_id} has no known e-mail")
        known = wf.directory.person(email)
        return Person(email=email, name=(known.name if known and known.name else name or ""),
                      department=wf.directory.department_of(email) or department or "",
                      platform=platform, user_id=user_id, groups=wf.directory.groups_of(email),
                      is_coe=wf.is_coe(email))

    def is_coe(self, person: Person) -> bool:
        return self.workflow.is_coe(person.email)

    def looks_like_question(self, text: str) -> bool:
        return self.steward.looks_like_question(text)

    # -- checking and asking --------------------------------------------------------------------

    async def check(self, person: Person, text: str, platform: str) -> Reply:
        from bot.checker.reply import check_reply

        refused = self.steward.refuse_draft(text)
        if refused or "\x00" in text:
            return refused or error("I can't read that", "The draft contains a NUL character.")
        wf = self.workflow
        suppressions = await wf.suppressions_for(wf.directory.department_of(person.email))
        result = self.steward.check(text, suppressions, person.email)
        check_id = await self._record_check(person, result, text, platform)
        route = result.route["approvers"] if result.route else ""
        reply = check_reply(result, text, self.steward.corpus, route_label=route)
        findings = tuple(f.model_copy(update={"id": f"{check_id}-{n}", "span": result.findings[n].span})
                         for n, f in enumerate(reply.findings))
        actions: tuple[Action, ...] = ()
        if reply.verdict == "review":
            actions += (Action(id="submit", label="Send for approval", style="primary", value=str(check_id),
                               args={"check_id": check_id}),)
        actions += tuple(Action(id="dispute", label="This finding is wrong", value=f.id, args={"finding_id": f.id})
                         for f in findings)
        return reply.model_copy(update={"check_id": check_id, "findings": findings, "actions": actions})

    async def _record_check(self, person: Person, result: Any, text: str, platform: str) -> int:
        """One retried transaction that keeps the draft and findings (the older record_check keeps neither)."""
        import hashlib

        from bot.store.tables import CheckRecord

        wf = self.workflow
        row_values = dict(
            actor=person.email, department=wf.directory.department_of(person.email), platform=platform,
            verdict=result.verdict, categories=list(dict.fromkeys(f.category for f in result.findings)),
            rules=sorted({f.rule for f in result.findings}), corpus_version=result.corpus_version,
            draft_hash=hashlib.sha256(text.encode()).hexdigest(), draft=text,
            findings=[{"rule": f.rule, "category": f.category, "severity": f.severity, "span": list(f.span),
                       "excerpt": text[f.span[0]:f.span[1]]} for f in result.findings])

        async def add(session: Any) -> int:
            row = CheckRecord(at=wf.clock.now(), **row_values)
            session.add(row)
            await session.flush()
            assert row.id is not None
            return row.id

        return await wf.db.retrying(add)

    async def ask(self, person: Person, question: str, platform: str) -> Reply:
        return await self.steward.ask_reply(question, person.email, platform)

    # -- the approval workflow ------------------------------------------------------------------

    async def _check_row(self, person: Person, check_id: int) -> Any:
        from bot.store.tables import CheckRecord

        async with self.workflow.db.reading() as session:
            row = await session.get(CheckRecord, check_id)
        if row is None or row.draft is None:
            return Outcome(ok=False, code="not_found", reply=error("Not found", f"there is no check #{check_id}"))
        if row.actor != person.email:
            return Outcome(ok=False, code="forbidden", reply=error("Not allowed", "that check is not yours"))
        return row

    async def submit(self, person: Person, check_id: int, *, key: str | None = None) -> Outcome:
        row = await self._check_row(person, check_id)
        if isinstance(row, Outcome):
            return row
        wf = self.workflow
        result = self.steward.check(row.draft, await wf.suppressions_for(wf.directory.department_of(person.email)),
                                    person.email)
        if result.verdict == "allow":
            return Outcome(ok=False, code="invalid", reply=error("Nothing to approve", "This draft is fine to post."))
        return _outcome(await wf.submit(person.email, row.draft, result, platform=row.platform,
                                        idempotency_key=key, check_id=check_id))

    async def resubmit(self, person: Person, submission_id: int, check_id: int, *, key: str | None = None) -> Outcome:
        row = await self._check_row(person, check_id)
        if isinstance(row, Outcome):
            return row
        wf = self.workflow
        result = self.steward.check(row.draft, await wf.suppressions_for(wf.directory.department_of(person.email)),
                                    person.email)
        return _outcome(await wf.resubmit(submission_id, person.email, row.draft, result, idempotency_key=key,
                                          check_id=check_id))

    async def vote(self, person: Person, submission_id: int, version: int, value: str, note: str = "", *,
                   key: str | None = None) -> Outcome:
        return _outcome(await self.workflow.vote(submission_id, person.email, value, note=note, version=version,
                                                 corpus_version=self.steward.corpus.version, idempotency_key=key))

    async def unvote(self, person: Person, submission_id: int, version: int, *, key: str | None = None) -> Outcome:
        return _outcome(await self.workflow.withdraw_vote(submission_id, person.email, version=version,
                                                          idempotency_key=key))

    async def _card(self, platform: str, channel: str, message_id: str) -> tuple[int, int | None] | None:
        return await self.workflow.card_for_message(platform, channel, message_id)

    async def vote_on_message(self, person: Person, platform: str, channel: str, message_id: str, value: str, *,
                              key: str | None = None) -> Outcome:
        card = await self._card(platform, channel, message_id)
        if card is None:
            return _not_a_card()
        return await self.vote(person, card[0], card[1] or 1, value, key=key)

    async def unvote_on_message(self, person: Person, platform: str, channel: str, message_id: str, *,
                                key: str | None = None) -> Outcome:
        card = await self._card(platform, channel, message_id)
        if card is None:
            return _not_a_card()
        return await self.unvote(person, card[0], card[1] or 1, key=key)

    async def comment(self, person: Person, submission_id: int, text: str, *, key: str | None = None) -> Outcome:
        return _outcome(await self.workflow.comment(submission_id, person.email, text, idempotency_key=key))

    async def comment_on_message(self, person: Person, platform: str, channel: str, message_id: str, text: str, *,
                                 key: str | None = None) -> Outcome:
        card = await self._card(platform, channel, message_id)
        if card is None:
            return _not_a_card()
        return await self.comment(person, card[0], text, key=key)

    async def withdraw(self, person: Person, submission_id: int, *, key: str | None = None) -> Outcome:
        return _outcome(await self.workflow.withdraw(submission_id, person.email, idempotency_key=key))

    async def dispute(self, person: Person, finding_id: str, reason: str, *, key: str | None = None) -> Outcome:
        check, _, index = finding_id.partition("-")
        if not (check.isdigit() and index.isdigit()):
            return Outcome(ok=False, code="invalid", reply=error("Not a finding", f"'{finding_id}' is not a finding id"))
        row = await self._check_row(person, int(check))
        if isinstance(row, Outcome):
            return row
        if int(index) >= len(row.findings):
            return Outcome(ok=False, code="not_found", reply=error("Not found", f"there is no finding {finding_id}"))
        f = row.findings[int(index)]
        return _outcome(await self.workflow.dispute(
            person.email, f["rule"], reason, category=f["category"], phrase=f.get("excerpt", ""),
            severity=f["severity"], corpus_version=row.corpus_version, check_id=row.id, idempotency_key=key))

    async def resolve_dispute(self, person: Person, dispute_id: int, decision: str, note: str = "", *,
                              key: str | None = None) -> Outcome:
        return _outcome(await self.workflow.resolve_dispute(dispute_id, person.email, decision, note,
                                                            idempotency_key=key))

    # -- reading --------------------------------------------------------------------------------

    async def mine(self, person: Person) -> Outcome:
        return _outcome(await self.workflow.mine(person.email), viewer=person.email)

    async def pending(self, person: Person) -> Outcome:
        return _outcome(await self.workflow.pending(person.email), viewer=person.email)

    # -- the outbox -----------------------------------------------------------------------------

    def register_sender(self, platform: str, sender: Any) -> None:
        outbox = self.workflow.outbox
        if platform not in outbox.platforms:
            outbox.platforms = (*outbox.platforms, platform)
        outbox.register(platform, sender)

    async def dispatch(self, now: Any = None, *, limit: int = 1000) -> Any:
        return await self.workflow.outbox.dispatch(now, limit=limit)


def _not_a_card() -> Outcome:
    return Outcome(ok=False, code="not_found", reply=error("Not a card", "that message is not an approval card"))


def _outcome(old: Any, viewer: str = "") -> Outcome:
    """The older workflow Outcome as the documented one (submission views become ApprovalViews)."""
    from bot.workflow.messages import approval_view, viewer_actions

    data = dict(old.data)
    if "submissions" in data:
        data["submissions"] = [approval_view(v, viewer_actions(v, viewer)) for v in data["submissions"]]
    sub = old.submission
    return Outcome(ok=old.ok, code=old.code, reply=old.reply, notifications=old.outbox, duplicate=old.duplicate,
                   submission_id=sub.id if sub else None, version=sub.version if sub else None, data=data)
