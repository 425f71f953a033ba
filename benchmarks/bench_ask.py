"""Benchmark `ask`: median latency on the default corpus and on a generated 2,000-section corpus,
corpus load and index build time, and the rank_bm25 vs SQLite FTS5 comparison behind the choice.

usage: .venv/bin/python benchmarks/bench_ask.py [--sections 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answerer import Answerer  # noqa: E402
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


def median_ms(fn, items: list[str], rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            fn(item)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=2000)
    args = parser.parse_args()
    qs = questions()

    start = time.perf_counter()
    default = load_corpus(ROOT / "policies")
    load_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    answerer = Answerer(default)
    build_ms = (time.perf_counter() - start) * 1000
    print(f"default corpus: {len(default.sections)} sections, load {load_ms:.1f} ms, index build {build_ms:.1f} ms")
    print(f"  median ask latency: {median_ms(answerer.ask, qs):.2f} ms (bar 5 ms)")

    with tempfile.TemporaryDirectory() as tmp:
        generate_corpus(Path(tmp), args.sections)
        start = time.perf_counter()
        big = load_corpus(tmp)
        load_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        big_answerer = Answerer(big)
        build_ms = (time.perf_counter() - start) * 1000
        print(f"generated corpus: {len(big.sections)} sections, load {load_ms:.0f} ms, "
              f"index build {build_ms:.0f} ms, load + build {load_ms + build_ms:.0f} ms (bar 1,000 ms)")
        print(f"  median ask latency: {median_ms(big_answerer.ask, qs):.2f} ms (bar 25 ms)")

        if DEV.exists():
            items = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
            small = fts5_compare(default, items)
            large = fts5_compare(big, items)
            print("SQLite FTS5, same normalised terms, unweighted OR query:")
            print(f"  default corpus: build {small['build_ms']:.1f} ms, median {small['median_ms']:.2f} ms, "
                  f"dev top-1 {small['top1']:.1%} (no vocabulary weights, no typo correction)")
            print(f"  {len(big.sections)} sections: build {large['build_ms']:.0f} ms, "
                  f"median {large['median_ms']:.2f} ms")


if __name__ == "__main__":
    main()
