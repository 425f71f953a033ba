"""Teams end to end: real activities posted over HTTP to /api/messages, a fake Bot Connector
(a real HTTP server) receiving replies, proactive cards and in-place updates. Runs on
SQLite and PostgreSQL, on the Agents SDK (default) and on botbuilder."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.teams.mount import mount
from adapters.teams.settings import TeamsSettings
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.steward import Steward
from bot.store.database import Database
from tests.fakes.bot_connector import FakeConnector
from tests.support import POLICIES
from tests.teams_support import (
    APPROVERS_CHANNEL,
    assert_valid_card,
    card_action,
    cards_in,
    installed_in_approvers_channel,
    message,
    reaction,
)

ADA = "ada.lovelace@northwindlabs.com"          # engineering, the requester
DEV = "dev.patel@northwindlabs.com"             # engineering social advisor: approves
CARLOS = "carlos.mendes@northwindlabs.com"      # a sales advisor: may not vote on engineering drafts
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@dataclass
class Rig:
    steward: Steward
    connector: FakeConnector
    url: str
    http: aiohttp.ClientSession
    turns: Any

    async def post(self, activity: dict[str, Any], **headers: str) -> tuple[int, Any]:
        """Post an activity; messages are answered 202 at once and worked after: wait for that work."""
        async with self.http.post(self.url + "/api/messages", json=activity, headers=headers) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
        await self.turns.background.drain()
        return resp.status, body


@pytest.fixture(params=["agents", "botbuilder"])
async def rig(request: pytest.FixtureRequest, db: Database, corpus: Any,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    monkeypatch.setenv("STEWARD_TEAMS_ANONYMOUS", "true")
    monkeypatch.setenv("STEWARD_TEAMS_SDK", request.param)
    connector = await FakeConnector(members={
        "29:ada": {"id": "29:ada", "email": ADA, "name": "Ada Lovelace"},
        "29:dev": {"id": "29:dev", "email": DEV, "name": "Dev Patel"},
        "29:carlos": {"id": "29:carlos", "userPrincipalName": CARLOS, "name": "Carlos Mendes"},
    }).start()
    steward = Steward(corpus, db=db, directory=load_directory(POLICIES), platforms=("teams",))
    app = web.Application()
    turns = await mount(app, TeamsSettings(), steward)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield Rig(steward, connector, str(server.make_url("")).rstrip("/"), http, turns)
    await server.close()
    await connector.close()


def _only_card(calls: list[Any]) -> dict[str, Any]:
    cards = [c for call in calls for c in cards_in(call.body)]
    assert len(cards) == 1, cards
    assert_valid_card(cards[0])
    return cards[0]


def _execute_actions(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """verb → data of every Action.Execute on the card, including those inside ShowCards."""
    found: dict[str, dict[str, Any]] = {}

    def walk(actions: list[dict[str, Any]]) -> None:
        for a in actions:
            if a["type"] == "Action.Execute":
                found[a["verb"]] = a["data"]
            elif a["type"] == "Action.ShowCard":
                walk(a["card"].get("actions", []))
    walk(card.get("actions", []))
    return found


async def test_check_send_for_approval_and_approve_by_reaction(rig: Rig) -> None:
    svc = rig.connector.url
    status, _ = await rig.post(installed_in_approvers_channel(svc, "29:dev"))   # Steward added to the approvers' team
    assert status in (200, 201, 202)

    # Carlos has talked to Steward before: his 1:1 chat is known
    status, _ = await rig.post(message(svc, "29:carlos", "hi"))
    assert status in (200, 202)

    # Ada checks a draft in her 1:1 chat: a review card with "Send for approval"
    status, _ = await rig.post(message(svc, "29:ada", CLAIM))
    assert status in (200, 202)
    card = _only_card(rig.connector.sent("a:chat-29:ada"))
    assert "review" in str(card["body"][0]["text"]).lower()
    actions = _execute_actions(card)
    assert "submit" in actions and isinstance(actions["submit"]["check_id"], int)
    assert CLAIM not in str(actions)                                # buttons carry ids, never the draft

    # She presses it: the invoke answers with the updated card; the approvers' card goes out through the outbox
    status, body = await rig.post(card_action(svc, "29:ada", actions["submit"]))
    assert status == 200 and body["statusCode"] == 200
    assert_valid_card(body["value"])
    assert not {"approve", "reject"} & set(_execute_actions(body["value"]))   # never vote on your own draft
    report = await rig.steward.dispatch()
    assert report.sent >= 1
    posted = [c for c in rig.connector.sent(APPROVERS_CHANNEL, "POST")]
    assert len(posted) == 1
    hub_card = _only_card(posted)
    assert "refresh" in hub_card and hub_card["refresh"]["action"]["verb"] == "refresh"
    assert "actions" not in hub_card                                # the channel's copy is read-only
    card_id = posted[0].created

    # Carlos reacts 👍: refused, told privately, nothing recorded
    before = len(rig.connector.calls)
    status, _ = await rig.post(reaction(svc, "29:carlos", card_id))
    assert status in (200, 202)
    told = [c for c in rig.connector.calls[before:] if c.conversation == "a:chat-29:carlos"]
    assert told and "not" in str(told[0].body).lower()
    assert (await rig.steward.dispatch()).sent == 0

    # Dev reacts 👍: approved; the card is updated in place and Ada hears about it
    reacted = reaction(svc, "29:dev", card_id)
    status, _ = await rig.post(reacted)
    assert status in (200, 202)
    await rig.steward.dispatch()
    updates = rig.connector.sent(APPROVERS_CHANNEL, "PUT")
    assert [u.activity_id for u in updates] == [card_id]
    updated = cards_in(updates[-1].body)[0]
    assert_valid_card(updated)
    assert "approved" in str(updated).lower() and "refresh" not in updated   # final: no more refreshes
    to_ada = [c for c in rig.connector.sent("a:chat-29:ada") if "approved" in str(c.body).lower()]
    assert len(to_ada) == 1

    # The same reaction delivered again changes nothing and sends nothing
    calls = len(rig.connector.calls)
    status, _ = await rig.post(reacted)
    assert status in (200, 202)
    await rig.steward.dispatch()
    assert len(rig.connector.calls) == calls


async def test_approver_buttons_refresh_per_viewer_and_vote_with_the_version(rig: Rig) -> None:
    svc = rig.connector.url
    await rig.post(installed_in_approvers_channel(svc, "29:dev"))
    await rig.post(message(svc, "29:ada", CLAIM))
    submit = _execute_actions(_only_card(rig.connector.sent("a:chat-29:ada")))["submit"]
    _, body = await rig.post(card_action(svc, "29:ada", submit))
    await rig.steward.dispatch()
    hub_card = _only_card(rig.connector.sent(APPROVERS_CHANNEL, "POST"))
    refresh = hub_card["refresh"]["action"]["data"]

    # Dev's client refreshes the card: she gets the vote buttons; Carlos gets none
    _, mine = await rig.post(card_action(svc, "29:dev", refresh, verb="refresh"))
    assert_valid_card(mine["value"])
    dev_actions = _execute_actions(mine["value"])
    assert {"approve", "reject", "changes"} <= set(dev_actions)
    assert dev_actions["approve"]["version"] == 1
    _, carloss = await rig.post(card_action(svc, "29:carlos", refresh, verb="refresh"))
    assert not {"approve", "reject", "changes"} & set(_execute_actions(carloss["value"]))

    # a vote naming another version is refused; the right one decides
    stale = {**dev_actions["approve"], "version": 2}
    _, refused = await rig.post(card_action(svc, "29:dev", stale))
    assert "version" in str(refused["value"]).lower()
    _, decided = await rig.post(card_action(svc, "29:dev", {**dev_actions["approve"], "note": "ok, Gartner"}))
    assert "approved" in str(decided["value"]).lower()


async def test_malformed_and_unknown_input_get_polite_answers_never_a_500(rig: Rig) -> None:
    svc = rig.connector.url
    async with rig.http.post(rig.url + "/api/messages", data=b"{not json") as resp:
        assert resp.status == 400
    status, _ = await rig.post({"type": "message"})                 # no conversation, no serviceUrl
    assert status == 400
    status, _ = await rig.post({"type": "typing", "serviceUrl": svc, "conversation": {"id": "a:x"}})
    assert status in (200, 202)                                      # well-formed but not for us: ignored
    status, body = await rig.post(card_action(svc, "29:ada", {"steward": 1, "action": "approve"}))
    assert status == 200 and body["statusCode"] == 200               # missing ids: a polite card
    assert "can't" in str(body["value"]).lower()
    status, body = await rig.post(card_action(svc, "29:ada", {"foreign": True}, verb="launch_missiles"))
    assert status == 200 and "can't" in str(body["value"]).lower()
    # someone else's submission: forbidden, said politely
    status, body = await rig.post(card_action(svc, "29:carlos", {"steward": 1, "action": "withdraw",
                                                                "submission_id": 999999}))
    assert status == 200 and body["statusCode"] == 200


async def test_unknown_user_without_email_is_told_why(rig: Rig) -> None:
    svc = rig.connector.url
    status, _ = await rig.post(message(svc, "29:stranger", "can I post about our roadmap?"))
    assert status in (200, 202)
    said = rig.connector.sent("a:chat-29:stranger")
    assert said and "who you are" in str(said[-1].body)


async def test_a_channel_without_steward_is_reported_not_dropped(rig: Rig) -> None:
    svc = rig.connector.url
    await rig.post(message(svc, "29:ada", CLAIM))                     # Steward not installed in the approvers' team
    submit = _execute_actions(_only_card(rig.connector.sent("a:chat-29:ada")))["submit"]
    await rig.post(card_action(svc, "29:ada", submit))
    report = await rig.steward.dispatch()
    assert report.dead >= 1 and report.sent == 0


async def _submitted(rig: Rig) -> str:
    """Ada's claim sent for approval, its card posted in the approvers' channel: the card's id."""
    svc = rig.connector.url
    await rig.post(installed_in_approvers_channel(svc, "29:dev"))
    await rig.post(message(svc, "29:ada", CLAIM))
    submit = _execute_actions(_only_card(rig.connector.sent("a:chat-29:ada")))["submit"]
    await rig.post(card_action(svc, "29:ada", submit))
    await rig.steward.dispatch()
    return rig.connector.sent(APPROVERS_CHANNEL, "POST")[0].created


