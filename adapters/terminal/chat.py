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

HELP = """\
Type a draft post to check it, or a question about the policy to get an answer.
  /check TEXT     check TEXT as a draft, whatever it looks like
  /ask QUESTION   answer QUESTION from the policy
  /help           this help
  /quit           leave (Ctrl-D works too)"""

Command = Callable[[str], Awaitable[list[Reply]]]


class TerminalChat:
    def __init__(self, steward: Steward, person: str = "you@localhost") -> None:
        self.steward = steward
        self.person = person
        self.last_draft: str | None = None
        self.commands: dict[str, Command] = {
            "/check": self._check,
            "/ask": self._ask,
        }
        self.help = HELP

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

    async def _check(self, text: str) -> list[Reply]:
        if not text.strip():
            return [self.steward.usage("Give the draft after /check.")]
        self.last_draft = text
        return [await self.steward.check_reply(text, person=self.person)]

    async def _ask(self, question: str) -> list[Reply]:
        if not question.strip():
            return [self.steward.usage("Give the question after /ask.")]
        return [await self.steward.ask_reply(question, person=self.person)]
