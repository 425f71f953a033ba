"""One Teams activity in, facade calls, what to answer out. SDK-neutral.

`TeamsTurns.handle(activity)` is the whole "platform input → core call" path for Teams:
the SDK glue (Agents SDK or botbuilder) validates the request, hands the activity JSON
here and sends back what comes out — reply activities for the conversation and, for an
invoke, the invoke response. Nothing here knows which SDK is running.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.teams import cards
from adapters.teams.activities import VOTE_VERBS, Intent, Malformed, Where, Who, parse
from bot.replies import Outcome, Person, Reply, error, notice
from bot.steward import Steward, UnknownUser

log = logging.getLogger("steward.teams")
PLATFORM = "teams"
CHECK_MESSAGE_COMMAND = "checkWithSteward"     # the message extension's action (manifest composeExtensions)
# What a typed message may start with (the manifest's command lists offer these).
COMMANDS = ("check", "ask", "pending", "mine", "coe", "help")

HELP = ("Send me a draft and I'll tell you if it's fine to post, or ask a question about the social "
        "media policy. Commands: **check** DRAFT, **ask** QUESTION, **pending**, **mine**, "
        "**coe pending** (CoE only), **help**.")


class Connector(Protocol):
    """The Bot Connector calls a turn needs (adapters/teams/connector.py implements them)."""

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any]: ...

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str: ...


@dataclass
class Turn:
    """What to answer: `replies` go into the conversation, `invoke` is the HTTP body of an invoke."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    invoke: dict[str, Any] | None = None
    status: int = 200


