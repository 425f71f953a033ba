"""Benchmark `check`: median latency for 280- and 5,000-character drafts, and --batch throughput.

Run: .venv/bin/python benchmarks/bench_check.py   (latency pinned to one CPU core; --batch on one and on all)
     .venv/bin/python benchmarks/bench_check.py --latency   (latency only, with and without the learned layer)
Targets (issue 2): median ≤ 1 ms at 280 chars, ≤ 10 ms at 5,000 chars, --batch ≥ 2,000 drafts/s;
(issue 12): p50 ≤ 1 ms at 280 chars with the learned layer on.

The learned layer needs examples: the corpus's own `examples/`, or, when the bundled corpus
has none yet, every labelled draft in tests/fixtures and ../shared/eval as examples.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checker.engine import Checker  # noqa: E402
from bot.policy import load_corpus  # noqa: E402

SAMPLE = [
    "Congrats to the Atlas team on the 5.0 launch yesterday 🎉 Release notes are public here: "
    "https://northwindlabs.com/blog/atlas-5-is-here — so proud of my colleagues. #employee",
    "Heads up friends: there's a round of layoffs coming at Northwind in January, mostly in sales.",
    "If anyone wants to reach our new hire Priya directly, her personal email is priya.raman82@gmail.com "
    "and her cell is (206) 555-0148 😊",
    "Anyone know why this 401s? curl -H \"Authorization: token ghp_2joshz2HrN7HTZnm2tdtdHNNxMbO8BZXnUmf\"",
    "Sunrise over Lake Washington on my run this morning. Not a bad way to start a Monday 🌅 #running",
    "@contoso_support your product is garbage and your support team are a bunch of f*cking m0r0ns",
    "Switched all my side projects to Northwind Cloud — fastest deploys I've ever seen ⚡",
    "Meetup reminder: Seattle Rust Users, Thu 2024-11-14, 18:30, room 4.12 at the Central Library.",
]


def drafts_of(length: int, count: int) -> list[str]:
    """Realistic drafts of exactly `length` characters, built from varied sample posts."""
    out = []
    for i in range(count):
        parts, n = [], 0
        j = i
        while n < length:
            s = SAMPLE[j % len(SAMPLE)]
            parts.append(s)
            n += len(s) + 1
            j += 1
        out.append(" ".join(parts)[:length])
    return out


def median_ms(checker: Checker, drafts: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for d in drafts:
            t0 = time.perf_counter()
            checker.check(d)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def cpu_median_ms(checker: Checker, drafts: list[str], rounds: int) -> float:
    """Median CPU time of one check: unlike wall time, not inflated by other processes on the machine."""
    times = []
    for _ in range(rounds):
        for d in drafts:
            t0 = time.process_time_ns()
            checker.check(d)
            times.append(time.process_time_ns() - t0)
    return statistics.median(times) / 1e6


def batch_rate(n: int, cpus: set[int] | None) -> tuple[float, float]:
    """Drafts per second of `steward check --batch` end to end (a real process, start-up
    included) on the given CPUs, and of checking + JSON alone in this process."""
    drafts = drafts_of(280, n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drafts.jsonl"
        path.write_text("".join(json.dumps({"id": i, "text": d}) + "\n" for i, d in enumerate(drafts)))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bot", "check", "--batch", str(path)],
                              cwd=ROOT, capture_output=True, text=True,
                              preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        wall = time.perf_counter() - t0
        lines = proc.stdout.count("\n")
        assert lines == n, (lines, proc.stderr[-500:])
    checker = Checker(load_corpus(ROOT / "policies"))
    t0 = time.perf_counter()
    for d in drafts:
        json.dumps(checker.check(d).to_json())
    inproc = time.perf_counter() - t0
    return n / inproc, n / wall


def learned_corpus(tmp: Path) -> Path:
    """The bundled corpus with examples: its own, or the labelled drafts of the test sets."""
    if any((ROOT / "policies" / "examples").glob("*.jsonl")):
        return ROOT / "policies"
    target = tmp / "policies"
    shutil.copytree(ROOT / "policies", target)
    (target / "examples").mkdir()
    sources = [*sorted((ROOT / "tests" / "fixtures").rglob("drafts*.jsonl")),
               ROOT.parent / "shared" / "eval" / "drafts-dev.jsonl"]
    rows = []
    for path in sources:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows.append({"id": f"b{len(rows)}", "text": row["text"], "verdict": row["verdict"],
                                 "categories": row.get("categories") or []})
    (target / "examples" / "bench.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return target


def latency_with_learned_layer() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STEWARD_CACHE_DIR"] = str(Path(tmp) / "cache")    # a fresh cache: time the first load
        corpus = load_corpus(learned_corpus(Path(tmp)))
        t0 = time.perf_counter()
        with_layer = Checker(corpus)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        from bot.checker.learned import layer
        layer._memo.clear()
        Checker(corpus)                      # from the cache file this time
        cached = time.perf_counter() - t0
        rules_only = Checker(corpus.model_copy(update={"examples": ()}))
        drafts = drafts_of(280, 200)
        for d in drafts[:50]:
            with_layer.check(d)
            rules_only.check(d)
        runs_on = [median_ms(with_layer, drafts, rounds=3) for _ in range(5)]
        runs_off = [median_ms(rules_only, drafts, rounds=3) for _ in range(5)]
        state = "active" if with_layer.learned and with_layer.learned.active else "inactive"
        print(f"learned layer: {len(corpus.examples)} examples, {state}; trained + cross-validated in "
              f"{built:.2f} s, loaded from cache in {cached * 1000:.0f} ms")
        print(f"check p50, 280 chars, learned layer on:  {statistics.median(runs_on):.3f} ms "
              f"(runs {', '.join(f'{r:.3f}' for r in runs_on)})   (target ≤ 1 ms)")
        print(f"check p50, 280 chars, rules only:        {statistics.median(runs_off):.3f} ms "
              f"(runs {', '.join(f'{r:.3f}' for r in runs_off)})")
        long = drafts_of(5000, 30)
        print(f"CPU time p50, 280 chars: {cpu_median_ms(with_layer, drafts, 3):.3f} ms with the learned layer, "
              f"{cpu_median_ms(rules_only, drafts, 3):.3f} ms rules only; 5,000 chars: "
              f"{cpu_median_ms(with_layer, long, 2):.3f} ms with, {cpu_median_ms(rules_only, long, 2):.3f} ms without")


def main() -> None:
    all_cpus = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    one_cpu = {min(all_cpus)} if all_cpus else None
    if one_cpu:
        os.sched_setaffinity(0, one_cpu)
    latency_with_learned_layer()
    if "--latency" in sys.argv:
        return
    checker = Checker(load_corpus(ROOT / "policies"))
    for d in drafts_of(280, 50):  # warm caches
        checker.check(d)
    short = median_ms(checker, drafts_of(280, 200), rounds=10)
    long = median_ms(checker, drafts_of(5000, 40), rounds=5)
    inproc, one = batch_rate(20_000, one_cpu)
    _, every = batch_rate(20_000, all_cpus)
    print(f"check median, 280 chars:   {short:.3f} ms   (target ≤ 1 ms)")
    print(f"check median, 5,000 chars: {long:.3f} ms   (target ≤ 10 ms)")
    print(f"--batch, 20,000 drafts of 280 chars, end to end incl. start-up: {one:,.0f} drafts/s on one core, "
          f"{every:,.0f} drafts/s on {len(all_cpus or ())} cores   (target ≥ 2,000/s)")
    print(f"  checking + JSON alone, one core: {inproc:,.0f} drafts/s")


if __name__ == "__main__":
    main()
