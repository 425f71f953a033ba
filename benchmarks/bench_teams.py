"""Teams endpoint latency under load, against the fake Bot Connector.

    .venv/bin/python benchmarks/bench_teams.py [--rate 100] [--seconds 10] [--sdk agents|botbuilder]

Starts Steward's Teams endpoint in a child process (anonymous mode, SQLite in a temp dir,
the default corpus) and the fake connector in this one, then sends activities open-loop at
a fixed rate on loopback: 1:1 messages (drafts to check, questions) and card refreshes.
Reports the median and 99th percentile time to answer (the HTTP response Teams waits for;
bar: p99 ≤ 200 ms at 100 activities/s) and checks nothing was lost: every activity answered
2xx and every message's reply delivered once (messages are answered 202 and worked after, so
the count waits, up to two minutes, for the work to finish).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.bot_connector import FakeConnector  # noqa: E402
from tests.teams_support import card_action, message  # noqa: E402

SERVER = """
import asyncio, sys
from pathlib import Path
from aiohttp import web
from adapters.teams.mount import mount
from adapters.teams.settings import TeamsSettings
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.steward import Steward, default_size
from bot.store.database import Database
from bot.store.migrate import upgrade

async def main(port, url):
    db = Database(url)
    await upgrade(db)
    corpus = load_corpus(Path("policies"))
    steward = Steward(corpus, db=db, directory=load_directory(Path("policies")), platforms=("teams",),
                      workers=default_size())
    await steward.workers.warm()
    app = web.Application()
    await mount(app, TeamsSettings(), steward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""

DRAFTS = ["Atlas is the #1 analytics platform for IoT data #employee", "Sunrise run this morning, 10k done",
          "who approves posts about lawsuits?", "Our Q3 numbers look amazing, can't wait for Monday!",
          "Proud of the team that shipped Beacon 2 today #employee", "can I share the keynote video?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(rate: float, seconds: float, sdk: str) -> int:
    tmp = tempfile.mkdtemp(prefix="steward-bench-teams-")
    url = f"sqlite+aiosqlite:///{tmp}/steward.db"
    port = free_port()
    env = {**os.environ, "STEWARD_TEAMS_ANONYMOUS": "true", "STEWARD_TEAMS_SDK": sdk, "PYTHONPATH": str(ROOT)}
    env.pop("TEAMS_APP_ID", None)
    child = subprocess.Popen([sys.executable, "-c", SERVER, str(port), url], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=None, text=True)
    connector = await FakeConnector(members={f"29:u{i}": {"id": f"29:u{i}", "email": f"user{i}@northwindlabs.com"}
                                             for i in range(50)}).start()
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("the Teams endpoint did not start")
        endpoint = f"http://127.0.0.1:{port}/api/messages"
        latencies: list[float] = []
        statuses: list[int] = []
        sent_messages = 0
        async with aiohttp.ClientSession() as http:
            async def one(activity: dict[str, object]) -> None:
                start = time.perf_counter()
                async with http.post(endpoint, json=activity) as resp:
                    await resp.read()
                    statuses.append(resp.status)
                latencies.append(time.perf_counter() - start)

            for i in range(20):    # warm up: people's first contact (member lookups), not measured
                await one(message(connector.url, f"29:u{i % 50}", "hi"))
            latencies.clear()
            statuses.clear()
            total = int(rate * seconds)
            tasks = []
            begin = time.perf_counter()
            for i in range(total):
                await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
                user = f"29:u{i % 50}"
                if i % 5 == 4:
                    act = card_action(connector.url, user, {"steward": 1, "action": "refresh", "submission_id": 1,
                                                             "version": 1})
                else:
                    act = message(connector.url, user, DRAFTS[i % len(DRAFTS)])
                    sent_messages += 1
                tasks.append(asyncio.create_task(one(act)))
            await asyncio.gather(*tasks)
        # messages are answered 202 at once and worked after: wait (bounded) for every reply
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and sum(
                1 for c in connector.calls if c.method == "POST" and c.conversation.startswith("a:chat-")) - 20 < sent_messages:
            await asyncio.sleep(0.5)
        lat = sorted(latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[int(0.99 * (len(lat) - 1))] * 1000
        ok = sum(1 for s in statuses if 200 <= s < 300)
        # every message answered in the conversation, once
        replies = sum(1 for c in connector.calls if c.method == "POST" and c.conversation.startswith("a:chat-"))
        print(f"{sdk}: {len(lat)} activities at {rate:.0f}/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
              f"2xx {ok}/{len(statuses)}; replies in chats {replies - 20} for {sent_messages} messages")
        lost = ok != len(statuses) or replies - 20 != sent_messages
        return 1 if lost or p99 > 200 else 0
    finally:
        child.terminate()
        child.wait(10)
        await connector.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--sdk", choices=["agents", "botbuilder", "both"], default="both")
    args = parser.parse_args()
    sdks = ["agents", "botbuilder"] if args.sdk == "both" else [args.sdk]
    codes = [asyncio.run(run(args.rate, args.seconds, sdk)) for sdk in sdks]
    sys.exit(max(codes))


if __name__ == "__main__":
    main()
