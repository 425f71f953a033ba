"""Steward's Slack app over real HTTP: signed requests to the aiohttp server, a fake Slack Web API.

Runs on SQLite and PostgreSQL (the `db` fixture) with the default corpus and routing.yaml.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import func, select

from adapters.slack.app import SlackBot
from adapters.slack.mount import mount
from adapters.slack.settings import SlackSettings
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.steward import Steward
from bot.store.database import Database
from bot.store.tables import Submission, Vote
from tests.fakes.slack_api import FakeSlack, SlackSigner
from tests.support import POLICIES

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADA = "ada.lovelace@northwindlabs.com"         # engineering: her claims go to the engineering advisors
DEV = "dev.patel@northwindlabs.com"            # an engineering advisor
PRIYA = "priya.shah@northwindlabs.com"         # sales: may not vote on engineering drafts
USERS = {"UADA": ADA, "UDEV": DEV, "UPRIYA": PRIYA, "UMARIA": "maria.lopez@northwindlabs.com",
         "UGUEST": ""}
ENG_CHANNEL = "C05ENGSOCIAL"
HUB_CHANNEL = "C05SOCIALHUB"
CONTEST = "Enter our contest to win an Atlas hoodie #employee"
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


@dataclass
class Harness:
    url: str
    bot: SlackBot
    slack: FakeSlack
    steward: Steward
    http: aiohttp.ClientSession
    sign: SlackSigner

    async def post(self, body: str, *, content_type: str = "application/json", **kw: Any) -> aiohttp.ClientResponse:
        headers = self.sign.headers(body, content_type=content_type, **kw)
        async with self.http.post(self.url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            return resp

    async def command(self, command: str, text: str, user: str, name: str) -> aiohttp.ClientResponse:
        body = self.sign.command_body(command, text, user, response_url=self.slack.response_url(name))
        return await self.post(body, content_type="application/x-www-form-urlencoded")

    async def interactive(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        return await self.post(self.sign.interactive_body(payload), content_type="application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], event_id: str | None = None, **kw: Any) -> aiohttp.ClientResponse:
        return await self.post(self.sign.event_body(event, event_id), **kw)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


@pytest.fixture
async def harness(db: Database, corpus) -> AsyncIterator[Harness]:
    async with FakeSlack(users=dict(USERS)) as slack:
        steward = Steward(corpus, db=db, directory=load_directory(POLICIES), platforms=("slack",))
        settings = SlackSettings(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET,
                                 SLACK_API_URL=slack.api_url)
        app = web.Application()
        bot = await mount(app, settings, steward)
        runner, url = await serve(app)
        async with aiohttp.ClientSession() as http:
            yield Harness(url, bot, slack, steward, http, SlackSigner(SECRET, url))
        await runner.cleanup()


def texts(call_args: dict[str, Any]) -> str:
    """Everything a person would read in a message: fallback text and every block's text."""
    return call_args.get("text", "") + "\n" + json.dumps(call_args.get("blocks", []), ensure_ascii=False)


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for el in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if el.get("action_id") == action_id:
                return str(el["value"])
    raise AssertionError(f"no {action_id} button in {json.dumps(blocks)[:500]}")


