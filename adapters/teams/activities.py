"""Teams activities (plain Activity-protocol JSON) → what Steward should do. Pure functions.

Both SDKs hand us the same JSON, so the translation is written once over dicts:
`parse(activity)` returns an `Intent` or raises `Malformed` for JSON that is not an
activity at all. Anything well-formed that Steward has no use for is `Intent("ignore")`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.teams.cards import DATA_MARK

# Reactions Teams delivers (messageReaction): only "like" means a vote; the others are
# feelings, not decisions, and are ignored.
APPROVE_REACTIONS = frozenset({"like"})
VOTE_VERBS = frozenset({"approve", "reject", "changes"})
CARD_VERBS = VOTE_VERBS | {"submit", "dispute", "unvote", "withdraw", "resubmit", "refresh", "comment",
                           "mark_posted", "uphold", "false_positive", "revoke"}

_AT = re.compile(r"<at>.*?</at>", re.S)
_TAG = re.compile(r"<[^>]+>")
_THREAD = re.compile(r";messageid=(\d+)$")


class Malformed(ValueError):
    """Not an activity: wrong type, missing ids. The endpoint answers 400."""


@dataclass(frozen=True)
class Who:
    user_id: str                 # Teams user id (29:…), what member lookups take
    aad_object_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Where:
    service_url: str
    conversation_id: str
    conversation_type: str       # personal, channel, groupChat
    tenant_id: str = ""
    channel_id: str = ""         # the Teams channel (19:…@thread.tacv2) for channel conversations
    activity_id: str = ""


@dataclass(frozen=True)
class Intent:
    kind: str                    # message, card_action, reaction, message_action, install, uninstall, ignore
    who: Who | None = None
    where: Where | None = None
    text: str = ""               # a message's text, mentions removed
    verb: str = ""               # card action verb, or "approve"/"unvote" for reactions
    data: dict[str, Any] = field(default_factory=dict)
    reply_to: str = ""           # the bot message a reaction or thread reply is on
    in_thread_of: str = ""       # channel thread root (a card) for thread replies


def parse(activity: Any) -> Intent:
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Malformed("an activity is a JSON object with a type")
    kind = activity["type"]
    if kind not in ("message", "invoke", "messageReaction", "conversationUpdate", "installationUpdate"):
        return Intent("ignore")
    where = _where(activity)
    who = _who(activity)
    if kind == "message":
        if who is None:
            raise Malformed("a message needs from.id")
        text = _plain(activity.get("text"))
        thread = _THREAD.search(where.conversation_id)
        return Intent("message", who, where, text=text, in_thread_of=thread.group(1) if thread else "")
    if kind == "invoke":
        return _invoke(activity, who, where)
    if kind == "messageReaction":
        if who is None:
            raise Malformed("a reaction needs from.id")
        reply_to = str(activity.get("replyToId") or "")
        if _types(activity.get("reactionsAdded")) & APPROVE_REACTIONS:
            return Intent("reaction", who, where, verb="approve", reply_to=reply_to)
        if _types(activity.get("reactionsRemoved")) & APPROVE_REACTIONS:
            return Intent("reaction", who, where, verb="unvote", reply_to=reply_to)
        return Intent("ignore")
    # conversationUpdate / installationUpdate: store where we can reach people later
    action = str(activity.get("action") or "")
    if kind == "installationUpdate" and action.startswith("remove"):
        return Intent("uninstall", who, where)
    return Intent("install", who, where)


def _invoke(activity: dict[str, Any], who: Who | None, where: Where) -> Intent:
    name = activity.get("name")
    value = _obj(activity.get("value"))
    if who is None:
        raise Malformed("an invoke needs from.id")
    if name == "adaptiveCard/action":
        action = _obj(value.get("action"))
        data = _obj(action.get("data"))
        verb = str(action.get("verb") or "")
        if data.get(DATA_MARK) != 1 or verb not in CARD_VERBS:
            return Intent("card_action", who, where, verb="unknown", data={})
        return Intent("card_action", who, where, verb=verb, data=dict(data),
                      reply_to=str(activity.get("replyToId") or ""))
    if name in ("composeExtension/fetchTask", "composeExtension/submitAction"):
        payload = _obj(value.get("messagePayload"))
        body = _obj(payload.get("body"))
        return Intent("message_action", who, where, text=_plain(body.get("content")),
                      verb=str(value.get("commandId") or ""))
    return Intent("unknown_invoke", who, where, verb=str(name or ""))


def _who(activity: dict[str, Any]) -> Who | None:
    sender = activity.get("from")
    if not isinstance(sender, dict) or not sender.get("id"):
        return None
    return Who(str(sender["id"]), str(sender.get("aadObjectId") or ""), str(sender.get("name") or ""))


def _where(activity: dict[str, Any]) -> Where:
    conv = activity.get("conversation")
    if not isinstance(conv, dict) or not conv.get("id") or not activity.get("serviceUrl"):
        raise Malformed("an activity needs conversation.id and serviceUrl")
    data = _obj(activity.get("channelData"))
    channel = _obj(data.get("channel"))
    tenant = _obj(data.get("tenant"))
    conv_id = str(conv["id"])
    kind = str(conv.get("conversationType") or "personal")
    # a channel's id: from channelData, else the conversation id without its ";messageid=" thread part
    channel_id = str(channel.get("id") or "") or (_THREAD.sub("", conv_id) if kind == "channel" else "")
    return Where(service_url=str(activity["serviceUrl"]), conversation_id=conv_id, conversation_type=kind,
                 tenant_id=str(conv.get("tenantId") or tenant.get("id") or ""), channel_id=channel_id,
                 activity_id=str(activity.get("id") or ""))


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _types(reactions: Any) -> set[str]:
    if not isinstance(reactions, list):
        return set()
    return {str(r.get("type")) for r in reactions if isinstance(r, dict)}


def _plain(text: Any) -> str:
    """Message text as typed: mentions of the bot removed, Teams' HTML flattened."""
    if not isinstance(text, str):
        return ""
    text = _AT.sub(" ", text)
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text, flags=re.I)
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
