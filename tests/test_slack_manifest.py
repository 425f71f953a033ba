"""manifest.yml asks for exactly what the code uses: its commands, events, shortcut, and the scopes
its Web API calls and events need (scopes per Slack's method and event reference pages)."""

from __future__ import annotations

import re

import yaml

from adapters.slack import app
from tests.support import ROOT

SLACK = ROOT / "adapters" / "slack"
METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"}, "chat.update": {"chat:write"}, "chat.postEphemeral": {"chat:write"},
    "conversations.open": {"im:write"}, "users.info": {"users:read", "users:read.email"},   # the e-mail is the identity
    "users.lookupByEmail": {"users:read.email"}, "views.open": set(), "views.update": set(),
    "views.publish": set(), "auth.test": set(), "files.upload_v2": {"files:write"},   # /coe charts and exports
}
EVENT_SCOPES = {"app_home_opened": set(), "app_mention": {"app_mentions:read"}, "message.im": {"im:history"},
                "message.channels": {"channels:history"}, "message.groups": {"groups:history"},
                "reaction_added": {"reactions:read"}, "reaction_removed": {"reactions:read"}}


def manifest() -> dict:
    return yaml.safe_load((SLACK / "manifest.yml").read_text(encoding="utf-8"))


def web_api_methods() -> set[str]:
    """Every `client.<method>(` call in the adapter, as Slack names the method."""
    found: set[str] = set()
    for path in SLACK.glob("*.py"):
        for name in re.findall(r"client\.(\w+)\(", path.read_text(encoding="utf-8")):
            found.add(name.replace("_", ".", 1))
    return found


def subscribed_events() -> set[str]:
    return {e for e in app.EVENTS if e != "message"} | set(app.MESSAGE_EVENTS)


def test_the_scan_sees_the_calls_the_adapter_makes() -> None:
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.open", "users.info",
            "views.open"} <= web_api_methods()
    assert web_api_methods() <= set(METHOD_SCOPES), "a new Web API call: add its scopes here and to manifest.yml"


def test_scopes_are_exactly_what_the_calls_and_events_need() -> None:
    needed = {"commands"} | set().union(*(METHOD_SCOPES[m] for m in web_api_methods()),
                                        *(EVENT_SCOPES[e] for e in subscribed_events()))
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_events_commands_and_shortcuts_match_the_listeners() -> None:
    m = manifest()
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == subscribed_events()
    assert {c["command"] for c in m["features"]["slash_commands"]} == set(app.COMMANDS)
    assert [(s["type"], s["callback_id"]) for s in m["features"]["shortcuts"]] == [("message", app.MESSAGE_SHORTCUT)]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True