def reaction(user: str, name: str, channel: str, ts: str, kind: str = "reaction_added") -> dict[str, Any]:
    return {"type": kind, "user": user, "reaction": name, "item_user": "UBOT",
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": "1700000100.000100"}


async def count(db: Database, model: Any) -> int:
    async with db.reading() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_canipost_to_approval_by_reaction_end_to_end(harness: Harness, db: Database) -> None:
    h, slack = harness, harness.slack

    # /canipost: acknowledged at once, the verdict arrives privately through the response URL.
    resp = await h.command("/canipost", CLAIM, "UADA", "check")
    assert resp.status == 200
    checked = (await slack.wait_for("respond:check"))[0].args
    assert checked["response_type"] == "ephemeral"
    assert "Needs review" in texts(checked)
    submit_value = button_value(checked["blocks"], "steward:submit")
    assert set(json.loads(submit_value)) == {"check_id"} and CLAIM not in submit_value   # ids, never the draft
    assert not slack.calls_to("chat.postMessage")              # the draft is in no channel yet

    # Send for approval: the requester hears privately, the card goes to the approvers' channel.
    await h.interactive(SlackSigner.button("steward:submit", submit_value, "UADA",
                                           response_url=slack.response_url("submit")))
    sent = (await slack.wait_for("respond:submit"))[0].args
    assert "Sent for approval: #1" in texts(sent)
    card = (await slack.wait_for("chat.postMessage"))[0]
    assert card.args["channel"] == ENG_CHANNEL and "Atlas is the #1 analytics platform" in texts(card.args)
    await h.bot.drain()
    card_ts = next(ts for (ch, ts) in slack.messages if ch == ENG_CHANNEL)

    # Someone who may not vote reacts: refused privately, nothing recorded.
    await h.event(reaction("UPRIYA", "white_check_mark", ENG_CHANNEL, card_ts))
    refused = (await slack.wait_for("chat.postEphemeral"))[0].args
    assert refused["user"] == "UPRIYA" and refused["channel"] == ENG_CHANNEL
    assert "only" in texts(refused).lower()
    await h.bot.drain()
    assert await count(db, Vote) == 0 and not slack.calls_to("chat.update")

    # The approver's ✅ decides it: the same card is updated in place, the requester gets a DM.
    await h.event(reaction("UDEV", "white_check_mark", ENG_CHANNEL, card_ts), "EvAPPROVE1")
    update = (await slack.wait_for("chat.update"))[0].args
    assert (update["channel"], update["ts"]) == (ENG_CHANNEL, card_ts)
    assert "Approved" in texts(update) and "steward:approve" not in texts(update)     # no votes on a final card
    dms = await slack.wait_for("chat.postMessage", 2)
    assert dms[1].args["channel"] == "DADA" and "Approved: #1" in texts(dms[1].args)
    await h.bot.drain()
    async with db.reading() as session:
        assert (await session.get(Submission, 1)).state == "approved"     # type: ignore[union-attr]

    # Slack retries the same reaction (same event id): nothing changes, on this replica or a fresh one.
    before = len(slack.calls)
    resp = await h.event(reaction("UDEV", "white_check_mark", ENG_CHANNEL, card_ts), "EvAPPROVE1", retry=1)
    assert resp.status == 200
    h.bot._seen.clear()            # a replica that never saw it: the core's idempotency key absorbs it
    await h.event(reaction("UDEV", "white_check_mark", ENG_CHANNEL, card_ts), "EvAPPROVE1", retry=2)
    await h.bot.drain()
    assert await count(db, Vote) == 1
    new_calls = [c.method for c in slack.calls[before:] if c.method not in ("users.info",)]
    assert new_calls == []


async def submitted_card(h: Harness, draft: str = CLAIM, channel: str = ENG_CHANNEL) -> str:
    """Ada's draft, sent for approval through the facade; the card's ts in `channel`."""
    person = await h.bot.identities.person("UADA")
    reply = await h.bot.steward.check_draft(person, draft, "slack")
    assert reply.check_id is not None
    assert (await h.bot.steward.submit(person, reply.check_id)).ok
    h.bot.kick()
    await h.bot.drain()
    return next(ts for (ch, ts) in h.slack.messages if ch == channel)


async def test_a_thread_reply_on_a_card_is_a_comment_the_requester_hears(harness: Harness) -> None:
    h, slack = harness, harness.slack
    card_ts = await submitted_card(h)
    await h.event({"type": "message", "channel": ENG_CHANNEL, "channel_type": "channel", "user": "UDEV",
                   "text": "Which Gartner report is the #1 from?", "ts": "1700000200.000001", "thread_ts": card_ts})
    await slack.wait_for("chat.update")
    await h.bot.drain()
    posted = [c.args for c in slack.calls_to("chat.postMessage")]
    assert any(a.get("thread_ts") == card_ts and "Gartner" in texts(a) for a in posted)      # in the card's thread
    assert any(a["channel"] == "DADA" and "Gartner" in texts(a) for a in posted)               # the requester hears
    # A thread reply under an ordinary message is not Steward's business: no call at all.
    before = len(slack.calls)
    await h.event({"type": "message", "channel": ENG_CHANNEL, "channel_type": "channel", "user": "UDEV",
                   "text": "lunch?", "ts": "1700000300.000001", "thread_ts": "1600000000.000001"})
    await h.bot.drain()
    assert [c.method for c in slack.calls[before:]] == []


async def test_a_removed_reaction_withdraws_the_vote(harness: Harness, db: Database) -> None:
    h, slack = harness, harness.slack
    card_ts = await submitted_card(h, CONTEST, HUB_CHANNEL)          # needs the hub and legal: one vote won't decide
    await h.event(reaction("UMARIA", "memo", HUB_CHANNEL, card_ts, "reaction_removed"))   # never voted: said to nobody
    await h.event(reaction("UMARIA", "heavy_check_mark", HUB_CHANNEL, card_ts), "EvVOTE")
    await slack.wait_for("chat.update")
    await h.bot.drain()
    assert await count(db, Vote) == 1
    assert "1 of 1" in texts(slack.messages[(HUB_CHANNEL, card_ts)])           # the card shows the hub's approval
    await h.event(reaction("UMARIA", "heavy_check_mark", HUB_CHANNEL, card_ts, "reaction_removed"), "EvUNVOTE")
    await slack.wait_for("chat.update", 2)
    await h.bot.drain()
    assert await count(db, Vote) == 0
    assert "0 of 1" in texts(slack.messages[(HUB_CHANNEL, card_ts)])
    assert not slack.calls_to("chat.postEphemeral")


async def test_signatures_timestamps_and_malformed_payloads_never_500(harness: Harness) -> None:
    h = harness
    body = h.sign.event_body({"type": "reaction_added", "user": "UDEV", "reaction": "x",
                              "item": {"type": "message", "channel": ENG_CHANNEL, "ts": "1.2"}})
    assert (await h.post(body, secret="not-the-secret")).status == 401
    assert (await h.post(body, timestamp=1_600_000_000)).status == 401          # stale: a replay
    async with h.http.post(h.url, data=body) as unsigned:
        assert unsigned.status == 401
    assert (await h.post("{not json")).status == 400
    bad_form = "payload=%7Bnot-json"
    assert (await h.post(bad_form, content_type="application/x-www-form-urlencoded")).status == 400
    assert (await h.post(h.sign.event_body({"type": "star_added", "user": "UDEV"}))).status == 200
    unknown = SlackSigner.button("someone_else:thing", "{}", "UDEV")
    assert (await h.interactive(unknown)).status == 200
    weird = SlackSigner.button("steward:submit", "not json", "UADA")
    assert (await h.interactive(weird)).status == 200
    assert (await h.interactive({"type": "block_actions", "user": {"id": "UADA"}})).status == 400
    assert (await h.interactive({"type": "view_submission", "user": {"id": "UADA"},
                                 "view": {"callback_id": "nobody"}})).status == 400
    assert (await h.post(h.sign.event_body({"user": "UDEV"}))).status == 400
    nobody = {"type": "view_submission", "user": {"id": "UADA"},
              "view": {"type": "modal", "id": "V1", "callback_id": "nobody", "state": {"values": {}}}}
    assert (await h.interactive(nobody)).status == 200
    odd_state = {**nobody, "view": {**nobody["view"], "callback_id": "steward_dispute",
                                    "state": {"values": {"note": ["not", "a", "dict"]}}}}
    assert (await h.interactive(odd_state)).status == 200          # a field error for the modal, no crash
    await h.bot.drain()


async def test_url_verification_challenge(harness: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    headers = harness.sign.headers(body)
    async with harness.http.post(harness.url, data=body, headers=headers) as resp:
        assert resp.status == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await resp.text()


def view_submission(user: str, view_id: str, callback_id: str, meta: str, note: str) -> dict[str, Any]:
    return {"type": "view_submission", "user": {"id": user}, "team": {"id": "T0001"}, "api_app_id": "A0001",
            "trigger_id": "trig.v", "view": {"id": view_id, "hash": "h1", "type": "modal", "callback_id": callback_id,
                                             "private_metadata": meta, "state": {"values": {
                                                 "note": {"note_input": {"type": "plain_text_input",
                                                                         "value": note}}}}}}


async def test_message_shortcut_opens_a_modal_with_the_verdict(harness: Harness) -> None:
    h, slack = harness, harness.slack
    await h.interactive({"type": "message_action", "callback_id": "check_with_steward", "user": {"id": "UADA"},
                         "team": {"id": "T0001"}, "trigger_id": "trig.sc", "channel": {"id": "C0PUB"},
                         "message": {"type": "message", "text": CLAIM, "ts": "1700000000.5"},
                         "response_url": slack.response_url("sc")})
    opened = (await slack.wait_for("views.open"))[0].args
    assert opened["trigger_id"] == "trig.sc"                    # opened at once: a trigger id lives 3 seconds
    updated = (await slack.wait_for("views.update"))[0].args
    assert updated["view_id"] == "V0001" and "Needs review" in json.dumps(updated["view"])


async def test_dispute_button_modal_and_submission(harness: Harness, db: Database) -> None:
    h, slack = harness, harness.slack
    await h.command("/canipost", CLAIM, "UADA", "c")
    checked = (await slack.wait_for("respond:c"))[0].args
    value = button_value(checked["blocks"], "steward:dispute")
    await h.interactive(SlackSigner.button("steward:dispute", value, "UADA", response_url=slack.response_url("d")))
    modal = (await slack.wait_for("views.open"))[0].args["view"]
    assert modal["callback_id"] == "steward_dispute" and modal["private_metadata"] == json.loads(value)["finding_id"]
    empty = await h.interactive(view_submission("UADA", "V1", "steward_dispute", modal["private_metadata"], ""))
    assert empty.status == 200                                        # answered with a field error, nothing stored
    await h.interactive(view_submission("UADA", "V1", "steward_dispute", modal["private_metadata"],
                                        "It quotes the Gartner ranking, with the source."))
    told = (await slack.wait_for("chat.postMessage"))
    await h.bot.drain()
    assert any(c.args["channel"] == "UADA" and "Dispute #1" in texts(c.args) for c in told)
    assert any(c.args["channel"] == ENG_CHANNEL and "Dispute #1" in texts(c.args)
               for c in slack.calls_to("chat.postMessage"))                       # the approvers get it


async def test_request_changes_modal_reaches_the_requester_with_a_resubmit_button(harness: Harness) -> None:
    h, slack = harness, harness.slack
    card_ts = await submitted_card(h)
    args = json.dumps({"submission_id": 1, "version": 1})
    await h.interactive(SlackSigner.button("steward:changes", args, "UDEV", channel=ENG_CHANNEL, message_ts=card_ts))
    modal = (await slack.wait_for("views.open"))[0].args["view"]
    assert modal["callback_id"] == "steward_changes"
    await h.interactive(view_submission("UDEV", "V2", "steward_changes", modal["private_metadata"],
                                        "Name the Gartner report."))
    await slack.wait_for("chat.update")
    await h.bot.drain()
    dm = [c.args for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "DADA"]
    assert dm and "Changes requested" in texts(dm[-1]) and "Name the Gartner report." in texts(dm[-1])
    assert "steward:resubmit" in texts(dm[-1])


async def test_dm_question_mention_policy_and_coe(harness: Harness) -> None:
    h, slack = harness, harness.slack
    await h.event({"type": "message", "channel_type": "im", "channel": "DADA", "user": "UADA",
                   "text": "who approves posts about lawsuits?", "ts": "1700000000.2"})
    answer = (await slack.wait_for("chat.postMessage"))[0].args
    assert answer["channel"] == "DADA" and "legal" in texts(answer).lower()
    await h.event({"type": "app_mention", "channel": "C0PUB", "user": "UADA", "ts": "1700000000.3",
                   "text": f"<@UBOT> {CLAIM}"})
    private = (await slack.wait_for("chat.postEphemeral"))[0].args
    assert private["channel"] == "C0PUB" and private["user"] == "UADA" and "Needs review" in texts(private)
    await h.command("/policy", "can I share a customer's logo?", "UADA", "p")
    assert (await slack.wait_for("respond:p"))[0].args["response_type"] == "ephemeral"
    await h.command("/coe", "pending", "UADA", "coe1")
    assert "for the CoE team" in texts((await slack.wait_for("respond:coe1"))[0].args)
    await h.command("/coe", "pending", "UMARIA", "coe2")
    assert "Open submissions" in texts((await slack.wait_for("respond:coe2"))[0].args)


async def test_coe_report_comes_with_its_chart_as_a_file(harness: Harness) -> None:
    h, slack = harness, harness.slack
    await h.command("/canipost", CLAIM, "UADA", "c1")
    await slack.wait_for("respond:c1")
    await h.command("/coe", "report 30d", "UMARIA", "r1")
    report = (await slack.wait_for("respond:r1"))[0].args
    assert report["response_type"] == "ephemeral" and "Checks" in texts(report)
    assert len(report["blocks"]) <= 50
    await slack.wait_for("files.completeUploadExternal")
    (chart,) = slack.uploads.values()
    assert chart.startswith(b"\x89PNG")
    await h.command("/coe", "report last-tuesday", "UMARIA", "r2")
    assert "can't make that report" in texts((await slack.wait_for("respond:r2"))[0].args)


async def test_app_home_shows_my_submissions_and_my_queue(harness: Harness) -> None:
    h, slack = harness, harness.slack
    await submitted_card(h)
    await h.event({"type": "app_home_opened", "user": "UDEV", "channel": "DDEV", "tab": "home"})
    home = (await slack.wait_for("views.publish"))[0].args
    assert home["user_id"] == "UDEV"
    assert "Waiting for your decision (1)" in json.dumps(home["view"]) and "steward:approve" in json.dumps(home["view"])


async def test_someone_slack_gives_no_email_gets_a_kind_message(harness: Harness) -> None:
    h, slack = harness, harness.slack
    await h.command("/canipost", "hello", "UGUEST", "g")
    told = (await slack.wait_for("respond:g"))[0].args
    assert "don't know who you are" in texts(told) and "users:read.email" in texts(told)


async def test_identity_is_looked_up_once_and_cached(harness: Harness) -> None:
    h, slack = harness, harness.slack
    for n in range(3):
        await h.command("/canipost", f"Sunrise run {n}", "UPRIYA", f"i{n}")
    await slack.wait_for("respond:i2")
    await h.bot.drain()
    assert len([c for c in slack.calls_to("users.info") if c.args.get("user") == "UPRIYA"]) == 1


async def test_a_web_api_failure_while_working_becomes_a_kind_message(harness: Harness) -> None:
    h, slack = harness, harness.slack
    slack.fail("views.open", "expired_trigger_id")
    await h.interactive({"type": "message_action", "callback_id": "check_with_steward", "user": {"id": "UADA"},
                         "team": {"id": "T0001"}, "trigger_id": "trig.late", "channel": {"id": "C0PUB"},
                         "message": {"type": "message", "text": CLAIM, "ts": "1700000000.5"}})
    told = (await slack.wait_for("chat.postMessage"))[0].args
    assert told["channel"] == "UADA" and "Something went wrong on my side" in texts(told)
