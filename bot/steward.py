"""The facade every adapter calls: check, ask, and (with a database) the approval workflow.

Adapters translate platform events into these calls and render the neutral
replies they return; nothing here knows which platform asked.
"""

from __future__ import annotations

from bot.answerer.answer import Answer
from bot.answerer.answerer import Answerer
from bot.answerer.intent import looks_like_question
from bot.checker.engine import Checker
from bot.checker.reply import check_reply
from bot.checker.result import CheckResult, Suppression
from bot.policy.models import Corpus
from bot.replies import Reply, error
from bot.settings import CoreSettings


class Steward:
    def __init__(self, corpus: Corpus, settings: CoreSettings | None = None) -> None:
        self.corpus = corpus
        self.settings = settings or CoreSettings()
        self.checker = Checker(corpus)
        self.answerer = Answerer(corpus)

    # -- pure core calls -------------------------------------------------------------------------

    def check(self, text: str, suppressions: tuple[Suppression, ...] = ()) -> CheckResult:
        return self.checker.check(text, suppressions)

    def ask(self, question: str) -> Answer:
        return self.answerer.ask(question)

    @staticmethod
    def looks_like_question(text: str) -> bool:
        return looks_like_question(text)

    @staticmethod
    def usage(message: str) -> Reply:
        return error("I need a bit more", message)

    # -- replies for adapters ----------------------------------------------------------------------

    def _too_long(self, text: str) -> Reply | None:
        limit = self.settings.max_draft_chars
        if len(text) > limit:
            return error("That's too long for me",
                         f"I check drafts of up to {limit:,} characters; this one has {len(text):,}.")
        return None

    async def check_reply(self, text: str, person: str | None = None) -> Reply:
        if not text.strip():
            return self.usage("Paste the draft you want to post, and I'll check it.")
        refused = self._too_long(text)
        if refused:
            return refused
        result = self.check(text)
        return check_reply(result, text, self.corpus)

    async def ask_reply(self, question: str, person: str | None = None) -> Reply:
        return self.ask(question).to_reply()
