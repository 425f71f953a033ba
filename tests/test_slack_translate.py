"""translate.py: Slack payloads → facade calls, pure and total (None or Malformed, never a crash)."""

from __future__ import annotations

import json

import pytest

from adapters.slack import translate
from adapters.slack.translate import Malformed


def reaction(name: str, kind: str = "reaction_added", item_type: str = "message") -> dict:
    return {"type": kind, "user": "U1", "reaction": name, "item": {"type": item_type, "channel": "C1", "ts": "1.2"}}


@pytest.mark.parametrize(("name", "value"), [("white_check_mark", "approve"), ("heavy_check_mark", "approve"),
                                             ("+1", "approve"), ("+1::skin-tone-3", "approve"), ("x", "reject"),
                                             ("-1", "reject"), ("memo", "changes")])
def test_reactions_that_vote(name: str, value: str) -> None:
    call = translate.reaction(reaction(name), "Ev1")
    assert call is not None and call.op == "vote_on_message" and call.key == "Ev1"
    assert call.args == {"channel": "C1", "message_id": "1.2", "value": value}
    removed = translate.reaction(reaction(name, "reaction_removed"), "Ev2")
    assert removed is not None and removed.op == "unvote_on_message"


def test_other_reactions_and_files_are_not_votes() -> None:
    assert translate.reaction(reaction("tada"), "Ev1") is None
    assert translate.reaction(reaction("white_check_mark", item_type="file"), "Ev1") is None
    with pytest.raises(Malformed):
        translate.reaction({"type": "reaction_added", "reaction": "x", "item": {"type": "message"}}, "Ev1")


def test_messages_dms_threads_and_what_is_ignored() -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": " hi ", "ts": "1"}
    assert translate.message(dm, "E").op == "converse"                                  # type: ignore[union-attr]
    thread = {**dm, "channel_type": "channel", "channel": "C1", "thread_ts": "0.5"}
    call = translate.message(thread, "E")
    assert call is not None and call.op == "comment_on_message" and call.args["message_id"] == "0.5"
    assert translate.message({**dm, "subtype": "message_changed"}, "E") is None
    assert translate.message({**dm, "bot_id": "B1"}, "E") is None
    assert translate.message({**dm, "user": "UBOT"}, "E", bot_user_id="UBOT") is None
    assert translate.message({**thread, "thread_ts": None}, "E") is None                 # a plain channel message


def test_mentions_lose_the_mention() -> None:
    call = translate.mention({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT>  can I  post?"},
                             "E", bot_user_id="UBOT")
    assert call is not None and call.args["text"] == "can I post?"


def test_buttons_carry_ids_and_unknown_ones_are_none() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "C1"}, "trigger_id": "t",
               "actions": [{"action_id": "steward:approve", "value": json.dumps({"submission_id": 3, "version": 2}),
                            "action_ts": "9.9"}]}
    call = translate.block_action(payload)
    assert call is not None and call.op == "approve" and call.key == "U1:9.9"
    assert call.args["submission_id"] == 3 and call.args["version"] == 2
    assert translate.block_action({**payload, "actions": [{"action_id": "steward:launch_rockets"}]}) is None
    assert translate.block_action({**payload, "actions": [{"action_id": "other:approve"}]}) is None
    bare = translate.block_action({**payload, "actions": [{"action_id": "steward:uphold", "value": "7"}]})
    assert bare is not None and bare.args["value"] == "7"


def test_modal_submissions() -> None:
    view = {"id": "V1", "hash": "h", "type": "modal", "callback_id": "steward_changes", "private_metadata": "4:2",
            "state": {"values": {"note": {"note_input": {"value": " shorter please "}}}}}
    call = translate.view_submission({"type": "view_submission", "user": {"id": "U1"}, "view": view})
    assert call is not None and call.args == {"submission_id": 4, "version": 2, "value": "changes",
                                              "note": "shorter please"}
    with pytest.raises(Malformed):
        translate.view_submission({"type": "view_submission", "user": {"id": "U1"},
                                   "view": {**view, "private_metadata": "x"}})


@pytest.mark.parametrize(("body", "bad"), [
    ({}, True), ({"type": "event_callback", "event": {}}, True), ({"type": "event_callback", "event": {"type": "x"}}, False),
    ({"command": "/canipost", "user_id": "U1"}, False), ({"command": "/canipost"}, True),
    ({"type": "block_actions", "user": {"id": "U1"}, "actions": []}, True),
    ({"type": "block_actions", "user": {"id": "U1"}, "actions": [{}]}, False),
    ({"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V"}}, True),
    ({"type": "url_verification", "challenge": "c"}, False), ({"type": "block_actions"}, True),
])
def test_malformed_payloads_are_named(body: dict, bad: bool) -> None:
    assert (translate.malformed(body) is not None) is bad