class TeamsTurns:
    def __init__(self, steward: Steward, connector: Connector) -> None:
        self.steward = steward
        self.connector = connector
        self.background: Any = None      # the mount's Background: turns answered 202 and run after

    async def handle(self, activity: Any) -> Turn:
        try:
            intent = parse(activity)
        except Malformed as exc:
            return Turn(status=400, invoke={"error": str(exc)})
        if intent.kind == "ignore":
            return Turn()
        assert intent.where is not None
        if intent.kind in ("install", "uninstall"):
            await self._remember_conversation(intent, activity)
            return Turn()
        assert intent.who is not None
        try:
            person = await self._person(intent.who, intent.where)
        except LookupError:
            return self._polite(intent, "I couldn't tell who you are",
                                "Teams did not give me your e-mail address, so I can't act for you yet.")
        await self._remember_conversation(intent, activity, person)
        key = f"teams:{intent.where.activity_id}" if intent.where.activity_id else None
        if intent.kind == "message":
            return await self._message(intent, person, key)
        if intent.kind == "card_action":
            return await self._card_action(intent, person, key)
        if intent.kind == "reaction":
            return await self._reaction(intent, person, key)
        if intent.kind == "message_action" and intent.verb == CHECK_MESSAGE_COMMAND:
            reply = await self.steward.check_draft(person, intent.text, PLATFORM)
            return Turn(invoke={"task": {"type": "continue", "value": {
                "title": "Check with Steward", "height": "medium", "width": "medium",
                "card": cards.attachment(cards.card(reply))}}})
        return self._polite(intent, "I can't do that here", "That request is not one I know.")

    # -- identity and conversation references ------------------------------------------------------

    async def _person(self, who: Who, where: Where) -> Person:
        try:
            return await self.steward.whoami(PLATFORM, who.user_id, name=who.name or None)
        except UnknownUser:
            pass
        try:
            member = await self.connector.member(where.service_url, where.conversation_id, who.user_id)
        except Exception as exc:   # not a member, connector down: either way we can't tell who it is
            raise LookupError(f"member lookup failed: {type(exc).__name__}") from exc
        email = str(member.get("email") or member.get("userPrincipalName") or "")
        if "@" not in email:
            raise LookupError("no e-mail in the member profile")
        return await self.steward.whoami(PLATFORM, who.user_id, email=email,
                                         name=str(member.get("name") or who.name) or None)

    async def _remember_conversation(self, intent: Intent, activity: dict[str, Any],
                                     person: Person | None = None) -> None:
        """Store a reference wherever we may need to write later: a person's 1:1 chat (keyed by
        e-mail) and a channel (keyed by its id), so proactive messages can reach them."""
        where = intent.where
        assert where is not None
        reference = {"serviceUrl": where.service_url, "conversation": activity.get("conversation"),
                     "bot": activity.get("recipient"), "tenantId": where.tenant_id,
                     "user": activity.get("from")}
        if where.conversation_type == "personal" and person is not None:
            await self.steward.save_conversation_ref(PLATFORM, f"person:{person.email}", reference)
        if where.channel_id:
            reference = {**reference, "conversation": {"id": where.channel_id, "isGroup": True,
                                                       "conversationType": "channel"}}
            await self.steward.save_conversation_ref(PLATFORM, f"channel:{where.channel_id}", reference)

    # -- messages ------------------------------------------------------------------------------------

    async def _message(self, intent: Intent, person: Person, key: str | None) -> Turn:
        text, where = intent.text, intent.where
        assert where is not None
        if intent.in_thread_of and where.conversation_type == "channel":
            # a reply in a card's thread is a comment that reaches the requester
            out = await self.steward.comment_on_message(person, PLATFORM, where.channel_id, intent.in_thread_of,
                                                        text, key=key)
            if out.code == "not_found":
                return Turn()        # an ordinary thread, not one of our cards
            return Turn(replies=[cards.message(out.reply)])
        word, _, rest = text.partition(" ")
        command = word.lower()
        if not text or command in ("help", "/help", "hi", "hello"):
            return Turn(replies=[cards.message(notice("Steward", HELP))])
        if command in ("check", "/check"):
            reply = await self.steward.check_draft(person, rest, PLATFORM)
        elif command in ("ask", "/ask"):
            reply = await self.steward.ask_question(person, rest, PLATFORM)
        elif command in ("pending", "/pending"):
            reply = (await self.steward.pending(person)).reply
        elif command in ("mine", "/mine"):
            reply = (await self.steward.mine(person)).reply
        elif command in ("coe", "/coe"):
            reply = await self._coe(person, rest)
        elif self.steward.looks_like_question(text):
            reply = await self.steward.ask_question(person, text, PLATFORM)
        else:
            reply = await self.steward.check_draft(person, text, PLATFORM)
        return Turn(replies=[cards.message(reply)])

    async def _coe(self, person: Person, rest: str) -> Reply:
        return (await self.steward.coe(person, rest)).reply

    # -- card buttons -------------------------------------------------------------------------------

    async def _card_action(self, intent: Intent, person: Person, key: str | None) -> Turn:
        verb, data = intent.verb, intent.data
        try:
            out = await self._execute(verb, data, person, key)
        except (KeyError, TypeError, ValueError):
            out = None
        if out is None:
            return _card_response(error("I can't do that", "This button is not one I know, or it is missing "
                                                           "what it needs. Try again from a fresh card."))
        reply = out.reply
        if out.ok and out.submission_id is not None and verb != "refresh":
            # after acting, show this viewer the live card (their own buttons, the new state)
            shown = await self.steward.show(person, out.submission_id)
            if shown.ok:
                reply = _with_note(shown.reply, out.reply.title)
        viewers = await self.steward.card_viewers(PLATFORM, reply.approval) if reply.approval else ()
        return _card_response(reply, user_ids=viewers)

    async def _execute(self, verb: str, data: dict[str, Any], person: Person, key: str | None) -> Outcome | None:
        s = self.steward
        sid = lambda: int(data["submission_id"])  # noqa: E731 - read only for verbs that carry it
        if verb == "refresh":
            return await s.show(person, sid())
        if verb == "submit":
            return await s.submit(person, int(data["check_id"]), key=key)
        if verb in VOTE_VERBS:
            return await s.vote(person, sid(), int(data["version"]), verb, str(data.get("note") or ""), key=key)
        if verb == "unvote":
            return await s.unvote(person, sid(), int(data["version"]), key=key)
        if verb == "withdraw":
            return await s.withdraw(person, sid(), key=key)
        if verb == "resubmit":
            return await s.resubmit(person, sid(), int(data["check_id"]), key=key)
        if verb == "mark_posted":
            return await s.mark_posted(person, sid(), str(data.get("url") or ""), key=key)
        if verb == "dispute":
            return await s.dispute(person, str(data["finding_id"]), str(data.get("reason") or ""), key=key)
        if verb in ("uphold", "false_positive"):
            return await s.resolve_dispute(person, int(data["dispute_id"]), verb, str(data.get("note") or ""),
                                           key=key)
        if verb == "revoke":
            return await s.revoke_exception(person, int(data["exception_id"]), str(data.get("reason") or ""),
                                            key=key)
        if verb == "comment":
            return await s.comment(person, sid(), str(data.get("text") or ""), key=key)
        return None

    # -- reactions ----------------------------------------------------------------------------------

    async def _reaction(self, intent: Intent, person: Person, key: str | None) -> Turn:
        where = intent.where
        assert where is not None
        channel = where.channel_id or where.conversation_id
        if intent.verb == "approve":
            out = await self.steward.vote_on_message(person, PLATFORM, channel, intent.reply_to, "approve", key=key)
        else:
            out = await self.steward.unvote_on_message(person, PLATFORM, channel, intent.reply_to, key=key)
        if out.ok or out.code == "not_found":
            return Turn()        # the card update travels through the outbox; other messages are not ours
        # refused: say why, privately (in the person's 1:1 chat when we can reach it)
        await self._tell_privately(person, out.reply)
        return Turn()

    async def _tell_privately(self, person: Person, reply: Reply) -> None:
        """A note only this person sees: Teams has no ephemeral messages, so it goes to their 1:1
        chat with Steward (known once they have talked to it or installed it)."""
        ref = await self.steward.conversation_ref(PLATFORM, f"person:{person.email}")
        if ref is None:
            log.info("teams: no 1:1 chat with %s yet; refusal not delivered", person.email)
            return
        try:
            await self.connector.send(ref["serviceUrl"], ref["conversation"]["id"], cards.message(reply))
        except Exception as exc:  # a lost courtesy note must not fail the turn
            log.warning("teams: could not tell %s privately: %s", person.email, type(exc).__name__)

    def _polite(self, intent: Intent, title: str, body: str) -> Turn:
        reply = error(title, body)
        if intent.kind in ("card_action", "message_action", "unknown_invoke"):
            return _card_response(reply)
        return Turn(replies=[cards.message(reply)])


def _with_note(reply: Reply, note: str) -> Reply:
    return reply.model_copy(update={"body": note + ("\n\n" + reply.body if reply.body else "")})


def _card_response(reply: Reply, user_ids: tuple[str, ...] = ()) -> Turn:
    """The invoke response of a universal action: the card to show in place of the old one."""
    return Turn(invoke={"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
                        "value": cards.card(reply, refresh_user_ids=user_ids)})
