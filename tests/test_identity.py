"""whoami, departments and addresses: identity comes from the directory, never from a request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HUB, LEGAL, REQUESTER, routing_spec

from bot.clock import ManualClock
from bot.directory import Directory
from bot.directory.models import Group, Person
from bot.outbox import Outbox
from bot.outbox.dispatch import Planned
from bot.policy import load_corpus
from bot.replies import notice
from bot.steward import InvalidInput, Steward, UnknownUser
from bot.store.database import Database
from tests.support import POLICIES, ROOT


@pytest.fixture
def steward(db: Database) -> Steward:
    return Steward(load_corpus(POLICIES), directory=Directory(routing_spec()), db=db, clock=ManualClock())


async def test_whoami_links_platform_ids_and_takes_the_department_from_the_directory(steward: Steward) -> None:
    with pytest.raises(UnknownUser):
        await steward.whoami("slack", "U0ADA")
    ada = await steward.whoami("slack", "U0ADA", email=REQUESTER.upper(), name="Ada", department="marketing")
    assert (ada.email, ada.department, ada.user_id) == (REQUESTER, "engineering", "U0ADA")   # directory wins
    again = await steward.whoami("slack", "U0ADA")                                       # remembered
    assert again.email == REQUESTER and again.department == "engineering"
    newcomer = await steward.whoami("teams", "29:new", email="new@nw.example", department="legal")
    assert newcomer.department == "legal"          # not in the directory: the profile's, remembered
    assert (await steward.whoami("teams", "29:new")).department == "legal"
    hub = await steward.person(HUB[0])
    assert hub.is_coe and steward.is_coe(hub) and not ada.is_coe
    for bad in ("not-an-address", "a@b", "x\x00@nw.example", "\udcff@nw.example"):
        with pytest.raises(InvalidInput):
            await steward.person(bad)


async def test_a_group_without_a_channel_on_a_platform_is_messaged_member_by_member(db: Database) -> None:
    spec = routing_spec()
    groups = dict(spec.groups)
    groups["legal"] = Group(members=LEGAL[:2], slack_channel="CLEGAL")     # no Teams channel
    directory = Directory(spec.model_copy(update={
        "groups": groups, "people": (*spec.people, Person(email=LEGAL[0], teams_id="29:legal0"))}))
    outbox = Outbox(db, directory, ManualClock(), platforms=("slack", "teams"))
    to = directory.group_recipients("legal")[0]
    rows = outbox.rows([Planned(to=to, reply=notice("Review"), key="k", kind="review_request")],
                       ManualClock().now())
    assert [(r["platform"], r["recipient_kind"], r["recipient_id"], r["address"]) for r in rows] == [
        ("slack", "group", "legal", "CLEGAL"),
        ("teams", "person", LEGAL[0], "29:legal0"),      # the directory knows this member's Teams id
        ("teams", "person", LEGAL[1], ""),               # the adapter looks this one up by e-mail
    ]
    assert all(r["address"] or r["recipient_kind"] == "person" for r in rows)


def _steward_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "cli.db"), "POLICY_DIR": str(ROOT / "policies")}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, errors="surrogateescape")


@pytest.mark.parametrize("args", [
    ("approve", "99999999999999999999", "--version", "1", "--as", "rachel.adams@northwindlabs.com"),
    ("approve", "1", "--as", "rachel.adams@northwindlabs.com"),                      # no version named
    ("show", "0", "--as", "rachel.adams@northwindlabs.com"),
    ("comment", "1", "bad\udcffbyte", "--as", "rachel.adams@northwindlabs.com"),
    ("pending", "--as", "not an address"),
    ("reject", "1v1", "--note", "x" * 5000, "--as", "rachel.adams@northwindlabs.com"),
    ("dispute", "1-0", "--reason", "", "--as", "ada.lovelace@northwindlabs.com"),
])
def test_cli_refuses_hostile_arguments_without_a_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    out = _steward_cli(tmp_path, *args)
    assert out.returncode == 64, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and out.stderr.startswith("steward: ")


def test_cli_submit_department_is_for_the_hub_only(tmp_path: Path) -> None:
    ada = "ada.lovelace@northwindlabs.com"
    out = _steward_cli(tmp_path, "submit", "--as", ada, "--department", "legal", "We're being sued by Contoso.")
    assert out.returncode == 1 and "only the CoE hub" in out.stdout


async def test_tick_runs_sla_jobs_into_the_outbox_and_ends_unsent_check_texts(db: Database) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from bot.store.tables import CheckRecord, OutboxRow

    clock = ManualClock()
    steward = Steward(load_corpus(POLICIES), directory=Directory(routing_spec()), db=db, clock=clock)
    ada = await steward.person(REQUESTER)
    check = await steward.check_draft(ada, "Atlas is the #1 analytics platform for IoT data #employee", "local")
    assert (await steward.submit(ada, check.check_id or 0)).ok
    clock.advance(timedelta(hours=5))                                  # past remind_after (4h)
    ticked = await steward.tick()
    assert ticked.data["jobs"] and {n.kind for n in ticked.notifications} == {"reminder"}
    clock.advance(timedelta(days=31))
    assert (await steward.tick()).data["check_drafts_purged"] == 1
    async with db.reading() as s:
        row = (await s.execute(select(CheckRecord))).scalar_one()
        kinds = set((await s.execute(select(OutboxRow.kind))).scalars())
    assert row.draft is None and row.draft_hash and "reminder" in kinds
    assert (await steward.dispute(ada, f"{check.check_id}-0", "too late")).code == "invalid"


async def test_recording_a_card_message_twice_at_once_is_an_upsert(steward: Steward) -> None:
    import asyncio

    ada = await steward.person(REQUESTER)
    check = await steward.check_draft(ada, "Atlas is the #1 analytics platform for IoT data #employee", "local")
    sid = (await steward.submit(ada, check.check_id or 0)).submission_id or 0
    await asyncio.gather(*(steward.link_message(sid, 1, "slack", "CHUB", "1700000000.0001") for _ in range(5)))
    assert steward.workflow is not None
    assert await steward.workflow.card_for_message("slack", "CHUB", "1700000000.0001") == (sid, 1)
