"""The outbox's sender for platform "web": a delivery becomes a message in the web chat's store."""

from __future__ import annotations

from adapters.web.store import WebStore, dm_channel, group_channel
from bot.steward import Delivery

PLATFORM = "web"


class WebSender:
    """post → a new message (a comment on a card goes into its thread); update → the card edited in
    place. Each send is keyed by the delivery key, so a retried send never posts twice."""

    def __init__(self, store: WebStore) -> None:
        self.store = store

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        to = delivery.to
        channel = delivery.channel or (group_channel(to.address or to.id) if to.kind == "group"
                                       else dm_channel(to.address or to.id))
        reply = delivery.reply.model_dump(mode="json")
        if delivery.op == "update" and delivery.message_id and await self.store.edit(
                channel, delivery.message_id, reply=reply, kind=delivery.kind):
            return delivery.message_id, channel
        thread = delivery.message_id if delivery.op == "post" else ""
        message_id = await self.store.post(channel, kind=delivery.kind, reply=reply, thread_of=thread,
                                           key=delivery.key)
        return message_id, channel
