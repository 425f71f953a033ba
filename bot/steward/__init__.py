"""The facade every adapter calls: `from bot.steward import Steward` (see docs/facade.md).

Adapters import only this package and `bot.replies`.
"""

from bot.outbox import Delivery, DispatchReport, Sender, SendError
from bot.settings import ServerSettings
from bot.steward.facade import Steward, UnknownUser
from bot.steward.workers import default_size
from bot.store.health import Gauges
from bot.store.settings import database_url, redact
from bot.text_render import render_text
from bot.validation import InvalidInput

__all__ = ["Delivery", "DispatchReport", "Gauges", "ServerSettings", "database_url", "redact", "InvalidInput", "SendError", "Sender", "Steward",
           "UnknownUser", "default_size", "render_text"]