async def test_a_reply_in_the_cards_thread_reaches_the_requester(rig: Rig) -> None:
    card_id = await _submitted(rig)
    svc = rig.connector.url
    reply = message(svc, "29:dev", "Can you link the Gartner report?",
                    conversation={"id": f"{APPROVERS_CHANNEL};messageid={card_id}", "conversationType": "channel"})
    reply["channelData"] = {"channel": {"id": APPROVERS_CHANNEL}}
    status, _ = await rig.post(reply)
    assert status in (200, 202)
    await rig.steward.dispatch()
    to_ada = [c for c in rig.connector.sent("a:chat-29:ada") if "Gartner" in json.dumps(c.body)]
    assert len(to_ada) == 1


async def test_connector_failures_are_retried_through_the_outbox(rig: Rig) -> None:
    svc = rig.connector.url
    await rig.post(installed_in_approvers_channel(svc, "29:dev"))
    await rig.post(message(svc, "29:ada", CLAIM))
    submit = _execute_actions(_only_card(rig.connector.sent("a:chat-29:ada")))["submit"]
    await rig.post(card_action(svc, "29:ada", submit))
    rig.connector.fail_next(429, retry_after="1")
    rig.connector.fail_next(500, times=2)
    now = datetime.now(UTC)
    for step in range(12):
        await rig.steward.dispatch(now + timedelta(minutes=5 * step))
    posted = rig.connector.sent(APPROVERS_CHANNEL, "POST")
    assert len(posted) == 4 and len({p.created for p in posted if p.created}) == 1   # 3 failures, 1 success


async def test_check_with_steward_on_any_message(rig: Rig) -> None:
    svc = rig.connector.url
    await rig.post(message(svc, "29:ada", "hi"))
    act = message(svc, "29:ada", "")
    act.update(type="invoke", name="composeExtension/fetchTask",
               value={"commandId": "checkWithSteward", "commandContext": "message",
                      "messagePayload": {"body": {"contentType": "html",
                                                  "content": "<p>Our Q3 revenue was up 40%, announcing Monday!</p>"}}})
    status, body = await rig.post(act)
    assert status == 200
    card = body["task"]["value"]["card"]["content"]
    assert_valid_card(card)
    assert card["body"][0]["color"] in ("warning", "attention")
