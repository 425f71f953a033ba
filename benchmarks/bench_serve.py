"""`steward serve` figures: idle memory, time from `make run` on a fresh clone to a page, check latency.

    .venv/bin/python benchmarks/bench_serve.py [--runs 3] [--seconds 20] [--rate 50] [--skip-clone]

1. Idle RSS of a server (web chat on, default corpus, SQLite) 5 s after it is ready; median of runs.
2. `make run` in a fresh `git clone` of this checkout (a new .venv, pip install from the index or
   its cache, migrations, start) until GET / answers 200; once per run. Skipped with --skip-clone.
3. Web chat checks (POST /api/message with a draft) sent open-loop at --rate per second for
   --seconds on loopback: p50/p99 latency and errors. Peer figure from the same run and server:
   GET /healthz at the same rate (the HTTP floor).
4. Server CPU time per web chat check (300 sequential requests, from /proc): what one replica
   costs per check whatever else the machine is doing.
Prints medians; exit status 1 when a request fails or RSS exceeds 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving import Server, free_port, get  # noqa: E402

DRAFTS = [
    "Atlas is the #1 analytics platform for IoT data",
    "Excited to share that our team shipped the new dashboard today! #employee",
    "Our Q3 revenue grew 40% and we are about to announce the acquisition",
    "Happy Friday everyone, enjoy the weekend",
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def idle_rss() -> float:
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), {"STEWARD_WEB_CHAT": "true",
                                                                  "STEWARD_DEMO": "true"}) as s:
        time.sleep(5)
        return rss_mb(s.proc.pid)


def make_run_to_page() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "steward"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        shared = ROOT.parent / "shared"
        if shared.exists():
            (Path(tmp) / "shared").symlink_to(shared)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "VIRTUAL_ENV"))}
        env["PORT"] = str(port)
        start = time.perf_counter()
        proc = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while time.perf_counter() - start < 900:
                if proc.poll() is not None:
                    raise RuntimeError(f"make run exited {proc.returncode}")
                try:
                    if get(f"http://127.0.0.1:{port}/", 2)[0] == 200:
                        return time.perf_counter() - start
                except OSError:
                    pass
                time.sleep(0.25)
            raise TimeoutError("no page after 900 s")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)     # make and the server it started (its own group)
            proc.wait(60)


async def open_loop(url: str, rate: float, seconds: float, *, check: bool) -> tuple[list[float], int]:
    """Send at a fixed rate whatever the server's pace (no coordinated omission); latencies in ms."""
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        csrf = ""
        if check:
            async with http.get(url + "/api/state") as r:
                csrf = (await r.json())["csrf"]
            async with http.post(url + "/api/persona", json={"email": "ada.lovelace@northwindlabs.com"},
                                 headers={"X-CSRF-Token": csrf, "Origin": url}) as r:
                assert r.status == 200

        async def one(i: int) -> None:
            nonlocal errors
            t0 = time.perf_counter()
            try:
                if check:
                    async with http.post(url + "/api/message", json={"text": DRAFTS[i % len(DRAFTS)]},
                                         headers={"X-CSRF-Token": csrf, "Origin": url}) as r:
                        await r.read()
                        ok = r.status == 200
                else:
                    async with http.get(url + "/healthz") as r:
                        await r.read()
                        ok = r.status == 200
            except aiohttp.ClientError:
                ok = False
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += not ok

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return latencies, errors


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_per_check(server: Server, n: int = 300) -> float:
    """Server CPU milliseconds per check, sequential requests after 20 to warm up."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(server.url + "/api/state") as r:
            csrf = (await r.json())["csrf"]
        headers = {"X-CSRF-Token": csrf, "Origin": server.url}
        async with http.post(server.url + "/api/persona", json={"email": "ada.lovelace@northwindlabs.com"},
                             headers=headers) as r:
            assert r.status == 200
        before = 0.0
        for i in range(20 + n):
            if i == 20:
                before = cpu_seconds(server.proc.pid)
            async with http.post(server.url + "/api/message", json={"text": DRAFTS[i % len(DRAFTS)]},
                                 headers=headers) as r:
                await r.read()
        return (cpu_seconds(server.proc.pid) - before) * 1000 / n


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--skip-clone", action="store_true")
    args = ap.parse_args()
    failed = False

    rss = [idle_rss() for _ in range(args.runs)]
    print(f"idle RSS (web chat on, default corpus): median {statistics.median(rss):.0f} MB "
          f"(runs: {', '.join(f'{r:.0f}' for r in rss)})")
    failed |= statistics.median(rss) > 150

    if not args.skip_clone and shutil.which("git") and shutil.which("make"):
        times = [make_run_to_page() for _ in range(args.runs)]
        print(f"make run on a fresh clone → page answers: median {statistics.median(times):.1f} s "
              f"(runs: {', '.join(f'{t:.1f}' for t in times)})")

    cpu = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), {"STEWARD_WEB_CHAT": "true",
                                                                      "STEWARD_DEMO": "true"}) as s:
            cpu.append(asyncio.run(cpu_per_check(s)))
    print(f"server CPU per web chat check: median {statistics.median(cpu):.1f} ms "
          f"(runs: {', '.join(f'{c:.1f}' for c in cpu)})")

    p50s, p99s, floor99 = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), {"STEWARD_WEB_CHAT": "true",
                                                                      "STEWARD_DEMO": "true"}) as s:
            lat, errors = asyncio.run(open_loop(s.url, args.rate, args.seconds, check=True))
            floor, floor_errors = asyncio.run(open_loop(s.url, args.rate, args.seconds / 2, check=False))
            failed |= bool(errors or floor_errors)
            p50s.append(pct(lat, 50))
            p99s.append(pct(lat, 99))
            floor99.append(pct(floor, 99))
            print(f"  run: {len(lat)} checks at {args.rate:g}/s: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, "
                  f"max {max(lat):.1f} ms, errors {errors}; /healthz p99 {pct(floor, 99):.1f} ms")
    print(f"web chat check at {args.rate:g}/s on loopback: median p50 {statistics.median(p50s):.1f} ms, "
          f"median p99 {statistics.median(p99s):.1f} ms (peer: /healthz p99 {statistics.median(floor99):.1f} ms)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
