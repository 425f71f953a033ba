"""The org directory at run time, and routing: which approvers a draft needs.

`Directory.plan(findings, department, requester)` turns a check's findings into
a `RoutePlan`: every route that matches contributes its requirements (a draft
with a financial and a legal finding needs investor relations *and* legal); a
draft no route matches takes the default route. The plan is a snapshot stored
with the submission, so editing routing.yaml never changes the quorum of a
draft already in review; a resubmission is routed afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any, Literal

from bot.directory.models import DEPARTMENT, Group, Person, Requirement, RoutingFile, Sla

Platform = Literal["slack", "teams"]


@dataclass(frozen=True, slots=True)
class Need:
    """One resolved requirement: `count` approvals from distinct people in `members`."""

    label: str
    groups: tuple[str, ...]
    members: tuple[str, ...]      # e-mails of members and backups, sorted
    count: int = 1
    open: bool = False            # anyone but the requester counts

    def admits(self, email: str) -> bool:
        return self.open or email in self.members

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "groups": list(self.groups), "members": list(self.members),
                "count": self.count, "open": self.open}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Need:
        return cls(label=data["label"], groups=tuple(data["groups"]), members=tuple(data["members"]),
                   count=int(data["count"]), open=bool(data.get("open", False)))


@dataclass(frozen=True, slots=True)
class RoutePlan:
    route_ids: tuple[str, ...]
    needs: tuple[Need, ...]
    escalate_to: str
    remind_after: timedelta | None = None
    escalate_after: timedelta | None = None
    expire_after: timedelta | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def groups(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for need in self.needs:
            for g in need.groups:
                seen.setdefault(g, None)
        return tuple(seen)

    def eligible(self, email: str, requester: str) -> bool:
        """May `email` vote on a draft of `requester` routed this way? Never the requester."""
        return email != requester and any(n.admits(email) for n in self.needs)

    def describe(self) -> str:
        return " and ".join(f"{n.count} from {n.label}" for n in self.needs)

    def to_json(self) -> dict[str, Any]:
        def secs(d: timedelta | None) -> float | None:
            return None if d is None else d.total_seconds()
        return {"route_ids": list(self.route_ids), "needs": [n.to_json() for n in self.needs],
                "escalate_to": self.escalate_to, "remind_after": secs(self.remind_after),
                "escalate_after": secs(self.escalate_after), "expire_after": secs(self.expire_after),
                "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoutePlan:
        def td(v: float | None) -> timedelta | None:
            return None if v is None else timedelta(seconds=v)
        return cls(route_ids=tuple(data["route_ids"]), needs=tuple(Need.from_json(n) for n in data["needs"]),
                   escalate_to=data["escalate_to"], remind_after=td(data.get("remind_after")),
                   escalate_after=td(data.get("escalate_after")), expire_after=td(data.get("expire_after")),
                   notes=tuple(data.get("notes", ())))


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a notification goes: a person (by e-mail) or a group's channel.

    `slack` / `teams` carry the platform address when the directory knows it (a
    channel id for a group, a user id for a person); an adapter falls back to
    looking a person up by e-mail, and for a group without a channel on its
    platform the service sends to each member instead.
    """

    kind: Literal["person", "group"]
    id: str                        # e-mail or group id
    name: str = ""
    slack: str = ""
    teams: str = ""


