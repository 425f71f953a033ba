"""The transactional outbox: notifications written with the change that causes them, delivered later.

    rows = outbox.rows(notifications, now)        # per platform and address, stable keys
    await outbox.write(session, rows)             # inside the change's own transaction
    outbox.register("slack", sender)              # adapters implement `Sender`
    report = await outbox.dispatch()              # claim due rows, send, record message ids, back off

Public API: `Outbox`, `Sender`, `Delivery`, `SendError`, `DispatchReport`.
"""

from bot.outbox.dispatch import DispatchReport, Outbox
from bot.outbox.sender import Delivery, Sender, SendError

__all__ = ["Delivery", "DispatchReport", "Outbox", "SendError", "Sender"]
