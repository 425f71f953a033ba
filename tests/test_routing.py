"""routing.yaml: the org directory and routes, validated with file-and-line errors; exact quorum."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import Directory, load_directory
from bot.directory.routing import Need
from bot.policy.errors import CorpusError
from bot.workflow.quorum import tally

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "routing.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(CorpusError) as err:
        load_directory(write(tmp_path, body))
    return [str(p) for p in err.value.problems]


def test_the_default_corpus_routing_loads_and_routes_by_topic() -> None:
    d = load_directory(POLICIES)
    assert d.hub == "coe-hub" and d.department_of("ada.lovelace@northwindlabs.com") == "engineering"
    plan = d.plan([("financial", "review", "financial.results")], "engineering", "ada.lovelace@northwindlabs.com")
    assert plan.route_ids == ("financial",) and plan.groups == ("investor-relations",)
    both = d.plan([("claims", "review", "claims.comparison"), ("legal", "review", "legal.incident")],
                  "marketing", "aisha.bello@northwindlabs.com")
    assert both.route_ids == ("disclosure-and-claims", "comparisons-and-pricing", "legal")
    assert set(both.groups) == {"marketing-advisors", "product-marketing", "legal"}
    assert both.remind_after is not None and both.remind_after.total_seconds() == 2 * 3600  # the strictest SLA
    nothing = d.plan([("conduct", "review", "conduct.insult")], "sales", "priya.shah@northwindlabs.com")
    assert nothing.route_ids == ("default",) and nothing.groups == ("sales-advisors", "coe-hub")


def test_without_routing_yaml_everything_goes_to_the_hub(tmp_path: Path) -> None:
    d = load_directory(tmp_path, hub_members="Maria@NW.example, sam@nw.example")
    plan = d.plan([("legal", "review", "legal.x")], "", "ada@nw.example")
    assert plan.groups == ("coe-hub",) and plan.needs[0].members == ("maria@nw.example", "sam@nw.example")
    assert plan.eligible("sam@nw.example", "ada@nw.example")
    open_hub = load_directory(tmp_path, hub_members="")
    trial = open_hub.plan([], "", "ada@nw.example")
    assert trial.eligible("anyone@nw.example", "ada@nw.example")
    assert not trial.eligible("ada@nw.example", "ada@nw.example")


def test_a_group_only_the_requester_could_approve_brings_in_the_hub() -> None:
    from conftest import HUB, REQUESTER, routing_spec

    spec = routing_spec()
    d = Directory(spec.model_copy(update={"groups": {**spec.groups, "eng-advisors": spec.groups["eng-advisors"]
                                                     .model_copy(update={"members": (REQUESTER,)})}}))
    plan = d.plan([("claims", "review")], "engineering", REQUESTER)
    assert plan.groups == ("eng-advisors", "coe-hub") and plan.eligible(HUB[0], REQUESTER)
    assert "too few approvers" in plan.notes[0]


def test_unknown_keys_and_bad_values_name_file_and_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "hub: coe-hub\ngroups:\n  coe-hub:\n    members: [a@nw.example]\n"
                               "    slack_chanel: C1\nsla:\n  remind_after: soon\n")
    assert any(p.startswith("routing.yaml:5: unknown key 'slack_chanel'") and "slack_channel" in p for p in found)
    assert any(p.startswith("routing.yaml:7:") and "not a duration" in p for p in found)


def test_references_to_unknown_groups_and_departments_are_errors(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
hub: coe-hub
groups:
  coe-hub: {members: [a@nw.example]}
departments:
  sales: {advisors: sales-advisers}
people:
  - {email: b@nw.example, department: marketing}
routes:
  - id: legal
    categories: [legal]
    require: [{group: legal}]
""")
    assert any(p.startswith("routing.yaml:5: unknown group 'sales-advisers'") for p in found)
    assert any(p.startswith("routing.yaml:7: unknown department 'marketing'") for p in found)
    assert any(p.startswith("routing.yaml:11: unknown group 'legal'") for p in found)


def test_a_requirement_needs_one_source_and_a_bad_email_is_caught(tmp_path: Path) -> None:
    found = problems(tmp_path, "groups:\n  coe-hub: {members: [not-an-email]}\ndefault:\n  require: [{count: 2}]\n")
    assert any("routing.yaml:2:" in p and "not an e-mail" in p for p in found)
    assert any("routing.yaml:4:" in p and "exactly one of 'group' or 'any_of'" in p for p in found)


def test_sla_steps_must_be_in_order(tmp_path: Path) -> None:
    found = problems(tmp_path, "groups:\n  coe-hub: {members: [a@nw.example]}\nsla:\n  remind_after: 2d\n"
                               "  escalate_after: 1d\n")
    assert any("routing.yaml:3:" in p and "remind_after" in p and "must not be later" in p for p in found)


def test_quorum_counts_each_person_once() -> None:
    legal = Need("legal", ("legal",), ("x@nw", "y@nw"), 1)
    dept = Need("eng", ("eng",), ("x@nw", "z@nw"), 1)
    assert not tally([legal, dept], ["x@nw"], "r@nw").met            # x cannot fill both slots
    assert tally([legal, dept], ["x@nw", "z@nw"], "r@nw").met        # x → legal, z → eng
    assert tally([legal, dept], ["x@nw", "y@nw"], "r@nw").met        # y → legal, x → eng (reassigned)
    two = Need("legal", ("legal",), ("x@nw", "y@nw", "r@nw"), 2)
    assert not tally([two], ["x@nw", "r@nw"], "r@nw").met            # the requester never counts
    assert tally([two], ["x@nw", "y@nw", "stranger@nw"], "r@nw").summary() == "legal: 2 of 2"
