"""Exact quorum: can the approvals be assigned to the route's requirements, one person per slot?

A route needing "one from legal and one from the department" is not met by one
person who happens to be in both groups: each approver fills at most one slot.
That is bipartite matching (approvers × slots); Kuhn's augmenting paths are
plenty for the handful of people a draft has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.directory.routing import Need


@dataclass(frozen=True, slots=True)
class Tally:
    filled: tuple[tuple[str, ...], ...]   # per need, who counted towards it
    needs: tuple[Need, ...]
    short: tuple[tuple[Need, int], ...] = ()   # each need still short, and by how many (set by `tally`)

    @property
    def met(self) -> bool:
        return not self.short

    def missing(self) -> list[tuple[Need, int]]:
        return list(self.short)

    def summary(self) -> str:
        return "; ".join(f"{n.label}: {len(f)} of {n.count}" for f, n in zip(self.filled, self.needs, strict=True))


def tally(needs: Iterable[Need], approvers: Iterable[str], requester: str) -> Tally:
    """The largest assignment of approvers (never the requester) to the needs' slots."""
    needs = tuple(needs)
    slots = [i for i, need in enumerate(needs) for _ in range(need.count)]
    people = sorted({a for a in approvers if a != requester})
    slot_owner: list[str | None] = [None] * len(slots)

    def place(person: str, visited: set[int]) -> bool:
        for s, need_index in enumerate(slots):
            if s in visited or not needs[need_index].admits(person):
                continue
            visited.add(s)
            owner = slot_owner[s]
            if owner is None or place(owner, visited):
                slot_owner[s] = person
                return True
        return False

    for person in people:
        place(person, set())
    filled: list[list[str]] = [[] for _ in needs]
    for s, owner in enumerate(slot_owner):
        if owner is not None:
            filled[slots[s]].append(owner)
    short = tuple((n, n.count - len(f)) for f, n in zip(filled, needs, strict=True) if len(f) < n.count)
    return Tally(tuple(tuple(sorted(f)) for f in filled), needs, short)
