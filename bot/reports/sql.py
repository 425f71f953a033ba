"""Dialect helpers, so each report query is written once for SQLite and PostgreSQL.

Percentiles use window functions (both backends have them): each group's rows
are ranked, and only the one or two rows around the wanted rank leave the
database; interpolation between them (PostgreSQL's `percentile_cont`
definition) is done on those few values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, and_, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Subquery


def hours_between(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return func.extract("epoch", end - start) / 3600.0


def week_index(dialect: str, column: Any, origin: datetime) -> ColumnElement[Any]:
    """Whole weeks from `origin` (a Monday) to `column`, for rows at or after `origin`."""
    ref = literal(origin, DateTime(timezone=True))
    if dialect == "sqlite":
        return cast((func.julianday(column) - func.julianday(ref)) / 7.0, Integer)   # truncation = floor here
    return cast(func.floor(func.extract("epoch", column - ref) / 604800.0), Integer)


def json_items(dialect: str, column: Any) -> Any:
    """A table-valued function yielding each element of a JSON array column as `value`."""
    if dialect == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value")


async def percentiles(session: AsyncSession, rows: Subquery, ps: Sequence[float] = (0.5, 0.9)
                      ) -> dict[Any, dict[float, float]]:
    """Per group, the `ps` percentiles (linear interpolation) of `rows`' `value` column.
    `rows` must have the columns `grp` and `value`."""
    rank = func.row_number().over(partition_by=rows.c.grp, order_by=rows.c.value).label("rn")
    size = func.count().over(partition_by=rows.c.grp).label("n")
    ranked = select(rows.c.grp, rows.c.value, rank, size).subquery()
    wanted = []
    for p in ps:
        tenths = int(round(p * 1000))
        first = (ranked.c.n - 1) * tenths // 1000 + 1       # floor((n-1)p) + 1
        wanted.append(or_(ranked.c.rn == first, ranked.c.rn == first + 1))
    stmt = select(ranked.c.grp, ranked.c.value, ranked.c.rn, ranked.c.n).where(or_(*wanted))
    picked: dict[Any, dict[int, float]] = {}
    sizes: dict[Any, int] = {}
    for grp, value, rn, n in (await session.execute(stmt)).all():
        picked.setdefault(grp, {})[int(rn)] = float(value)
        sizes[grp] = int(n)
    out: dict[Any, dict[float, float]] = {}
    for grp, ranks in picked.items():
        n = sizes[grp]
        result: dict[float, float] = {}
        for p in ps:
            exact = (n - 1) * p
            low = int((n - 1) * int(round(p * 1000)) // 1000)
            a = ranks[low + 1]
            b = ranks.get(low + 2, a)   # n == 1 or an exact rank: no neighbour needed
            result[p] = a + (b - a) * (exact - low)
        out[grp] = result
    return out


def not_empty(column: Any) -> ColumnElement[bool]:
    """A JSON list column that is not `[]`: a cheap text comparison that spares the JSON parse of
    most checks (a draft that is fine to post usually fires nothing)."""
    return cast(column, String) != "[]"


def in_period(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)

