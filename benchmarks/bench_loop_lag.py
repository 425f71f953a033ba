"""Event-loop lag while 20 concurrent 5,000-character checks run.

    .venv/bin/python benchmarks/bench_loop_lag.py [--checks 20] [--chars 5000] [--rounds 5]

A ticker coroutine sleeps 5 ms at a time and records how late it wakes up: that lateness is
what a Slack ack or a Socket Mode heartbeat would suffer. Measured three ways, same drafts:
inline on the loop, in a ThreadPoolExecutor (`run_in_executor`, what does NOT help for
pure-Python CPU work), and in Steward's worker processes (bot.steward.workers). Prints the
p99 and max lag of each (median over rounds). Bar: p99 ≤ 20 ms with the worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bot.policy import load_corpus
from bot.settings import BUNDLED_POLICIES
from bot.steward.workers import Workers, default_size

SENTENCES = [
    "Excited to share that our team shipped the new Atlas dashboard this week. ",
    "Come see us at the IoT summit in Berlin, booth 12, we'd love to chat. ",
    "Atlas is the fastest analytics platform for sensor data, according to our customers. ",
    "Huge thanks to everyone who helped with the Beacon launch. #teamwork ",
]


def drafts(count: int, chars: int) -> list[str]:
    out = []
    for i in range(count):
        text = ""
        j = i
        while len(text) < chars:
            text += SENTENCES[j % len(SENTENCES)]
            j += 1
        out.append(text[:chars])
    return out


async def lag_while(work: asyncio.Future[object]) -> list[float]:
    lags: list[float] = []
    while not work.done():
        start = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append(max(0.0, (time.perf_counter() - start - 0.005) * 1000))
    await work
    return lags


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def run(mode: str, texts: list[str], workers: Workers, threads: ThreadPoolExecutor) -> tuple[float, float, float]:
    loop = asyncio.get_running_loop()
    checker = workers.checker if mode != "processes" else None

    async def one(text: str) -> object:
        if mode == "inline":
            await asyncio.sleep(0)
            assert checker is not None
            return checker.check(text)
        if mode == "threads":
            assert checker is not None
            return await loop.run_in_executor(threads, checker.check, text)
        return await workers.check(text)

    start = time.perf_counter()
    work = asyncio.ensure_future(asyncio.gather(*(one(t) for t in texts)))
    lags = await lag_while(work)
    return p99(lags), max(lags, default=0.0), time.perf_counter() - start


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=default_size())
    args = parser.parse_args()
    corpus = load_corpus(BUNDLED_POLICIES)
    texts = drafts(args.checks, args.chars)
    pool = Workers(corpus, args.workers, with_answerer=False)
    await pool.warm()
    inline = Workers(corpus, 0)
    threads = ThreadPoolExecutor(max_workers=args.workers)
    results: dict[str, list[tuple[float, float, float]]] = {"inline": [], "threads": [], "processes": []}
    try:
        for _ in range(args.rounds):
            results["inline"].append(await run("inline", texts, inline, threads))
            results["threads"].append(await run("threads", texts, inline, threads))
            results["processes"].append(await run("processes", texts, pool, threads))
    finally:
        pool.close()
        threads.shutdown()
    print(f"event-loop lag while {args.checks} concurrent {args.chars:,}-character checks run "
          f"(median of {args.rounds} rounds; {args.workers} worker(s)):")
    summary = {}
    for mode, rows in results.items():
        lag99 = statistics.median(r[0] for r in rows)
        lagmax = statistics.median(r[1] for r in rows)
        wall = statistics.median(r[2] for r in rows)
        summary[mode] = lag99
        print(f"  {mode:10s} p99 {lag99:7.1f} ms   max {lagmax:7.1f} ms   all checks done in {wall * 1000:7.0f} ms")
    ok = summary["processes"] <= 20
    print("PASS" if ok else "FAIL", "(bar: p99 ≤ 20 ms with worker processes)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
