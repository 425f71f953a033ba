"""The outbox sender for Slack against the fake Web API: posts, updates, DMs, and how failures retry or die."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.sender import SlackSender
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.replies import Recipient, notice
from bot.steward import Delivery, SendError, Steward
from bot.store.database import Database
from bot.store.tables import OutboxRow
from tests.fakes.slack_api import FakeSlack
from tests.support import POLICIES

ADA = "ada.lovelace@northwindlabs.com"
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"


def delivery(**kw: object) -> Delivery:
    base: dict[str, object] = {"key": "k1@slack", "platform": "slack", "kind": "review_request",
                               "to": Recipient(kind="group", id="eng", address="C05ENGSOCIAL", name="Engineering"),
                               "reply": notice("Review request #1", "a draft")}
    return Delivery(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
async def slack():
    async with FakeSlack(users={"UADA": ADA}) as fake:
        yield fake


@pytest.fixture
def sender(slack: FakeSlack) -> SlackSender:
    return SlackSender(AsyncWebClient(token="xoxb-test", base_url=slack.api_url))


async def test_post_update_thread_reply_and_dm(slack: FakeSlack, sender: SlackSender) -> None:
    ts, channel = await sender.send(delivery())
    assert channel == "C05ENGSOCIAL" and slack.calls_to("chat.postMessage")[0].args["blocks"]
    assert await sender.send(delivery(op="update", message_id=ts, channel=channel)) == (ts, channel)
    assert slack.calls_to("chat.update")[0].args["ts"] == ts
    await sender.send(delivery(kind="comment", message_id=ts, channel=channel))
    assert slack.calls_to("chat.postMessage")[1].args["thread_ts"] == ts
    # A person with no Slack id in routing.yaml: found by e-mail, DM opened once, then reused.
    to_ada = Recipient(kind="person", id=ADA)
    _, dm = await sender.send(delivery(to=to_ada, kind="decision"))
    await sender.send(delivery(to=to_ada, kind="comment"))
    assert dm == "DADA"
    assert len(slack.calls_to("users.lookupByEmail")) == 1 and len(slack.calls_to("conversations.open")) == 1


async def test_rate_limits_and_server_errors_are_retryable(slack: FakeSlack, sender: SlackSender) -> None:
    slack.fail("chat.postMessage", retry_after=7)
    with pytest.raises(SendError) as limited:
        await sender.send(delivery())
    assert limited.value.retry_after == 7 and not limited.value.permanent
    slack.fail("chat.postMessage", status=500)
    with pytest.raises(SendError) as broken:
        await sender.send(delivery())
    assert not broken.value.permanent and broken.value.retry_after is None
    assert (await sender.send(delivery()))[1] == "C05ENGSOCIAL"      # the next attempt goes through


async def test_a_missing_channel_is_permanent_with_a_message_that_says_what_to_do(slack: FakeSlack,
                                                                                  sender: SlackSender) -> None:
    slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SendError) as gone:
        await sender.send(delivery())
    assert gone.value.permanent
    assert "routing.yaml" in str(gone.value) and "channel_not_found" in str(gone.value)
    with pytest.raises(SendError) as nowhere:
        await sender.send(delivery(to=Recipient(kind="person", id="nobody@northwindlabs.com")))
    assert nowhere.value.permanent


async def test_the_outbox_retries_after_retry_after_and_dead_letters_reach_the_hub(db: Database,
                                                                                  slack: FakeSlack) -> None:
    steward = Steward(load_corpus(POLICIES), db=db, directory=load_directory(POLICIES), platforms=("slack",))
    steward.register_sender("slack", SlackSender(AsyncWebClient(token="xoxb-test", base_url=slack.api_url)))
    ada = await steward.whoami("slack", "UADA", email=ADA)
    check = await steward.check_draft(ada, CLAIM, "slack")
    assert check.check_id is not None
    await steward.submit(ada, check.check_id)
    clock = steward.workflow.outbox.clock

    slack.fail("chat.postMessage", retry_after=30)
    first = await steward.dispatch()
    assert first.retried == 1 and first.sent == 0
    async with db.reading() as session:
        row = (await session.execute(select(OutboxRow).where(OutboxRow.platform == "slack"))).scalars().one()
    wait = row.next_attempt_at.replace(tzinfo=None) - clock.now().replace(tzinfo=None)
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)             # Slack's Retry-After, honoured
    assert (await steward.dispatch()).claimed == 0                           # not before then
    assert (await steward.dispatch(clock.now() + timedelta(seconds=31))).sent == 1

    # A decision DM to someone Slack does not know: dead at once, and the hub hears why.
    dev = await steward.whoami("slack", "UDEV", email="dev.patel@northwindlabs.com")
    await steward.vote(dev, 1, 1, "approve")
    slack.fail("users.lookupByEmail", "users_not_found")
    report = await steward.dispatch()
    assert report.dead == 1
    await steward.dispatch()
    hub_posts = [c.args for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "C05SOCIALHUB"]
    assert hub_posts and "could not be delivered" in hub_posts[-1]["text"]
    assert "no Slack user has that e-mail" in str(hub_posts[-1]["blocks"])
