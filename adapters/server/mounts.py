"""What the server mounts: one entry per adapter, each with its settings class and its module.

An adapter module exposes `async def mount(app, settings, steward)` adding its routes (Slack at
/slack/events or Socket Mode, Teams at /api/messages) and registering its outbox sender. Each
adapter's settings class says whether it is configured and what a half configuration lacks.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings


@dataclass(frozen=True)
class Mount:
    name: str
    path: str
    module: str
    settings: type[SlackSettings] | type[TeamsSettings]

    def available(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


PLATFORM_MOUNTS = (
    Mount("slack", "/slack/events", "adapters.slack.mount", SlackSettings),
    Mount("teams", "/api/messages", "adapters.teams.mount", TeamsSettings),
)


def load_mount(m: Mount) -> Callable[..., Awaitable[None]]:
    mount: Callable[..., Awaitable[None]] = importlib.import_module(m.module).mount
    return mount
