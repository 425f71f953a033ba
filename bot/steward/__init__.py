"""The facade every adapter calls: `from bot.steward import Steward` (see docs/facade.md).

Adapters import only this package and `bot.replies`.
"""

from bot.outbox import Delivery, DispatchReport, Sender, SendError
from bot.steward.facade import Steward, UnknownUser
from bot.steward.workers import default_size
from bot.text_render import render_text
from bot.validation import InvalidInput

__all__ = ["Delivery", "DispatchReport", "InvalidInput", "SendError", "Sender", "Steward",
           "UnknownUser", "default_size", "render_text"]
