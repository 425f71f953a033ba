"""The outbox's sender for Teams: posts cards to approvers' channels and people's 1:1 chats,
updates a card in place, replies in a card's thread. Proactive messages need a stored
conversation reference (saved when Steward is installed or first talked to); without one the
send fails permanently, so the outbox marks it dead and tells the CoE hub instead of
dropping it silently.
"""

from __future__ import annotations

from typing import Any

from adapters.teams import cards
from adapters.teams.connector import Connector, ConnectorError
from bot.steward import Delivery, SendError, Steward

PLATFORM = "teams"


class TeamsSender:
    def __init__(self, steward: Steward, connector: Connector) -> None:
        self.steward = steward
        self.connector = connector

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        ref, conversation = await self._reference(delivery)
        service_url = str(ref["serviceUrl"])
        activity = await self._activity(delivery)
        try:
            if delivery.op == "update" and delivery.message_id:
                channel = delivery.channel or conversation
                await self.connector.update(service_url, channel, delivery.message_id, activity)
                return delivery.message_id, channel
            if delivery.message_id:   # a comment: into the card's thread
                channel = delivery.channel or conversation
                return await self.connector.reply(service_url, channel, delivery.message_id, activity), channel
            return await self.connector.send(service_url, conversation, activity), conversation
        except ConnectorError as exc:
            raise exc.as_send_error() from exc

    async def _activity(self, delivery: Delivery) -> dict[str, Any]:
        reply = delivery.reply
        if delivery.to.kind == "group" and reply.approval is not None:
            # the channel sees a read-only card; each approver's client refreshes it into theirs
            viewers = await self.steward.card_viewers(PLATFORM, reply.approval)
            return cards.message(reply, viewer_actions=False, refresh_user_ids=viewers)
        return cards.message(reply)

    async def _reference(self, delivery: Delivery) -> tuple[dict[str, Any], str]:
        to = delivery.to
        if to.kind == "group":
            ref = await self.steward.conversation_ref(PLATFORM, f"channel:{to.address}") if to.address else None
            if ref is None:
                raise SendError(f"Steward is not installed in the Teams channel of {to.name or to.id} yet",
                                permanent=True)
            return ref, to.address
        ref = await self.steward.conversation_ref(PLATFORM, f"person:{to.id}")
        if ref is None:
            raise SendError(f"{to.name or to.id} has not talked to Steward in Teams yet, so it cannot "
                            "message them there", permanent=True)
        return ref, str(ref["conversation"]["id"])
