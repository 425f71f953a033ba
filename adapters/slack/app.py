"""The bolt listeners: every Slack entry point acknowledged first, then translated and handed to the facade.

Slack gives an app 3 seconds to acknowledge. Every listener here only acks, translates the payload
(pure, microseconds) and starts the work as a background task, so bolt can run it inline
(process_before_response=True: no polling for the ack) and answer at once. The work runs after,
at most WORKERS at a time so a burst queues instead of piling onto the database. `authorize` answers from memory (one auth.test at start-up), so
nothing slow runs before the ack. Retried deliveries are absorbed twice: an in-process memory of
recent event ids (a retried DM is not answered twice) and the core's idempotency keys, which make
a retried vote, submit or comment change nothing on any replica.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks, translate
from adapters.slack.identity import Identities, NoEmail
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import Call, Malformed
from bot.replies import Outcome, Person, Reply, error, notice

log = logging.getLogger("steward.slack")

# What the app subscribes to; manifest.yml declares exactly these (tests/test_slack_manifest.py).
COMMANDS = ("/canipost", "/policy", "/coe")
EVENTS = ("app_home_opened", "app_mention", "message", "reaction_added", "reaction_removed")
# The "message" listener takes DMs (questions, drafts) and thread replies in public and private channels.
MESSAGE_EVENTS = ("message.im", "message.channels", "message.groups")
MESSAGE_SHORTCUT = "check_with_steward"
ASK_VIEW, RESUBMIT_VIEW = "steward_ask", "steward_resubmit"
PLATFORM = "slack"
WORKERS = 4
DISPATCH_BATCH = 50          # rows per outbox pass the app kicks: small passes keep the loop free for acks

# Refusals a reaction or a thread reply on an ordinary message gets: not for Steward, said to nobody.
SILENT = frozenset({"not_found"})


class SlackBot:
    """One Slack app: the bolt AsyncApp, its Web API client, identities, background work."""

    def __init__(self, steward: Any, settings: SlackSettings, *, client: AsyncWebClient | None = None) -> None:
        self.steward, self.settings = steward, settings
        token = settings.bot_token.get_secret_value() if settings.bot_token else None
        self.client = client or AsyncWebClient(token=token, base_url=settings.api_url,
                                                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
        self.identities = Identities(steward, self.client, ttl=settings.identity_ttl)
        self.auth = AuthorizeResult(enterprise_id=None, team_id=None, bot_token=token)
        self.session: aiohttp.ClientSession | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._workers = asyncio.Semaphore(WORKERS)
        self._order: dict[tuple[str, ...], tuple[asyncio.Lock, int]] = {}
        self._dispatching: asyncio.Task[None] | None = None
        self._dispatch_again = False

        async def authorize(enterprise_id: str | None = None, team_id: str | None = None,
                            user_id: str | None = None) -> AuthorizeResult:
            return self.auth      # from memory: bolt calls this before every listener, before the ack

        secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
        self.bolt = AsyncApp(client=self.client, signing_secret=secret, authorize=authorize,
                             request_verification_enabled=secret is not None, process_before_response=True,
                             url_verification_enabled=True, ssl_check_enabled=True, name="steward")
        self._register()

    # ------------------------------------------------------------------ start-up

    async def start(self, session: aiohttp.ClientSession | None = None) -> None:
        """Share one HTTP connection pool for every Web API call and response URL (a new TCP
        connection per call costs more than the call), then one auth.test, so `authorize` never
        calls Slack before an ack."""
        self.session = session or self.session or aiohttp.ClientSession()
        self.client.session = self.session
        try:
            found = await asyncio.wait_for(self.client.auth_test(), timeout=5)   # never hold up start-up
            self.auth = AuthorizeResult(enterprise_id=found.get("enterprise_id"), team_id=found.get("team_id"),
                                        bot_token=self.auth.bot_token, bot_user_id=found.get("user_id"),
                                        bot_id=found.get("bot_id"))
        except (TimeoutError, SlackApiError, OSError) as exc:
            log.warning("slack auth.test failed at start-up (%s); continuing without the bot's user id",
                        type(exc).__name__)

    async def drain(self) -> None:
        """Wait for the work started after acks, and the outbox pass they kicked (tests, shutdown)."""
        while self._tasks or self._dispatching is not None:
            await asyncio.gather(*self._tasks, *([self._dispatching] if self._dispatching else []),
                                 return_exceptions=True)

    # ------------------------------------------------------------------ listeners

    def _register(self) -> None:
        bolt = self.bolt
        for name in COMMANDS:
            bolt.command(name)(self._on_command)
        listeners = {"reaction_added": self._on_reaction, "reaction_removed": self._on_reaction,
                     "message": self._on_message, "app_mention": self._on_mention, "app_home_opened": self._on_home}
        for event in EVENTS:
            bolt.event(event)(listeners[event])
        bolt.shortcut(MESSAGE_SHORTCUT)(self._on_shortcut)
        bolt.action(re.compile("^" + re.escape(blocks.ACTION_PREFIX)))(self._on_action)
        bolt.view(re.compile(".*"))(self._on_view)
        # Last: anything else Slack sends is received and ignored (acked, so it is not retried).
        anything = re.compile(".*")
        for kind in (bolt.event, bolt.action, bolt.shortcut, bolt.options):
            kind(anything)(self._ignore)

    @staticmethod
    async def _ignore(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    def _first_time(self, key: str | None) -> bool:
        """False for an event id seen lately (Slack's retries of the same delivery)."""
        if not key:
            return True
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > 10_000:
            self._seen.popitem(last=False)
        return True

    def _later(self, work: Awaitable[Any], order: tuple[str, ...] | None = None) -> None:
        """Run `work` after the ack, at most WORKERS at a time. Work with the same `order` key (one
        person's reactions on one message) runs in arrival order: ✅ then its removal is a vote then
        a withdrawal, never the other way round."""
        async def bounded() -> None:
            lock = None
            if order is not None:
                lock, waiting = self._order.get(order, (asyncio.Lock(), 0))
                self._order[order] = (lock, waiting + 1)
                await lock.acquire()
            try:
                async with self._workers:
                    await work
            finally:
                if lock is not None and order is not None:
                    lock.release()
                    held, waiting = self._order[order]
                    if waiting <= 1:
                        del self._order[order]
                    else:
                        self._order[order] = (held, waiting - 1)

        task = asyncio.ensure_future(bounded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_command(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        call = _safely(translate.command, body)
        if call is not None:
            self._later(self._run(call))

    async def _on_reaction(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                           event: dict[str, Any]) -> None:
        await ack()
        event_id = body.get("event_id")
        if self._first_time(event_id):
            call = _safely(translate.reaction, event, event_id)
            if call is not None:
                self._later(self._run(call), order=(call.user, call.args["channel"], call.args["message_id"]))

    async def _on_message(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                          event: dict[str, Any]) -> None:
        await ack()
        event_id = body.get("event_id")
        if self._first_time(event_id):
            call = _safely(translate.message, event, event_id, self.auth.bot_user_id)
            if call is not None:
                self._later(self._run(call))

    async def _on_mention(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                          event: dict[str, Any]) -> None:
        await ack()
        event_id = body.get("event_id")
        if self._first_time(event_id):
            call = _safely(translate.mention, event, event_id, self.auth.bot_user_id)
            if call is not None:
                self._later(self._run(call))

    async def _on_home(self, ack: Callable[..., Awaitable[None]], event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab") == "home" and isinstance(event.get("user"), str):
            self._later(self._guard(Call(op="home", user=event["user"]), self._home))

    async def _on_shortcut(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        call = _safely(translate.shortcut, body)
        if call is not None:
            self._later(self._run(call))

    async def _on_action(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        call = _safely(translate.block_action, body)
        if call is not None and self._first_time(call.key):
            self._later(self._run(call))

    async def _on_view(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        callback = view.get("callback_id")
        note = translate.view_note(view)
        if callback in (blocks.DISPUTE_VIEW, blocks.COMMENT_VIEW, ASK_VIEW, RESUBMIT_VIEW) and not note:
            await ack(response_action="errors", errors={blocks.NOTE_BLOCK: "Please write something first."})
            return
        if callback in (ASK_VIEW, RESUBMIT_VIEW):
            await ack(response_action="update", view=blocks.working_modal("Working on it"))
            user = (body.get("user") or {}).get("id")
            if isinstance(user, str):
                op = "ask_modal" if callback == ASK_VIEW else "resubmit_modal"
                self._later(self._run(Call(op=op, user=user, args={"text": note, "_view_id": view.get("id"),
                                                                   "meta": view.get("private_metadata") or ""},
                                           key=f"{view.get('id')}:{view.get('hash')}")))
            return
        await ack()
        call = _safely(translate.view_submission, body)
        if call is not None and self._first_time(call.key):
            self._later(self._run(call))

    # ------------------------------------------------------------------ the work, after the ack

    async def _run(self, call: Call) -> None:
        handler = getattr(self, f"_do_{call.op}", None)
        if handler is None:
            log.info("slack: no handler for %s; ignored", call.op)
            return
        await self._guard(call, handler)

    async def _guard(self, call: Call, handler: Callable[[Call, Person], Awaitable[None]]) -> None:
        """Who is asking, then the work; any failure becomes a kind message and a log line."""
        try:
            person = await self.identities.person(call.user)
        except NoEmail:
            await self._tell(call, error("I don't know who you are",
                                         "Steward identifies people by their e-mail address, and Slack did not "
                                         "give me yours. Ask your Slack admin to reinstall the app with the "
                                         "users:read.email scope."))
            return
        except Exception:
            log.exception("slack: could not resolve user %s", call.user)
            await self._tell(call, _oops())
            return
        try:
            await handler(call, person)
        except Exception:
            log.exception("slack: %s failed for %s", call.op, call.user)
            await self._tell(call, _oops())

    async def _do_check(self, call: Call, person: Person) -> None:
        await self._tell(call, await self.steward.check_draft(person, call.args["text"], PLATFORM))

    async def _do_ask(self, call: Call, person: Person) -> None:
        text = call.args.get("text")
        if not text:                      # the "Ask about this policy" button: a modal for the question
            await self.client.views_open(trigger_id=call.trigger_id, view=_ask_modal(call.args))
            return
        await self._tell(call, await self.steward.ask_question(person, text, PLATFORM))

    async def _do_converse(self, call: Call, person: Person) -> None:
        text = call.args["text"]
        if not text:
            await self._tell(call, notice("Hi! I'm Steward", "Send me a draft and I'll check it, or ask me a "
                                                             "question about the social media policy."))
            return
        asking = self.steward.looks_like_question(text)
        reply = await (self.steward.ask_question(person, text, PLATFORM) if asking
                       else self.steward.check_draft(person, text, PLATFORM))
        await self._tell(call, reply)

    async def _do_coe(self, call: Call, person: Person) -> None:
        """`/coe …`: the facade decides who may and builds the report; the chart or the export
        follows as a file in the person's DM with Steward (ephemeral messages carry no files)."""
        out = await self.steward.coe(person, call.args["text"])
        await self._tell(call, out.reply)
        for attachment in out.reply.attachments:
            try:
                dm = await self.client.conversations_open(users=call.user)
                await self.client.files_upload_v2(channel=dm["channel"]["id"], content=attachment.data,
                                                  filename=attachment.name, title=attachment.title or attachment.name)
            except (TimeoutError, SlackApiError, OSError) as exc:
                log.warning("slack: could not upload %s for %s: %s", attachment.name, call.user, _slack_error(exc))
                await self._tell(call, error("I couldn't attach the file",
                                             f"Slack refused {attachment.name}; `steward report` on the server "
                                             "writes the same file."))

    async def _do_check_modal(self, call: Call, person: Person) -> None:
        opened = await self.client.views_open(trigger_id=call.trigger_id, view=blocks.working_modal("Checking"))
        view_id = opened["view"]["id"]
        text = call.args["text"]
        reply = (await self.steward.check_draft(person, text, PLATFORM) if text
                 else error("Nothing to check", "That message has no text I can check."))
        await self.client.views_update(view_id=view_id, view=blocks.reply_modal(reply))

    async def _do_ask_modal(self, call: Call, person: Person) -> None:
        reply = await self.steward.ask_question(person, call.args["text"], PLATFORM)
        await self.client.views_update(view_id=call.args["_view_id"], view=blocks.reply_modal(reply))

    async def _do_resubmit_modal(self, call: Call, person: Person) -> None:
        sid = int(call.args["meta"])
        checked = await self.steward.check_draft(person, call.args["text"], PLATFORM)
        if checked.check_id is None or checked.verdict != "review":
            await self.client.views_update(view_id=call.args["_view_id"], view=blocks.reply_modal(checked))
            return
        out = await self.steward.resubmit(person, sid, checked.check_id, key=call.key)
        await self.client.views_update(view_id=call.args["_view_id"], view=blocks.reply_modal(out.reply))
        self.kick()

    async def _do_vote_on_message(self, call: Call, person: Person) -> None:
        a = call.args
        out = await self.steward.vote_on_message(person, PLATFORM, a["channel"], a["message_id"], a["value"],
                                                 key=call.key)
        await self._after(call, out)

    async def _do_unvote_on_message(self, call: Call, person: Person) -> None:
        a = call.args
        out = await self.steward.unvote_on_message(person, PLATFORM, a["channel"], a["message_id"], key=call.key)
        await self._after(call, out, quiet_codes=SILENT | {"no_vote", "final"})

    async def _do_comment_on_message(self, call: Call, person: Person) -> None:
        a = call.args
        if not a["text"]:
            return
        out = await self.steward.comment_on_message(person, PLATFORM, a["channel"], a["message_id"], a["text"],
                                                    key=call.key)
        await self._after(call, out)

    async def _do_submit(self, call: Call, person: Person) -> None:
        out = await self.steward.submit(person, int(call.args["check_id"]), key=call.key)
        await self._tell(call, out.reply)
        self.kick()

    async def _do_dispute(self, call: Call, person: Person) -> None:
        finding = str(call.args.get("finding_id", ""))
        if "reason" not in call.args:            # the button: ask why, in a modal
            await self.client.views_open(trigger_id=call.trigger_id, view=blocks.dispute_modal(None, finding))
            return
        out = await self.steward.dispute(person, finding, call.args["reason"], key=call.key)
        await self._tell(call, out.reply)
        self.kick()

    async def _do_vote(self, call: Call, person: Person) -> None:
        a = call.args
        out = await self.steward.vote(person, int(a["submission_id"]), int(a["version"]), a["value"],
                                      note=a.get("note", ""), key=call.key)
        await self._after(call, out, always=True)

    async def _button_vote(self, call: Call, person: Person, value: str) -> None:
        await self._do_vote(Call(op="vote", user=call.user, args={**call.args, "value": value}, key=call.key,
                                 channel=call.channel, response_url=call.response_url), person)

    async def _do_approve(self, call: Call, person: Person) -> None:
        await self._button_vote(call, person, "approve")

    async def _do_reject(self, call: Call, person: Person) -> None:
        await self._button_vote(call, person, "reject")

    async def _do_changes(self, call: Call, person: Person) -> None:
        a = call.args
        await self.client.views_open(trigger_id=call.trigger_id,
                                     view=blocks.changes_modal(int(a["submission_id"]), int(a["version"])))

    async def _do_unvote(self, call: Call, person: Person) -> None:
        a = call.args
        out = await self.steward.unvote(person, int(a["submission_id"]), int(a["version"]), key=call.key)
        await self._after(call, out, always=True)

    async def _do_withdraw(self, call: Call, person: Person) -> None:
        out = await self.steward.withdraw(person, int(call.args["submission_id"]), key=call.key)
        await self._after(call, out, always=True)

    async def _do_comment(self, call: Call, person: Person) -> None:
        sid = int(call.args["submission_id"])
        if "text" not in call.args:              # the card's button: a modal for the comment
            await self.client.views_open(trigger_id=call.trigger_id, view=blocks.comment_modal(sid))
            return
        out = await self.steward.comment(person, sid, call.args["text"], key=call.key)
        await self._after(call, out)

    async def _resolve(self, call: Call, person: Person, decision: str) -> None:
        dispute_id = int(call.args.get("dispute_id") or call.args.get("value") or 0)
        out = await self.steward.resolve_dispute(person, dispute_id, decision, key=call.key)
        await self._after(call, out, always=True)

    async def _do_uphold(self, call: Call, person: Person) -> None:
        await self._resolve(call, person, "uphold")

    async def _do_false_positive(self, call: Call, person: Person) -> None:
        await self._resolve(call, person, "false_positive")

    async def _do_resubmit(self, call: Call, person: Person) -> None:
        sid = int(call.args["submission_id"])
        view = blocks.note_modal(RESUBMIT_VIEW, f"Resubmit #{sid}", "The revised draft", str(sid))
        await self.client.views_open(trigger_id=call.trigger_id, view=view)

    async def _home(self, call: Call, person: Person) -> None:
        mine, pending = await asyncio.gather(self.steward.mine(person), self.steward.pending(person))
        view = blocks.home_view(mine.data.get("submissions", []), pending.data.get("submissions", []),
                                is_coe=self.steward.is_coe(person))
        await self.client.views_publish(user_id=call.user, view=view)

    # ------------------------------------------------------------------ answering

    async def _after(self, call: Call, out: Outcome, *, always: bool = False,
                     quiet_codes: frozenset[str] = SILENT) -> None:
        """A refusal is said privately to whoever tried; success shows on the card (the outbox)."""
        if out.notifications:
            self.kick()
        if not out.ok and out.code not in quiet_codes or always and out.ok:
            await self._tell(call, out.reply)

    async def _tell(self, call: Call, reply: Reply) -> None:
        """Privately: the response URL (commands, buttons), the modal a button sits in, an ephemeral
        message in the channel, or the app's DM with the person."""
        content = blocks.message(reply)
        try:
            if call.response_url:
                await AsyncWebhookClient(call.response_url, session=self.session).send(
                    response_type="ephemeral", replace_original=False, **content)
            elif call.args.get("_view_id") and call.op not in ("ask_modal", "resubmit_modal"):
                await self.client.views_update(view_id=call.args["_view_id"], view=blocks.reply_modal(reply))
            elif call.channel.startswith("D") or not call.channel:
                await self.client.chat_postMessage(channel=call.channel or call.user, **content)
            else:
                await self.client.chat_postEphemeral(channel=call.channel, user=call.user, **content)
        except (TimeoutError, SlackApiError, OSError) as exc:
            log.warning("slack: could not answer %s for %s: %s", call.op, call.user, _slack_error(exc))

    def kick(self) -> None:
        """Deliver what the last change put in the outbox now, instead of at the next dispatcher tick.
        One pass at a time; a kick during a pass asks for one more."""
        if self._dispatching is not None:
            self._dispatch_again = True
            return

        async def passes() -> None:
            try:
                while True:
                    self._dispatch_again = False
                    await self.steward.dispatch(limit=DISPATCH_BATCH)
                    if not self._dispatch_again:
                        break
            except Exception:
                log.exception("slack: outbox pass failed; the dispatcher loop will retry")
            finally:
                self._dispatching = None

        self._dispatching = asyncio.ensure_future(passes())


def _ask_modal(args: dict[str, Any]) -> dict[str, Any]:
    title = str(args.get("title") or "the policy")
    return blocks.note_modal(ASK_VIEW, "Ask about the policy", f"Your question about {blocks.cut(title, 100)}",
                             str(args.get("section") or ""))


def _safely(translate_fn: Callable[..., Call | None], *args: Any) -> Call | None:
    try:
        return translate_fn(*args)
    except (Malformed, KeyError, TypeError, AttributeError) as exc:
        log.info("slack: malformed %s payload ignored (%s)", translate_fn.__name__, exc)
        return None


def _slack_error(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


def _oops() -> Reply:
    return error("Something went wrong on my side", "Nothing you sent was lost; please try again in a minute. "
                                                    "If it keeps happening, tell the CoE team.")
