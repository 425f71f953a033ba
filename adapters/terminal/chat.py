"""The terminal chat: typed lines in, facade calls, neutral replies rendered as text.

It is the reference adapter: it imports only `bot.steward` and `bot.replies`,
`handle(line)` is the pure "platform input → core call → rendered reply" path,
and notifications reach it the way they reach Slack or Teams — through the
outbox, delivered by the `LocalSender` registered for the "local" platform.
Tests drive `handle` directly (errbot's testbot idea).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.replies import ApprovalView, Outcome, Person, Reply, notice
from bot.steward import Delivery, InvalidInput, Steward
from bot.text_render import render_text

HELP = """\
Type a draft post to check it, or a question about the policy to get an answer.
  /check TEXT        check TEXT as a draft, whatever it looks like
  /ask QUESTION      answer QUESTION from the policy
  /help              this help
  /quit              leave (Ctrl-D works too)"""

HELP_WORKFLOW = """
Approvals:
  /submit [TEXT]     send the draft you last checked (or TEXT, checked first) for approval
  /pending           drafts waiting for your decision      /mine   your own submissions
  /show ID           a submission: text, findings, votes, comments (if you may see it)
  /approve ID [NOTE] /reject ID [NOTE] /changes ID [NOTE]   vote on the version you last saw
                     (or name it: /approve 3v2)
  /unvote ID         withdraw your vote      /comment ID TEXT   comment on it
  /withdraw ID       withdraw your own submission    /posted ID [URL]   mark it posted
  /resubmit ID [TEXT]  send a new version (the draft you last checked, or TEXT)
  /dispute FINDING REASON   say a finding of your last check is wrong (FINDING is its id, e.g. 4-0)
  /resolve ID uphold|false-positive [NOTE]   decide a dispute
  /exceptions        exceptions in force (CoE hub)      /revoke ID REASON   end one
  /as EMAIL          act as someone else in the company (to try the approver's side)"""

Command = Callable[[str], Awaitable[list[Reply]]]
_ID_VERSION = re.compile(r"^#?(\d+)(?:v(\d+))?$", re.I)


class LocalSender:
    """The local platform's sender: keeps what was delivered, for the chat to show."""

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []
        self._next = 0

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        self._next += 1
        self.delivered.append(delivery)
        if delivery.op == "update" and delivery.message_id:
            return delivery.message_id, delivery.channel
        return f"local-{self._next}", delivery.to.address


class TerminalChat:
    def __init__(self, steward: Steward, person: str = "you@localhost") -> None:
        self.steward = steward
        self.email = person.strip().lower()
        self._person: Person | None = None
        self.last_check: int | None = None
        self.seen: dict[int, int] = {}          # submission -> the version this user was last shown
        self.sender = LocalSender()
        self.commands: dict[str, Command] = {"/check": self._check, "/ask": self._ask}
        self.help = HELP
        self.workflow = steward.workflow is not None
        if self.workflow:
            steward.register_sender("local", self.sender)
            self.help += HELP_WORKFLOW
            self.commands.update({
                "/submit": self._submit, "/pending": self._pending, "/mine": self._mine, "/show": self._show,
                "/approve": self._vote("approve"), "/reject": self._vote("reject"), "/changes": self._vote("changes"),
                "/unvote": self._unvote, "/withdraw": self._withdraw, "/posted": self._posted,
                "/comment": self._comment, "/resubmit": self._resubmit, "/dispute": self._dispute,
                "/resolve": self._resolve, "/exceptions": self._exceptions, "/revoke": self._revoke,
                "/as": self._as,
            })

    async def person(self) -> Person:
        if self._person is None:
            try:
                self._person = await self.steward.person(self.email, platform="local")
            except InvalidInput:
                self._person = Person(email=self.email, platform="local")
        return self._person

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
                return render_text(notice(f"Unknown command {word}. Type /help for the list."))
            replies = await command(rest.strip())
        elif self.steward.looks_like_question(line):
            replies = await self._ask(line)
        else:
            replies = await self._check(line)
        if self.workflow:
            replies += await self._delivered()
        return "\n\n".join(render_text(r) for r in replies)

    async def _delivered(self) -> list[Reply]:
        """Deliver the outbox to the local platform; one line per message the others would see."""
        self.steward.register_sender("local", self.sender)   # several chats may share one Steward in tests
        await self.steward.dispatch()
        lines = []
        for d in self.sender.delivered:
            what = "updated card" if d.op == "update" else d.kind.replace("_", " ")
            lines.append(notice(f"→ {d.to.name or d.to.id} ({what}): {d.reply.title}"))
        self.sender.delivered.clear()
        return lines

    def _remember(self, approval: ApprovalView | None) -> None:
        if approval is not None:
            self.seen[approval.submission_id] = approval.version

    def _shown(self, outcome: Outcome) -> list[Reply]:
        self._remember(outcome.reply.approval)
        for view in outcome.data.get("submissions", []):
            if isinstance(view, ApprovalView):
                self._remember(view)
        return [outcome.reply]

    def usage(self, message: str) -> list[Reply]:
        return [self.steward.usage(message)]

    # -- check and ask ---------------------------------------------------------------------------

    async def _check(self, text: str) -> list[Reply]:
        if not text.strip():
            return self.usage("Give the draft after /check.")
        reply = await self.steward.check_draft(await self.person(), text, platform="local")
        self.last_check = reply.check_id
        return [reply]

    async def _ask(self, question: str) -> list[Reply]:
        if not question.strip():
            return self.usage("Give the question after /ask.")
        return [await self.steward.ask_question(await self.person(), question, platform="local")]

    # -- workflow --------------------------------------------------------------------------------

    @staticmethod
    def _target(args: str) -> tuple[int | None, int | None, str]:
        head, _, rest = args.partition(" ")
        match = _ID_VERSION.match(head)
        if not match:
            return None, None, args
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None, rest.strip()

    async def _submit(self, text: str) -> list[Reply]:
        shown: list[Reply] = []
        if text:
            shown = await self._check(text)
        if self.last_check is None:
            return shown or self.usage("Give the draft after /submit, or check one first.")
        return shown + self._shown(await self.steward.submit(await self.person(), self.last_check))

    async def _resubmit(self, args: str) -> list[Reply]:
        sid, _, text = self._target(args)
        if sid is None:
            return self.usage("Use /resubmit ID [TEXT], e.g. /resubmit 3.")
        shown: list[Reply] = []
        if text:
            shown = await self._check(text)
        if self.last_check is None:
            return shown or self.usage("Check the new draft first (type it), then /resubmit ID.")
        return shown + self._shown(await self.steward.resubmit(await self.person(), sid, self.last_check))

    async def _pending(self, _: str) -> list[Reply]:
        return self._shown(await self.steward.pending(await self.person()))

    async def _mine(self, _: str) -> list[Reply]:
        return self._shown(await self.steward.mine(await self.person()))

    async def _show(self, args: str) -> list[Reply]:
        sid, _, _ = self._target(args)
        if sid is None:
            return self.usage("Give the submission number, e.g. /show 12.")
        return self._shown(await self.steward.show(await self.person(), sid))

    def _vote(self, value: str) -> Command:
        async def run(args: str) -> list[Reply]:
            sid, version, note = self._target(args)
            if sid is None:
                return self.usage(f"Give the submission number, e.g. /{value} 12.")
            version = version or self.seen.get(sid)
            if version is None:
                return self.usage(f"Look at #{sid} first (/show {sid}), so your vote is on the version you read.")
            return self._shown(await self.steward.vote(await self.person(), sid, version, value, note))
        return run

    async def _unvote(self, args: str) -> list[Reply]:
        sid, version, _ = self._target(args)
        if sid is None:
            return self.usage("Give the submission number, e.g. /unvote 12.")
        version = version or self.seen.get(sid)
        if version is None:
            return self.usage(f"Look at #{sid} first (/show {sid}).")
        return self._shown(await self.steward.unvote(await self.person(), sid, version))

    async def _withdraw(self, args: str) -> list[Reply]:
        sid, _, _ = self._target(args)
        if sid is None:
            return self.usage("Give the submission number, e.g. /withdraw 12.")
        return self._shown(await self.steward.withdraw(await self.person(), sid))

    async def _posted(self, args: str) -> list[Reply]:
        sid, _, url = self._target(args)
        if sid is None:
            return self.usage("Give the submission number, e.g. /posted 12 https://…")
        return self._shown(await self.steward.mark_posted(await self.person(), sid, url))

    async def _comment(self, args: str) -> list[Reply]:
        sid, _, text = self._target(args)
        if sid is None or not text:
            return self.usage("Use /comment ID TEXT.")
        return self._shown(await self.steward.comment(await self.person(), sid, text))

    async def _dispute(self, args: str) -> list[Reply]:
        finding, _, reason = args.partition(" ")
        if not finding or not reason.strip():
            return self.usage("Use /dispute FINDING REASON with the finding's id from your check, "
                              "e.g. /dispute 4-0 it quotes an analyst")
        return self._shown(await self.steward.dispute(await self.person(), finding, reason))

    async def _resolve(self, args: str) -> list[Reply]:
        did, _, rest = self._target(args)
        decision, _, note = rest.partition(" ")
        if did is None or not decision:
            return self.usage("Use /resolve ID uphold|false-positive [NOTE].")
        return self._shown(await self.steward.resolve_dispute(await self.person(), did, decision, note))

    async def _exceptions(self, _: str) -> list[Reply]:
        return self._shown(await self.steward.exceptions(await self.person()))

    async def _revoke(self, args: str) -> list[Reply]:
        eid, _, reason = self._target(args)
        if eid is None or not reason:
            return self.usage("Use /revoke ID REASON.")
        return self._shown(await self.steward.revoke_exception(await self.person(), eid, reason))

    async def _as(self, email: str) -> list[Reply]:
        try:
            person = await self.steward.person(email, platform="local")
        except InvalidInput:
            return self.usage("Use /as EMAIL, e.g. /as legal.lead@northwindlabs.com")
        if not self.steward.in_company(person.email):
            return self.usage(f"{person.email} is not a company address; use a colleague's e-mail.")
        # A new persona starts clean: another person's draft and views are not theirs.
        self.email, self._person, self.last_check, self.seen = person.email, person, None, {}
        return [notice(f"You are now {person.email}")]
