"""Schema of `routing.yaml`: the org directory, approver groups, routes and SLA.

A company edits this file, not code. Every model forbids unknown keys, so a typo
is an error naming the key and its line (see `bot.directory.loader`).

    hub: coe-hub                      # the CoE hub group: default route and escalations
    sla: {remind_after: 4h, escalate_after: 1d, expire_after: 7d, escalate_to: coe-hub}
    departments:
      engineering: {name: Engineering, advisors: engineering-advisors}
    groups:
      coe-hub:
        members: [maria.lopez@northwind.example]
        backups: [sam.okafor@northwind.example]
        slack_channel: C05COEHUB01
        teams_channel: "19:coe-hub@thread.tacv2"
    people:
      - {email: ada@northwind.example, name: Ada, department: engineering, slack_id: U01ADA}
    routes:
      - id: financial
        categories: [financial]
        require:
          - {group: investor-relations}     # one approval from investor relations
          - {group: department}             # and one from the requester's department advisors
      - id: marketing-claims
        categories: [claims]
        departments: [marketing]
        require: [{group: department, count: 2}]   # two of the marketing advisors
    default:
      require: [{any_of: [department, coe-hub]}]   # anyone from either group

`department` in a requirement means the requester's department advisors (the
hub when the requester has no department or it has no advisors).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

DEPARTMENT = "department"  # reserved group name: the requester's department advisors

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> object:
    """'30m', '4h', '2d', '1w' (or a number of seconds) → timedelta; anything else is left
    for pydantic to reject with its own message."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"'{value}' is not a duration; write e.g. 30m, 4h, 2d or 1w")
        amount, unit = float(match.group(1)), match.group(2)[0].lower()
        return timedelta(seconds=amount * _UNIT_SECONDS[unit])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _email(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"'{value}' is not an e-mail address")
    return value


Email = Annotated[str, BeforeValidator(_email)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sla(Strict):
    """When to remind the approvers, escalate to the hub, and give up (expire)."""

    remind_after: Duration | None = timedelta(hours=4)
    escalate_after: Duration | None = timedelta(days=1)
    expire_after: Duration | None = timedelta(days=7)
    escalate_to: str | None = None          # a group; the hub when not given

    @model_validator(mode="after")
    def _ordered(self) -> Sla:
        steps = [(n, getattr(self, n)) for n in ("remind_after", "escalate_after", "expire_after")]
        present = [(n, v) for n, v in steps if v is not None]
        for (a, va), (b, vb) in zip(present, present[1:], strict=False):
            if va > vb:
                raise ValueError(f"{a} ({va}) must not be later than {b} ({vb})")
        return self


class SlaOverride(Strict):
    """A route's own SLA; keys left out fall back to the file's `sla`."""

    remind_after: Duration | None = None
    escalate_after: Duration | None = None
    expire_after: Duration | None = None
    escalate_to: str | None = None


class Group(Strict):
    name: str = ""
    members: tuple[Email, ...] = ()
    backups: tuple[Email, ...] = ()         # may decide too; also reminded when the SLA slips
    slack_channel: str = ""                 # Slack channel id where review cards go
    teams_channel: str = ""                 # Teams channel id (19:…@thread.tacv2)
    open: bool = False                      # anyone but the requester may decide (demo default only)


class Department(Strict):
    name: str = ""
    advisors: str | None = None             # the group of this department's social advisors


class Person(Strict):
    email: Email
    name: str = ""
    department: str = ""
    slack_id: str = ""
    teams_id: str = ""


class Requirement(Strict):
    """`count` approvals from members of `group` (or of any of `any_of`), each person counted once."""

    group: str | None = None
    any_of: tuple[str, ...] = ()
    count: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> Requirement:
        if (self.group is None) == (not self.any_of):
            raise ValueError("a requirement needs exactly one of 'group' or 'any_of'")
        return self

    @property
    def groups(self) -> tuple[str, ...]:
        return (self.group,) if self.group is not None else self.any_of


Severity = Literal["allow", "review", "block"]


class Route(Strict):
    """Matches a check when some finding fits all of the given filters (an empty filter matches all)."""

    id: str
    categories: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()             # rule ids, '*' globs allowed (claims.comparison, legal.*)
    departments: tuple[str, ...] = ()       # the requester's department
    severities: tuple[Severity, ...] = ()
    require: tuple[Requirement, ...] = Field(min_length=1)
    sla: SlaOverride | None = None


class DefaultRoute(Strict):
    require: tuple[Requirement, ...] = Field(default=(Requirement(group=DEPARTMENT),), min_length=1)
    sla: SlaOverride | None = None


class RoutingFile(Strict):
    hub: str = "coe-hub"
    sla: Sla = Sla()
    departments: dict[str, Department] = {}
    groups: dict[str, Group] = {}
    people: tuple[Person, ...] = ()
    routes: tuple[Route, ...] = ()
    default: DefaultRoute = DefaultRoute()
