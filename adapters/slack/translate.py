"""Slack payloads → which facade call to make (pure: no I/O, no Slack client, no core objects).

Each function takes the JSON Slack sent and returns a `Call` naming the facade operation and its
arguments, or None when the payload is not for Steward (an unrelated emoji, a bot's own message,
an unknown button). The idempotency key is Slack's own: the event id for events, the action's
`action_ts` for buttons, the view id + hash for modal submissions, the trigger id for commands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.blocks import (
    ACTION_PREFIX,
    BUTTONS,
    CHANGES_VIEW,
    COMMENT_VIEW,
    DISPUTE_VIEW,
    NOTE_BLOCK,
    NOTE_INPUT,
)

APPROVE = frozenset({"white_check_mark", "heavy_check_mark", "+1", "ballot_box_with_check"})
REJECT = frozenset({"x", "-1"})
CHANGES = frozenset({"memo"})
COMMANDS = {"/canipost": "check", "/policy": "ask", "/coe": "coe"}


class Malformed(ValueError):
    """A payload that does not carry what its type promises (answered 400 or ignored, never a crash)."""


@dataclass(frozen=True)
class Call:
    op: str                              # facade operation or adapter step: check, ask, vote_on_message, …
    user: str                            # Slack user id of the actor
    args: dict[str, Any] = field(default_factory=dict)
    key: str | None = None               # idempotency key (Slack's own id for the event)
    channel: str = ""                    # where to answer privately
    response_url: str = ""
    trigger_id: str = ""


def _str(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise Malformed(f"missing {name}")
    return value


def command(payload: dict[str, Any]) -> Call | None:
    """A slash command (form fields). /canipost DRAFT → check, /policy QUESTION → ask, /coe … → coe."""
    op = COMMANDS.get(str(payload.get("command", "")))
    if op is None:
        return None
    return Call(op=op, user=_str(payload, "user_id"), args={"text": str(payload.get("text") or "").strip()},
                key=payload.get("trigger_id"), channel=str(payload.get("channel_id") or ""),
                response_url=str(payload.get("response_url") or ""), trigger_id=str(payload.get("trigger_id") or ""))


def reaction(event: dict[str, Any], event_id: str | None) -> Call | None:
    """reaction_added / reaction_removed on a message → a vote on (or its withdrawal from) the card."""
    item = event.get("item") or {}
    if item.get("type") != "message":
        return None
    name = str(event.get("reaction", "")).split("::")[0]       # skin tones: "+1::skin-tone-2"
    value = "approve" if name in APPROVE else "reject" if name in REJECT else "changes" if name in CHANGES else None
    if value is None:
        return None
    channel, ts = _str(item, "channel"), _str(item, "ts")
    user = _str(event, "user")
    if event.get("type") == "reaction_removed":
        return Call(op="unvote_on_message", user=user, channel=channel, key=event_id,
                    args={"channel": channel, "message_id": ts, "value": value})
    return Call(op="vote_on_message", user=user, channel=channel, key=event_id,
                args={"channel": channel, "message_id": ts, "value": value})


def message(event: dict[str, Any], event_id: str | None, bot_user_id: str | None = None) -> Call | None:
    """A DM → converse (the core tells a question from a draft); a reply in a thread → a comment on
    that card. Edits, deletions, bots and Steward's own messages are not for Steward."""
    if event.get("subtype") or event.get("bot_id") or not event.get("user") or event.get("user") == bot_user_id:
        return None
    text = str(event.get("text") or "").strip()
    channel = _str(event, "channel")
    user = str(event["user"])
    thread = event.get("thread_ts")
    if event.get("channel_type") == "im" and not thread:
        return Call(op="converse", user=user, channel=channel, key=event_id, args={"text": text})
    if thread and thread != event.get("ts") and event.get("channel_type") != "im":
        return Call(op="comment_on_message", user=user, channel=channel, key=event_id,
                    args={"channel": channel, "message_id": str(thread), "text": text})
    return None


def mention(event: dict[str, Any], event_id: str | None, bot_user_id: str | None = None) -> Call | None:
    """An @mention: the text without the mention itself, answered privately."""
    user = event.get("user")
    if not user or event.get("bot_id"):
        return None
    text = str(event.get("text") or "")
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    return Call(op="converse", user=str(user), channel=_str(event, "channel"), key=event_id,
                args={"text": " ".join(text.split())})


