"""The terminal chat: typed lines in, core calls, neutral replies rendered as text.

It is the model for the other adapters: `handle(line)` is the pure
"platform input → core call → rendered reply" path, and the REPL around it is
only wiring. Tests drive `handle` directly (errbot's testbot idea).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.replies import Reply
from bot.steward import Steward
from bot.text_render import render_text
from bot.workflow.messages import Outcome
from bot.workflow.service import WorkflowService

HELP = """\
Type a draft post to check it, or a question about the policy to get an answer.
  /check TEXT        check TEXT as a draft, whatever it looks like
  /ask QUESTION      answer QUESTION from the policy
  /help              this help
  /quit              leave (Ctrl-D works too)"""

HELP_WORKFLOW = """
Approvals:
  /submit [TEXT]     send TEXT (or the last draft you checked) for approval
  /pending           drafts waiting for your decision
  /mine              your own submissions
  /approve ID [NOTE] /reject ID [NOTE] /changes ID [NOTE]   decide on a submission
  /unvote ID         withdraw your vote      /comment ID TEXT   comment on it
  /withdraw ID       withdraw your own submission
  /dispute RULE REASON   say a finding is wrong (a reviewer decides)
  /as EMAIL          act as someone else (to try the approver's side)"""

Command = Callable[[str], Awaitable[list[Reply]]]


class TerminalChat:
    def __init__(self, steward: Steward, person: str = "you@localhost") -> None:
        self.steward = steward
        self.person = person
        self.last_draft: str | None = None
        self.commands: dict[str, Command] = {"/check": self._check, "/ask": self._ask}
        self.help = HELP
        if steward.workflow is not None:
            self.help += HELP_WORKFLOW
            self.commands.update({
                "/submit": self._submit, "/pending": self._pending, "/mine": self._mine,
                "/approve": self._decide("approve"), "/reject": self._decide("reject"),
                "/changes": self._decide("changes"),
                "/unvote": self._on_submission("/unvote", lambda sid, _: self._workflow.withdraw_vote(sid, self.person)),
                "/withdraw": self._on_submission("/withdraw", lambda sid, _: self._workflow.withdraw(sid, self.person)),
                "/comment": self._comment, "/dispute": self._dispute,
                "/as": self._as,
            })

    async def handle(self, line: str) -> str:
        """One typed line → the text to show. Never raises for bad input."""
        line = line.strip()
        if not line:
            return ""
        if line in ("/help", "?"):
            return self.help
        word, _, rest = line.partition(" ")
        if word.startswith("/"):
            command = self.commands.get(word.lower())
            if command is None:
                return f"Unknown command {word}. Type /help for the list."
            replies = await command(rest.strip())
        elif self.steward.looks_like_question(line):
            replies = await self._ask(line)
        else:
            replies = await self._check(line)
        return "\n\n".join(render_text(r) for r in replies)

    # -- check and ask ---------------------------------------------------------------------------

    async def _check(self, text: str) -> list[Reply]:
        if not text.strip():
            return [self.steward.usage("Give the draft after /check.")]
        self.last_draft = text
        return [await self.steward.check_reply(text, self.person, platform="terminal")]

    async def _ask(self, question: str) -> list[Reply]:
        if not question.strip():
            return [self.steward.usage("Give the question after /ask.")]
        return [await self.steward.ask_reply(question, self.person, platform="terminal")]

    # -- workflow --------------------------------------------------------------------------------

    @staticmethod
    def _shown(outcome: Outcome) -> list[Reply]:
        """The actor's reply, then one line per notification the chat platforms would deliver."""
        replies = [outcome.reply]
        for n in outcome.notifications:
            where = n.to.name or n.to.id
            replies.append(Reply(kind="notice", title=f"→ {where}: {n.reply.title}", body=n.reply.body))
        return replies

    @staticmethod
    def _id_and_rest(args: str) -> tuple[int | None, str]:
        head, _, rest = args.partition(" ")
        return (int(head.lstrip("#")), rest.strip()) if head.lstrip("#").isdigit() else (None, rest)

    def _usage_id(self, command: str) -> list[Reply]:
        return [self.steward.usage(f"Give the submission number, e.g. {command} 12.")]

    async def _submit(self, text: str) -> list[Reply]:
        draft = text or self.last_draft
        if not draft:
            return [self.steward.usage("Give the draft after /submit, or check one first.")]
        return self._shown(await self.steward.submit(self.person, draft, platform="terminal"))

    async def _pending(self, _: str) -> list[Reply]:
        return self._shown(await self.steward.pending(self.person))

    async def _mine(self, _: str) -> list[Reply]:
        return self._shown(await self._workflow.mine(self.person))

    def _decide(self, value: str) -> Command:
        return self._on_submission(f"/{value}", lambda sid, note: self.steward.vote(self.person, sid, value,
                                                                                    note=note))

    def _on_submission(self, command: str, call: Callable[[int, str], Awaitable[Outcome]]) -> Command:
        """A command taking a submission number (and optional text): '/approve 12 looks good'."""
        async def run(args: str) -> list[Reply]:
            sid, rest = self._id_and_rest(args)
            if sid is None:
                return self._usage_id(command)
            return self._shown(await call(sid, rest))
        return run

    @property
    def _workflow(self) -> WorkflowService:
        assert self.steward.workflow is not None  # workflow commands exist only with a database
        return self.steward.workflow

    async def _comment(self, args: str) -> list[Reply]:
        sid, text = self._id_and_rest(args)
        if sid is None or not text:
            return [self.steward.usage("Use /comment ID TEXT.")]
        return self._shown(await self._workflow.comment(sid, self.person, text))

    async def _dispute(self, args: str) -> list[Reply]:
        rule, _, reason = args.partition(" ")
        if not rule or not reason.strip():
            return [self.steward.usage("Use /dispute RULE REASON, e.g. /dispute claims.superlative it's a quote")]
        finding = None
        if self.last_draft:
            result = self.steward.check(self.last_draft)
            finding = next((f for f in result.findings if f.rule == rule), None)
        phrase = self.last_draft[finding.span[0]:finding.span[1]] if finding and self.last_draft else ""
        category = finding.category if finding else rule.split(".")[0]
        return self._shown(await self._workflow.dispute(
            self.person, rule, reason.strip(), category=category, phrase=phrase,
            corpus_version=self.steward.corpus.version))

    async def _as(self, email: str) -> list[Reply]:
        if "@" not in email or " " in email:
            return [self.steward.usage("Use /as EMAIL, e.g. /as legal.lead@northwindlabs.com")]
        self.person = email.lower()
        return [Reply(kind="notice", title=f"You are now {self.person}")]
