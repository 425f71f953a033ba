"""Load `routing.yaml` from a corpus folder, validated with file-and-line problems.

    directory = load_directory(Path("policies"))          # CorpusError if the file is wrong
    directory = load_directory(Path("plain-markdown-corpus"))  # no routing.yaml: built-in default

The built-in default routes everything to the CoE hub: its members come from
`STEWARD_HUB_MEMBERS` (comma-separated e-mails), its channels from
`STEWARD_HUB_SLACK_CHANNEL` and `STEWARD_HUB_TEAMS_CHANNEL`. Without members the
hub is open (anyone but the requester may decide), which suits a first trial only.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.directory.models import DEPARTMENT, RoutingFile
from bot.directory.routing import Directory
from bot.policy.errors import CorpusError, Problem
from bot.policy.yamlfile import YamlSource, load_yaml_source

ROUTING_FILE = "routing.yaml"


def load_directory(corpus_dir: Path | None, *, hub_members: str | None = None) -> Directory:
    """The directory of `corpus_dir`/routing.yaml, or the built-in default when there is none."""
    path = corpus_dir / ROUTING_FILE if corpus_dir is not None else None
    if path is None or not path.exists():
        members = hub_members if hub_members is not None else os.environ.get("STEWARD_HUB_MEMBERS", "")
        return Directory.default(members.split(","),
                                 slack_channel=os.environ.get("STEWARD_HUB_SLACK_CHANNEL", "").strip(),
                                 teams_channel=os.environ.get("STEWARD_HUB_TEAMS_CHANNEL", "").strip())
    assert corpus_dir is not None
    spec, source = load_yaml_source(path, RoutingFile, corpus_dir)
    problems = cross_reference_problems(spec, source)
    if problems:
        raise CorpusError(problems)
    return Directory(spec, source=source.rel)


def cross_reference_problems(spec: RoutingFile, source: YamlSource) -> list[Problem]:
    """Names that must refer to something defined elsewhere in the file."""
    groups = set(spec.groups)
    known = ", ".join(sorted(groups)) or "(none defined)"
    problems: list[Problem] = []

    def group_ref(loc: tuple[str | int, ...], name: str, *, reserved_ok: bool = False) -> None:
        if name in groups or (reserved_ok and name == DEPARTMENT):
            return
        hint = f"define it under groups:, or use one of {known}"
        if reserved_ok:
            hint += f" (or '{DEPARTMENT}' for the requester's department advisors)"
        problems.append(source.problem(loc, f"unknown group '{name}'", hint))

    if spec.hub not in groups:
        problems.append(source.problem(("hub",) if source.item(("hub",)) else (),
                                       f"the hub group '{spec.hub}' is not defined under groups:",
                                       "add it under groups: with its members and channels"))
    if spec.sla.escalate_to:
        group_ref(("sla", "escalate_to"), spec.sla.escalate_to)
    for dept_id, dept in spec.departments.items():
        if dept.advisors:
            group_ref(("departments", dept_id, "advisors"), dept.advisors)
    seen_people: dict[str, int] = {}
    for i, person in enumerate(spec.people):
        if person.department and person.department not in spec.departments:
            problems.append(source.problem(
                ("people", i, "department"), f"unknown department '{person.department}' for {person.email}",
                f"define it under departments:, or use one of {', '.join(sorted(spec.departments)) or '(none)'}"))
        if person.email in seen_people:
            problems.append(source.problem(("people", i, "email"),
                                           f"{person.email} is listed twice (first as person {seen_people[person.email]})",
                                           "keep one entry per person"))
        seen_people.setdefault(person.email, i + 1)
    route_ids: set[str] = set()
    for i, route in enumerate(spec.routes):
        if route.id in route_ids:
            problems.append(source.problem(("routes", i, "id"), f"route id '{route.id}' is used twice",
                                           "give every route its own id"))
        route_ids.add(route.id)
        for d, dept_name in enumerate(route.departments):
            if dept_name not in spec.departments:
                problems.append(source.problem(("routes", i, "departments", d), f"unknown department '{dept_name}'",
                                               "define it under departments:"))
        for j, req in enumerate(route.require):
            key = "group" if req.group is not None else "any_of"
            for name in req.groups:
                group_ref(("routes", i, "require", j, key), name, reserved_ok=True)
        if route.sla and route.sla.escalate_to:
            group_ref(("routes", i, "sla", "escalate_to"), route.sla.escalate_to)
    for j, req in enumerate(spec.default.require):
        key = "group" if req.group is not None else "any_of"
        for name in req.groups:
            group_ref(("default", "require", j, key), name, reserved_ok=True)
    return problems
