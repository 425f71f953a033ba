"""Steward's checker side by side with Microsoft Presidio's pattern recognizers, in one run, on the same drafts.

Run: .venv/bin/python benchmarks/bench_presidio.py [--quick]
Needs the bench extra for the Presidio side: .venv/bin/pip install -e '.[bench]'. Without it the
Steward figures are still printed and the Presidio column says it is absent.

Presidio runs as its pattern recognizers over a blank spaCy pipeline (`spacy.blank("en")` wrapped in
an NlpEngine, its NER recognizer removed): no model is downloaded, and tldextract's public-suffix
fetch is turned off so that it uses the snapshot it ships (the run works offline).
Figures (issue 12 bars): check p50 for a 280-character draft (≤ 1 ms; one core each), batch
throughput on every core (≥ 3× Presidio's: Steward's `check --batch` end to end, start-up
included, against Presidio in-process with start-up excluded; and both in the same in-process
harness), cold `steward check` (≤ 0.4 s, median of runs; `python -c pass` alongside shows how
loaded the machine was).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import drafts_of  # noqa: E402

from bot.checker.engine import Checker  # noqa: E402
from bot.policy import load_corpus  # noqa: E402

ALL_CPUS = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()
ONE_CPU = {min(ALL_CPUS)} if ALL_CPUS else set()
COLD_DRAFT = "Heads up: our new hire's personal email is priya.raman82@gmail.com"


def pin(cpus: set[int]) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)


def presidio_analyzer() -> Any | None:
    """Presidio's pattern recognizers over a blank spaCy pipeline, or None when not installed."""
    try:
        import spacy
        import tldextract
        import tldextract.tldextract
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
    except ImportError:
        return None
    # Offline: use the public suffix list tldextract ships instead of fetching it.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())

    class BlankSpacy(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    analyzer.registry.remove_recognizer("SpacyRecognizer")   # NER: nothing to find with a blank pipeline
    return analyzer


def p50_ms(fn: Callable[[str], object], drafts: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for d in drafts:
            t0 = time.perf_counter()
            fn(d)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def cpu_seconds() -> float:
    """User + system time of this process's finished children (and theirs)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def steward_batch_rate(drafts: list[str], cache: str) -> tuple[float, float]:
    """Drafts per second of `steward check --batch`, a real process on every core, start-up included,
    and drafts per CPU-second it used."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drafts.jsonl"
        path.write_text("".join(json.dumps({"id": i, "text": d}) + "\n" for i, d in enumerate(drafts)))
        env = {**os.environ, "STEWARD_CACHE_DIR": cache}
        cpu, t0 = cpu_seconds(), time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bot", "check", "--batch", str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu
    assert proc.stdout.count("\n") == len(drafts), proc.stderr[-500:]
    return len(drafts) / wall, len(drafts) / cpu


_analyze: Callable[[str], object] | None = None


def _chunk(chunk: list[str]) -> int:
    assert _analyze is not None
    for d in chunk:
        _analyze(d)
    return len(chunk)


def in_process_rate(analyze: Callable[[str], object], drafts: list[str], jobs: int) -> tuple[float, float]:
    """Drafts per second of `analyze` (result to JSON included) on `jobs` forked workers, already
    loaded: start-up not counted; and drafts per CPU-second. The same harness for both tools."""
    global _analyze
    _analyze = analyze
    size = max(1, len(drafts) // (jobs * 8))
    chunks = [drafts[i:i + size] for i in range(0, len(drafts), size)]
    cpu, t0 = cpu_seconds(), time.perf_counter()
    pool = multiprocessing.get_context("fork").Pool(jobs)
    done = sum(pool.imap_unordered(_chunk, chunks))
    wall = time.perf_counter() - t0
    pool.close()
    pool.join()                       # reaped workers: their CPU time is counted
    assert done == len(drafts)
    return len(drafts) / wall, len(drafts) / (cpu_seconds() - cpu)


def cold_runs(cmd: list[str], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run. CPU time (user + system) is what the process itself
    spent, so it moves far less than wall time when other work shares the machine."""
    out = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return out


def medians(runs: list[tuple[float, float]]) -> str:
    return (f"{statistics.median(w for w, _ in runs):.3f} s wall, "
            f"{statistics.median(c for _, c in runs):.3f} s CPU")


LOAD = ""


def main() -> None:
    global LOAD
    LOAD = " ".join(f"{x:.1f}" for x in os.getloadavg())
    quick = "--quick" in sys.argv
    runs = 5 if quick else 9
    n_short, n_long = (4_000, 60) if quick else (20_000, 300)
    short = drafts_of(280, n_short)
    long = drafts_of(5_000, n_long)
    pin(ONE_CPU)
    checker = Checker(load_corpus(ROOT / "policies"))
    analyzer = presidio_analyzer()
    for d in drafts_of(280, 50):   # warm up both
        checker.check(d)
        if analyzer is not None:
            analyzer.analyze(d, language="en")

    rows: list[tuple[str, str, str, str]] = []
    s_p50 = p50_ms(checker.check, drafts_of(280, 200), rounds=10)
    p_p50 = p50_ms(lambda d: analyzer.analyze(d, language="en"), drafts_of(280, 200), rounds=3) \
        if analyzer is not None else None
    rows.append(("check p50, 280 chars, one core", f"{s_p50:.3f} ms", _fmt(p_p50, "{:.3f} ms"), "≤ 1 ms"))

    with tempfile.TemporaryDirectory() as cache:
        pin(ALL_CPUS)
        jobs = len(ALL_CPUS) or 1
        for label, drafts in ((f"{n_short:,} × 280 chars", short), (f"{n_long:,} × 5,000 chars", long)):
            runs3 = [steward_batch_rate(drafts, cache) for _ in range(3)]
            s_rate, s_cpu = (statistics.median(r[i] for r in runs3) for i in (0, 1))
            s_in, s_in_cpu = in_process_rate(lambda d: json.dumps(checker.check(d).to_json()), drafts, jobs)
            p_rate, p_cpu = in_process_rate(
                lambda d: json.dumps([r.to_dict() for r in analyzer.analyze(d, language="en")]), drafts, jobs,
            ) if analyzer is not None else (None, None)
            rows.append((f"batch, {label}, drafts/s on {jobs} cores", _vs(s_rate, p_rate),
                         _fmt(p_rate, "{:,.0f} (in-process, start-up not counted)"), "≥ 3× Presidio"))
            rows.append(("  the same, drafts per CPU-second", _vs(s_cpu, p_cpu), _fmt(p_cpu, "{:,.0f}"), ""))
            rows.append(("  Steward on Presidio's harness, drafts/s", _vs(s_in, p_rate), "", ""))
            rows.append(("  Steward on Presidio's harness, per CPU-second", _vs(s_in_cpu, p_cpu), "", ""))

        pin(ONE_CPU)
        steward = [sys.executable, "-m", "bot", "check", COLD_DRAFT]
        env = {**os.environ, "STEWARD_CACHE_DIR": cache}
        first = cold_runs(steward, {**os.environ, "STEWARD_CACHE_DIR": tempfile.mkdtemp()}, 1)
        warm = cold_runs(steward, env, runs)
        uncached = cold_runs(steward, {**os.environ, "STEWARD_CACHE_DIR": "off"}, runs)
        baseline = cold_runs([sys.executable, "-c", "pass"], env, runs)
        p_cold = None
        if analyzer is not None:
            probe = ("import sys; sys.path.insert(0, 'benchmarks'); from bench_presidio import presidio_analyzer; "
                     f"presidio_analyzer().analyze({COLD_DRAFT!r}, language='en')")
            p_cold = medians(cold_runs([sys.executable, "-c", probe], env, runs))
        rows.append((f"cold `steward check`, one core, median of {runs}", medians(warm),
                     p_cold + " (load + one analyze)" if p_cold else _fmt(None, ""), "≤ 0.4 s"))
        rows.append(("  the same, first run (cache built)", medians(first), "", ""))
        rows.append(("  the same, cache off (STEWARD_CACHE_DIR=off)", medians(uncached), "", ""))
        rows.append(("  python -c pass (interpreter start-up)", medians(baseline), "", ""))

    print(f"load average before the run: {LOAD}")
    print(f"{'figure':<48} {'Steward':<34} {'Presidio (pattern recognizers)':<46} bar")
    for name, s, p, bar in rows:
        print(f"{name:<48} {s:<34} {p:<46} {bar}")
    if analyzer is None:
        print("\npresidio-analyzer is not installed, so there is no Presidio column: "
              "pip install -e '.[bench]' and run again.")


def _vs(steward: float, presidio: float | None) -> str:
    return f"{steward:,.0f}" + (f"  ({steward / presidio:.1f}×)" if presidio else "")


def _fmt(value: float | None, pattern: str) -> str:
    return "absent (pip install -e '.[bench]')" if value is None else pattern.format(value)


if __name__ == "__main__":
    main()