def _args(value: str | None) -> dict[str, Any]:
    """Steward's buttons carry a JSON object of ids; a bare value (an older card's "3") is kept as is."""
    if not value:
        return {}
    try:
        args = json.loads(value)
    except ValueError:
        return {"value": value}
    return args if isinstance(args, dict) else {"value": value}


def block_action(payload: dict[str, Any]) -> Call | None:
    """A button click. The action id names the operation; the value carries the core's ids."""
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise Malformed("no actions")
    act = actions[0]
    aid = str(act.get("action_id", ""))
    if not aid.startswith(ACTION_PREFIX):
        return None
    op = aid[len(ACTION_PREFIX):].split(":")[0]
    if op not in BUTTONS:
        return None
    user = (payload.get("user") or {}).get("id")
    if not isinstance(user, str):
        raise Malformed("no user")
    channel = str((payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id") or "")
    ts = str(act.get("action_ts") or "")
    args = _args(act.get("value"))
    container = payload.get("container") or {}
    if container.get("type") == "message":
        args.setdefault("_message_ts", container.get("message_ts"))
    if container.get("type") == "view":
        args.setdefault("_view_id", container.get("view_id"))
    return Call(op=op, user=user, args=args, key=f"{user}:{ts}" if ts else None, channel=channel,
                response_url=str(payload.get("response_url") or ""), trigger_id=str(payload.get("trigger_id") or ""))


def view_note(view: dict[str, Any]) -> str:
    """The text typed into a Steward modal's note field ("" when absent or not shaped as Slack sends it)."""
    node: Any = view
    for name in ("state", "values", NOTE_BLOCK, NOTE_INPUT, "value"):
        node = node.get(name) if isinstance(node, dict) else None
    return node.strip() if isinstance(node, str) else ""


def view_submission(payload: dict[str, Any]) -> Call | None:
    """The dispute and request-changes modals → dispute(finding, reason) / vote(changes, note)."""
    view = payload.get("view")
    if not isinstance(view, dict):
        raise Malformed("no view")
    user = (payload.get("user") or {}).get("id")
    if not isinstance(user, str):
        raise Malformed("no user")
    note = view_note(view)
    meta = str(view.get("private_metadata") or "")
    key = f"{view.get('id', '')}:{view.get('hash', '')}"
    if view.get("callback_id") == DISPUTE_VIEW:
        return Call(op="dispute", user=user, key=key, args={"finding_id": meta, "reason": note})
    if view.get("callback_id") == COMMENT_VIEW:
        if not meta.isdigit():
            raise Malformed("bad private_metadata")
        return Call(op="comment", user=user, key=key, args={"submission_id": int(meta), "text": note})
    if view.get("callback_id") == CHANGES_VIEW:
        sid, _, version = meta.partition(":")
        if not (sid.isdigit() and version.isdigit()):
            raise Malformed("bad private_metadata")
        return Call(op="vote", user=user, key=key,
                    args={"submission_id": int(sid), "version": int(version), "value": "changes", "note": note})
    return None


def shortcut(payload: dict[str, Any]) -> Call:
    """The "Check with Steward" message shortcut: check that message's text, answer in a modal."""
    msg = payload.get("message") or {}
    return Call(op="check_modal", user=_str(payload.get("user") or {}, "id"), trigger_id=_str(payload, "trigger_id"),
                args={"text": str(msg.get("text") or "").strip()}, key=payload.get("trigger_id"))


def malformed(body: dict[str, Any]) -> str | None:
    """Why a signed request body is not a Slack payload Steward can read, or None when it is.
    Checked before bolt sees it: bolt's matchers index into some fields without looking."""
    if not isinstance(body, dict) or not body:
        return "empty body"
    kind = body.get("type")
    if "command" in body:
        return None if isinstance(body.get("user_id"), str) else "command without user_id"
    if kind in ("url_verification", "ssl_check") or (not kind and body.get("ssl_check")):
        return None
    if kind == "event_callback":
        event = body.get("event")
        return None if isinstance(event, dict) and isinstance(event.get("type"), str) else "event without a type"
    if not isinstance(kind, str):
        return "no payload type"
    if not isinstance((body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None, str):
        return "no user"
    if kind == "block_actions":
        actions = body.get("actions")
        if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
            return "block_actions without actions"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not (isinstance(view, dict) and all(isinstance(view.get(k), str) for k in ("type", "id", "callback_id"))):
            return "view payload without a view"
    if kind in ("shortcut", "message_action") and not isinstance(body.get("callback_id"), str):
        return "shortcut without callback_id"
    return None
