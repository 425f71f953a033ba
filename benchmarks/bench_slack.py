"""Slack request → ack latency at a fixed rate, with the work after the ack checked for losses.

    .venv/bin/python benchmarks/bench_slack.py [--rate 200] [--seconds 10] [--database-url URL]

Two processes on loopback. This one plays Slack: the fake Web API (tests/fakes/slack_api.py) and a
load generator that signs and POSTs requests at a fixed rate, open loop (each request leaves on
schedule whatever the previous ones did). The other runs Steward's aiohttp server with the Slack
app mounted (`--serve`), on the same database. The mix: /canipost commands with distinct drafts
(checks recorded, answers through the response URL), one ✅ reaction per approval card (votes that
decide), a retried delivery of each reaction (same event id: must change nothing) and unhandled
events (acked and ignored). After the load the server drains its background work and stops;
then the database and the fake's records are checked: every check and vote recorded exactly once,
every card updated once per decision, every command answered. Prints median, p95, p99 and max
request→ack in milliseconds; exit status 1 when anything was lost or doubled or a target missed
(median ≤ 50 ms, p99 ≤ 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from adapters.slack.mount import mount  # noqa: E402
from adapters.slack.sender import SlackSender  # noqa: E402
from adapters.slack.settings import SlackSettings  # noqa: E402
from bot.directory import load_directory  # noqa: E402
from bot.policy import load_corpus  # noqa: E402
from bot.steward import Steward, default_size  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.store.settings import sqlite_url  # noqa: E402
from bot.store.tables import CheckRecord, Submission, Vote  # noqa: E402
from tests.fakes.slack_api import FakeSlack, SlackSigner  # noqa: E402

SECRET = "bench-signing-secret"
POLICIES = ROOT / "policies"
USERS = {"UADA": "ada.lovelace@northwindlabs.com", "UDEV": "dev.patel@northwindlabs.com"}
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"
ENG_CHANNEL = "C05ENGSOCIAL"


def steward_on(url: str) -> Steward:
    return Steward(load_corpus(POLICIES), db=Database(url), directory=load_directory(POLICIES),
                   platforms=("slack",), workers=default_size())


# ---------------------------------------------------------------------- the server process

async def serve(url: str, api_url: str, port: int) -> None:
    app = web.Application()
    if url == "bare":             # the peer: the same server stack answering 200 with no Slack app at all
        async def ok(_request: web.Request) -> web.Response:
            return web.Response(text="")

        app.router.add_post("/slack/events", ok)
    else:
        steward = steward_on(url)
        await steward.workers.warm()
        await mount(app, SlackSettings(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
                                       SLACK_API_URL=api_url), steward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()        # the Slack app drains its work after the acks (on_cleanup)


# ---------------------------------------------------------------------- the Slack side

async def prepare(url: str, slack: FakeSlack, cards: int) -> list[str]:
    """`cards` approval cards in the engineering channel, posted through the outbox."""
    db = Database(url)
    await db.create_all()
    steward = Steward(load_corpus(POLICIES), db=db, directory=load_directory(POLICIES), platforms=("slack",))
    steward.register_sender("slack", SlackSender(AsyncWebClient(token="xoxb-bench", base_url=slack.api_url)))
    ada = await steward.whoami("slack", "UADA", email=USERS["UADA"])
    await steward.whoami("slack", "UDEV", email=USERS["UDEV"])
    for n in range(cards):
        check = await steward.check(ada, f"{CLAIM} (take {n})", "slack")
        assert check.check_id is not None
        assert (await steward.submit(ada, check.check_id)).ok
    while (await steward.dispatch()).claimed:
        pass
    await db.dispose()
    return [ts for (channel, ts) in slack.messages if channel == ENG_CHANNEL]


def requests(sign: SlackSigner, slack: FakeSlack, total: int, cards: list[str],
             ack_only: bool = False) -> list[tuple[str, str, str]]:
    """(kind, body, content type) in send order. `ack_only`: unhandled events only (verify, route, ack)."""
    out: list[tuple[str, str, str]] = []
    if ack_only:
        return [("ignored", sign.event_body({"type": "star_added", "user": "UADA"}), "application/json")
                for _ in range(total)]
    form = "application/x-www-form-urlencoded"
    votes = iter(cards)
    for i in range(total):
        if i % 10 in (1, 6) and (ts := next(votes, None)) is not None:
            event = {"type": "reaction_added", "user": "UDEV", "reaction": "white_check_mark",
                     "item": {"type": "message", "channel": ENG_CHANNEL, "ts": ts}, "event_ts": ts}
            body = sign.event_body(event, f"EvVote{ts}")
            out.append(("vote", body, "application/json"))
            continue
        if i % 10 == 3 and any(k == "vote" for k, _, _ in out):
            first = next(b for k, b, _ in out if k == "vote" and b not in {x for kk, x, _ in out if kk == "retry"})
            out.append(("retry", first, "application/json"))
            continue
        if i % 10 == 8:
            out.append(("ignored", sign.event_body({"type": "star_added", "user": "UADA"}), "application/json"))
            continue
        body = sign.command_body("/canipost", f"Sunrise run number {i} with the team", "UADA",
                                 response_url=slack.response_url(f"r{i}"), trigger_id=f"t{i}")
        out.append(("check", body, form))
    return out


async def load(url: str, plan: list[tuple[str, str, str]], sign: SlackSigner, rate: float) -> list[float]:
    latencies: list[float] = []
    failures: list[str] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        async def one(body: str, ctype: str) -> None:
            headers = sign.headers(body, content_type=ctype)     # signed as it leaves, like Slack
            start = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                latencies.append((time.perf_counter() - start) * 1000)
                if resp.status != 200:
                    failures.append(str(resp.status))

        t0 = time.perf_counter()
        tasks = []
        for i, (_kind, body, ctype) in enumerate(plan):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, ctype)))
        await asyncio.gather(*tasks)
    if failures:
        raise SystemExit(f"non-200 answers: {failures[:10]} ({len(failures)})")
    return latencies


async def run_server(url: str, slack: FakeSlack, port: int, plan: list[tuple[str, str, str]],
                     rate: float) -> tuple[list[float], float]:
    """Start a server process, send the plan, stop it (it drains); latencies and its CPU seconds."""
    server = subprocess.Popen([sys.executable, __file__, "--serve", url, slack.api_url, str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = await asyncio.to_thread(server.stdout.readline)
        assert line.strip() == "ready", line
        sign = SlackSigner(SECRET, f"http://127.0.0.1:{port}/slack/events")
        latencies = await load(sign.url, plan, sign, rate)
    finally:
        server.send_signal(signal.SIGTERM)
        _pid, _status, usage = await asyncio.to_thread(os.wait4, server.pid, 0)
    return latencies, usage.ru_utime + usage.ru_stime


def summary(lat: list[float]) -> str:
    lat = sorted(lat)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    return (f"median {statistics.median(lat):.1f} ms, p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms, "
            f"max {lat[-1]:.1f} ms")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--ack-only", action="store_true",
                        help="only events Steward ignores: the cost of verifying, routing and acking alone")
    parser.add_argument("--peer", action="store_true",
                        help="first send the same load to a bare aiohttp server: the machine's noise floor")
    parser.add_argument("--serve", nargs=3, metavar=("URL", "API_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        if os.environ.get("BENCH_PROFILE"):      # where the server's time goes: BENCH_PROFILE=out.prof
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            await serve(args.serve[0], args.serve[1], int(args.serve[2]))
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
            return 0
        await serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0

    total = int(args.rate * args.seconds)
    cards_wanted = total // 5
    tmp = tempfile.mkdtemp(prefix="bench-slack-")
    url = args.database_url or sqlite_url(Path(tmp) / "steward.db")
    async with FakeSlack(users=dict(USERS)) as slack:
        cards = await prepare(url, slack, cards_wanted)
        port = 18000 + os.getpid() % 1000
        sign = SlackSigner(SECRET, f"http://127.0.0.1:{port}/slack/events")
        plan = requests(sign, slack, total, cards, args.ack_only)
        if args.peer:
            peer, _ = await run_server("bare", slack, port + 1, plan, args.rate)
        before = len(slack.calls)
        latencies, cpu = await run_server(url, slack, port, plan, args.rate)
        calls = slack.calls[before:]

    kinds = [k for k, _, _ in plan]
    checks, votes = kinds.count("check"), kinds.count("vote")
    db = Database(url)
    async with db.reading() as session:
        recorded_checks = (await session.execute(select(func.count()).select_from(CheckRecord))).scalar_one()
        recorded_votes = (await session.execute(select(func.count()).select_from(Vote))).scalar_one()
        approved = (await session.execute(select(func.count()).select_from(Submission)
                                          .where(Submission.state == "approved"))).scalar_one()
    await db.dispose()
    answered = sum(1 for c in calls if c.method.startswith("respond:"))
    updates = sum(1 for c in calls if c.method == "chat.update")
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    load_avg = os.getloadavg()[0]
    print(f"requests {len(lat)} at {args.rate:.0f}/s (load average {load_avg:.1f} on {os.cpu_count()} cores)")
    print(f"  Steward's Slack app: {summary(lat)}; server CPU {cpu:.1f} s for {args.seconds:.0f} s of load")
    if args.peer:
        print(f"  bare aiohttp peer:   {summary(peer)}")
    print(f"checks: {checks} sent, {recorded_checks - cards_wanted} recorded, {answered} answered; "
          f"votes: {votes} sent (+{kinds.count('retry')} retries), {recorded_votes} recorded, "
          f"{approved} approved, {updates} cards updated; ignored events: {kinds.count('ignored')}")
    if args.ack_only:
        print("ack only: no work behind the acks")
        return 0 if statistics.median(lat) <= 50 and p(0.99) <= 100 else 1
    ok = (recorded_checks - cards_wanted == checks == answered and recorded_votes == votes == approved == updates
          and statistics.median(lat) <= 50 and p(0.99) <= 100)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