class Directory:
    """People, departments, groups and routes from routing.yaml (or the built-in default)."""

    def __init__(self, spec: RoutingFile, *, source: str = "routing.yaml") -> None:
        self.spec = spec
        self.source = source
        self._people = {p.email: p for p in spec.people}
        self._by_platform: dict[tuple[str, str], str] = {}
        for p in spec.people:
            if p.slack_id:
                self._by_platform[("slack", p.slack_id)] = p.email
            if p.teams_id:
                self._by_platform[("teams", p.teams_id)] = p.email

    # --- the built-in default ----------------------------------------------------

    @classmethod
    def default(cls, hub_members: Iterable[str] = (), *, slack_channel: str = "", teams_channel: str = "") -> Directory:
        """Everything goes to the CoE hub. With no hub members named (STEWARD_HUB_MEMBERS), the hub
        is open: anyone but the requester may decide — fine for a trial, not for production."""
        members = tuple(sorted({m.strip().lower() for m in hub_members if m.strip()}))
        hub = Group(name="CoE hub", members=members, open=not members, slack_channel=slack_channel,
                    teams_channel=teams_channel)
        spec = RoutingFile(hub="coe-hub", groups={"coe-hub": hub})
        return cls(spec, source="built-in default (no routing.yaml)")

    # --- people --------------------------------------------------------------------

    @property
    def hub(self) -> str:
        return self.spec.hub

    def person(self, email: str) -> Person | None:
        return self._people.get(email.strip().lower())

    def department_of(self, email: str) -> str:
        person = self.person(email)
        return person.department if person else ""

    def email_for(self, platform: Platform, user_id: str) -> str | None:
        """The e-mail of a platform user id listed in routing.yaml's people, if any."""
        return self._by_platform.get((platform, user_id))

    def group(self, group_id: str) -> Group | None:
        return self.spec.groups.get(group_id)

    def groups_of(self, email: str) -> tuple[str, ...]:
        email = email.lower()
        return tuple(g for g, grp in self.spec.groups.items() if email in grp.members or email in grp.backups)

    def members_of(self, group_id: str) -> frozenset[str]:
        grp = self.group(group_id)
        return frozenset(grp.members) | frozenset(grp.backups) if grp is not None else frozenset()

    def rule_owners(self, category: str, rule: str) -> tuple[str, ...]:
        """The groups that own a rule: those its routes name by category or rule id (not the
        requester's department advisors, who approve drafts but do not own the policy). The CoE hub
        owns every rule no route names."""
        owners: dict[str, None] = {}
        for r in self.spec.routes:
            if r.departments:
                continue
            by_category = not r.categories or category in r.categories
            by_rule = not r.rules or any(fnmatchcase(rule, p) for p in r.rules)
            if (r.categories or r.rules) and by_category and by_rule:
                for req in r.require:
                    for g in req.groups:
                        if g != DEPARTMENT:
                            owners.setdefault(g, None)
        return tuple(owners) or (self.hub,)

    # --- recipients -----------------------------------------------------------------

    def person_recipient(self, email: str) -> Recipient:
        p = self.person(email)
        if p is None:
            return Recipient("person", email)
        return Recipient("person", p.email, p.name, p.slack_id, p.teams_id)

    def group_recipients(self, group_id: str, *, with_backups: bool = False) -> list[Recipient]:
        """The group's channel; its members one by one when it has no channel on any platform."""
        grp = self.group(group_id)
        if grp is None:
            return []
        out: list[Recipient] = []
        if grp.slack_channel or grp.teams_channel:
            out.append(Recipient("group", group_id, grp.name or group_id, grp.slack_channel, grp.teams_channel))
        else:
            out.extend(self.person_recipient(m) for m in grp.members)
        if with_backups:
            out.extend(self.person_recipient(b) for b in grp.backups)
        return out

    # --- routing ---------------------------------------------------------------------

    def advisors(self, department: str) -> str:
        dept = self.spec.departments.get(department)
        if dept is not None and dept.advisors:
            return dept.advisors
        return self.hub

    def plan(self, findings: Iterable[tuple[str, ...]], department: str, requester: str) -> RoutePlan:
        """Route a draft. `findings` are (category, severity[, rule id]) tuples; tips (severity
        allow) only match routes that list `allow` in their severities."""
        found = [(f[0], f[1], f[2] if len(f) > 2 else "") for f in findings]
        matched = [r for r in self.spec.routes
                   if (not r.departments or department in r.departments)
                   and any((not r.categories or cat in r.categories)
                           and (not r.rules or any(fnmatchcase(rule, pattern) for pattern in r.rules))
                           and (sev in r.severities if r.severities else sev != "allow")
                           for cat, sev, rule in found)]
        requirements: list[Requirement] = []
        overrides = []
        if matched:
            for r in matched:
                requirements.extend(r.require)
                if r.sla is not None:
                    overrides.append(r.sla)
            route_ids = tuple(r.id for r in matched)
        else:
            requirements.extend(self.spec.default.require)
            if self.spec.default.sla is not None:
                overrides.append(self.spec.default.sla)
            route_ids = ("default",)
        needs, notes = self._needs(requirements, department, requester)
        return RoutePlan(route_ids=route_ids, needs=needs, notes=notes, **self._sla(self.spec.sla, overrides))

    def _needs(self, requirements: list[Requirement], department: str,
               requester: str) -> tuple[tuple[Need, ...], tuple[str, ...]]:
        merged: dict[tuple[str, ...], int] = {}
        for req in requirements:
            groups = tuple(dict.fromkeys(self.advisors(department) if g == DEPARTMENT else g for g in req.groups))
            merged[groups] = max(merged.get(groups, 0), req.count)
        needs: list[Need] = []
        notes: list[str] = []
        for groups, count in merged.items():
            members, is_open = self._members(groups)
            label = " or ".join(groups)
            others = [m for m in members if m != requester]
            if not is_open and len(others) < count and self.hub not in groups:
                # Nobody but the requester could approve: let the hub make up the numbers.
                notes.append(f"{label} has too few approvers besides the requester; the CoE hub may decide too")
                hub_members, hub_open = self._members((self.hub,))
                groups = (*groups, self.hub)
                members = tuple(sorted(set(members) | set(hub_members)))
                is_open = is_open or hub_open
                label = " or ".join(groups)
            needs.append(Need(label=label, groups=groups, members=members, count=count, open=is_open))
        return tuple(needs), tuple(notes)

    def _members(self, groups: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
        people: set[str] = set()
        is_open = False
        for g in groups:
            grp = self.group(g)
            if grp is None:
                continue
            people.update(grp.members)
            people.update(grp.backups)
            is_open = is_open or grp.open
        return tuple(sorted(people)), is_open

    def _sla(self, base: Sla, overrides: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("remind_after", "escalate_after", "expire_after"):
            given = [getattr(o, name) for o in overrides if getattr(o, name) is not None]
            out[name] = min(given) if given else getattr(base, name)
        targets = [o.escalate_to for o in overrides if o.escalate_to]
        out["escalate_to"] = targets[0] if targets else (base.escalate_to or self.hub)
        return out
