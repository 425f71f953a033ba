"""What an adapter implements to deliver notifications on its platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.replies import Recipient, Reply


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send. `op` "update": edit the message `message_id` in `channel` (the card's
    first send); "post" with a `message_id`: reply in that message's thread (a comment on a card)."""

    key: str                  # stable and unique: a sender may use it to drop a repeat
    platform: str
    to: Recipient
    kind: str
    reply: Reply
    op: str = "post"
    message_id: str = ""
    channel: str = ""
    submission_id: int | None = None
    version: int | None = None


class SendError(Exception):
    """A failed send. `permanent`: retrying cannot help (e.g. the channel is gone), so the row is
    dead at once; `retry_after`: the platform asked to wait (seconds; e.g. HTTP 429)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent, self.retry_after = permanent, retry_after


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> tuple[str, str]:
        """Deliver; return (message id, channel) as the platform reports them (for later updates)."""
        ...
