"""The outbox sender for platform "slack": post, update in place, thread replies, DMs.

The outbox owns retries: this sender makes one attempt and turns Slack's answer into the outbox's
language. `ratelimited` (HTTP 429 with Retry-After) and 5xx/network errors become `SendError`s the
outbox retries with backoff (waiting at least Retry-After); errors retrying cannot fix (a missing
channel, a deactivated user) are permanent, with a message that says what to do, and the outbox
turns them into a dead letter for the CoE hub.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import message
from bot.steward import Delivery, SendError

log = logging.getLogger("steward.slack.sender")

# Slack errors retrying cannot fix, with what a person can do about each.
PERMANENT = {
    "channel_not_found": "the channel does not exist or Steward cannot see it: check routing.yaml's slack_channel",
    "not_in_channel": "Steward is not in the channel: invite @Steward there",
    "is_archived": "the channel is archived: unarchive it or change routing.yaml",
    "user_not_found": "no Slack user has that id or e-mail",
    "users_not_found": "no Slack user has that e-mail",
    "account_inactive": "the account is deactivated",
    "user_disabled": "the account is deactivated",
    "cannot_dm_bot": "the recipient is a bot",
    "message_not_found": "the card to update was deleted",
    "cant_update_message": "the card to update was not posted by Steward",
    "invalid_blocks": "Slack refused the message layout (a bug: please report it)",
    "msg_too_long": "the message is too long for Slack",
    "missing_scope": "the app lacks a scope: reinstall it from adapters/slack/manifest.yml",
    "not_authed": "the bot token is missing",
    "invalid_auth": "the bot token is invalid",
    "token_revoked": "the bot token was revoked: reinstall the app",
}


class SlackSender:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm: dict[str, str] = {}          # Slack user id → DM channel id
        self._user_ids: dict[str, str] = {}    # e-mail → Slack user id

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        try:
            return await self._send(delivery)
        except SlackApiError as exc:
            raise _send_error(exc, delivery) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"Slack did not answer ({type(exc).__name__}); will retry") from None

    async def _send(self, d: Delivery) -> tuple[str, str]:
        content = message(d.reply)
        if d.op == "update" and d.message_id and d.channel:
            resp = await self.client.chat_update(channel=d.channel, ts=d.message_id, **content)
            return str(resp["ts"]), str(resp["channel"])
        if d.message_id and d.channel:        # a comment: a reply in the card's thread
            resp = await self.client.chat_postMessage(channel=d.channel, thread_ts=d.message_id, **content)
            return str(resp["ts"]), str(resp["channel"])
        channel = d.to.address if d.to.kind == "group" else await self._dm_channel(d)
        if not channel:
            raise SendError(f"{d.to.kind} {d.to.id} has no Slack channel: set slack_channel in routing.yaml",
                            permanent=True)
        resp = await self.client.chat_postMessage(channel=channel, **content)
        return str(resp["ts"]), str(resp["channel"])

    async def _dm_channel(self, d: Delivery) -> str:
        user = d.to.address or self._user_ids.get(d.to.id)
        if not user:
            found = await self.client.users_lookupByEmail(email=d.to.id)
            user = self._user_ids[d.to.id] = str(found["user"]["id"])
        if user not in self._dm:
            opened = await self.client.conversations_open(users=user)
            self._dm[user] = str(opened["channel"]["id"])
        return self._dm[user]


def _send_error(exc: SlackApiError, d: Delivery) -> SendError:
    resp = exc.response
    code = str(resp.get("error") or "") if isinstance(resp.data, dict) else ""
    where = d.to.address or d.to.id
    if resp.status_code == 429 or code == "ratelimited":
        retry = resp.headers.get("Retry-After") or resp.headers.get("retry-after")
        wait = float(retry) if retry and str(retry).isdigit() else None
        return SendError(f"Slack rate limit on {d.kind} to {where}; retry after {wait or 'backoff'} s",
                         retry_after=wait)
    if resp.status_code >= 500 or code in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
        return SendError(f"Slack error {resp.status_code} {code} on {d.kind} to {where}; will retry")
    reason = PERMANENT.get(code, f"Slack refused it ({code or resp.status_code})")
    log.warning("slack send failed for good: kind=%s to=%s error=%s", d.kind, where, code)
    return SendError(f"Could not deliver {d.kind.replace('_', ' ')} to {d.to.name or where} on Slack: {reason} "
                     f"[{code}]", permanent=code in PERMANENT or 400 <= resp.status_code < 500)
