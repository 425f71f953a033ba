"""The facade every adapter calls: `from bot.steward import Steward` (see docs/facade.md).

Adapters import only this package and `bot.replies`.
"""

from bot.outbox import Delivery, DispatchReport, Sender, SendError
from bot.steward.facade import ReportContext, Steward, UnknownUser
from bot.steward.workers import default_size
from bot.validation import InvalidInput

__all__ = ["Delivery", "DispatchReport", "InvalidInput", "ReportContext", "SendError", "Sender", "Steward",
           "UnknownUser", "default_size"]
