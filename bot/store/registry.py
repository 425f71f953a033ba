"""Every table Steward keeps, registered on one MetaData: the store's own and those of the
packages built on it (the reports' roll-ups and jobs). Migrations and `create_all` start here,
so a table is never missed because nothing happened to import its module first."""

from __future__ import annotations

import bot.reports.indexes  # noqa: F401
import bot.reports.jobs  # noqa: F401
import bot.reports.rollup  # noqa: F401
import bot.store.tables  # noqa: F401
from bot.store.tables import METADATA

__all__ = ["METADATA"]
