"""The facade every adapter calls: check, ask, submit, vote, pending, and the rest of the workflow.

Adapters translate platform events into these calls and render the neutral
replies they return; nothing here knows which platform asked. Without a
database (`workflow=None`) Steward still checks and answers; with one, every
check and question is recorded, approved exceptions are honoured, and drafts
can be sent for approval.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from bot.answerer.intent import looks_like_question
from bot.checker.engine import Checker
from bot.checker.reply import check_reply
from bot.checker.result import CheckResult, Suppression
from bot.directory import Directory
from bot.policy.models import Corpus
from bot.replies import Reply, error
from bot.settings import CoreSettings

if TYPE_CHECKING:  # heavy stacks (BM25 search, database) load only when first used
    from bot.answerer.answer import Answer
    from bot.answerer.answerer import Answerer
    from bot.workflow.messages import Outcome
    from bot.workflow.service import WorkflowService


class Steward:
    def __init__(self, corpus: Corpus, *, directory: Directory | None = None,
                 workflow: WorkflowService | None = None, settings: CoreSettings | None = None) -> None:
        self.corpus = corpus
        self.settings = settings or CoreSettings()
        self.checker = Checker(corpus)
        self.workflow = workflow
        self.directory = directory or (workflow.directory if workflow else None)

    @cached_property
    def answerer(self) -> Answerer:
        """Built on the first question: a check-only process never pays for the index."""
        from bot.answerer.answerer import Answerer

        return Answerer(self.corpus)

    # -- pure core calls -------------------------------------------------------------------------

    def check(self, text: str, suppressions: tuple[Suppression, ...] | list[Suppression] = (),
              person: str = "") -> CheckResult:
        """Check a draft; a draft that needs review carries its route (who will approve it)."""
        result = self.checker.check(text, tuple(suppressions))
        if result.verdict == "review" and self.directory is not None:
            department = self.directory.department_of(person) if person else ""
            plan = self.directory.plan(((f.category, f.severity, f.rule) for f in result.findings),
                                       department, person)
            result = replace(result, route={"approvers": plan.describe(), "routes": list(plan.route_ids)})
        return result

    def ask(self, question: str) -> Answer:
        return self.answerer.ask(question)

    @staticmethod
    def looks_like_question(text: str) -> bool:
        return looks_like_question(text)

    @staticmethod
    def usage(message: str) -> Reply:
        return error("I need a bit more", message)

    # -- replies for adapters ----------------------------------------------------------------------

    def refuse_draft(self, text: str) -> Reply | None:
        """A reply when the draft cannot be checked at all (empty, too long), else None."""
        if not text.strip():
            return self.usage("Paste the draft you want to post, and I'll check it.")
        limit = self.settings.max_draft_chars
        if len(text) > limit:
            return error("That's too long for me",
                         f"I check drafts of up to {limit:,} characters; this one has {len(text):,}.")
        return None

    async def check_draft(self, text: str, person: str, platform: str = "") -> CheckResult:
        """Check as `person`: their department's approved exceptions apply, and it is recorded."""
        suppressions: list[Suppression] = []
        if self.workflow is not None:
            suppressions = await self.workflow.suppressions_for(self.workflow.directory.department_of(person))
        result = self.check(text, suppressions, person)
        if self.workflow is not None:
            await self.workflow.record_check(person, result, draft=text, platform=platform)
        return result

    async def check_reply(self, text: str, person: str, platform: str = "") -> Reply:
        refused = self.refuse_draft(text)
        if refused:
            return refused
        result = await self.check_draft(text, person, platform)
        route = result.route["approvers"] if result.route else ""
        return check_reply(result, text, self.corpus, route_label=route)

    async def ask_reply(self, question: str, person: str, platform: str = "") -> Reply:
        answer = self.ask(question)
        if self.workflow is not None and answer.reason in ("answered", "not_covered"):
            await self.workflow.record_question(
                person, question, answer.answered, categories=answer.categories,
                sections=[c.section for c in answer.citations], confidence=answer.confidence,
                corpus_version=answer.corpus_version, platform=platform)
        return answer.to_reply()

    # -- the approval workflow ---------------------------------------------------------------------

    def _needs_workflow(self) -> WorkflowService:
        if self.workflow is None:
            raise RuntimeError("this Steward has no database: approvals are unavailable")
        return self.workflow

    async def submit(self, person: str, text: str, *, platform: str = "",
                     idempotency_key: str | None = None) -> Outcome:
        """Check the draft again (never trust a client's verdict) and send it for approval."""
        workflow = self._needs_workflow()
        refused = self.refuse_draft(text)
        if refused:
            from bot.workflow.messages import Outcome

            return Outcome(ok=False, code="invalid", reply=refused)
        result = await self.check_draft(text, person, platform)
        return await workflow.submit(person, text, result, platform=platform, idempotency_key=idempotency_key)

    async def vote(self, person: str, submission_id: int, value: str, *, note: str = "",
                   idempotency_key: str | None = None) -> Outcome:
        return await self._needs_workflow().vote(submission_id, person, value, note=note,
                                                 corpus_version=self.corpus.version,
                                                 idempotency_key=idempotency_key)

    async def pending(self, person: str) -> Outcome:
        return await self._needs_workflow().pending(person)
