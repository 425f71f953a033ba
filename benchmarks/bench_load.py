"""How long does loading a large corpus take? Prints the median of several loads.

Generates a corpus of 2,000 sections (20 documents × 100 headings, a mix of
explicit ids and slugs, nested levels, fenced code) plus 200 rules into a temp
dir, then times `load_corpus` (parse + validate + hash) end to end.

    .venv/bin/python benchmarks/bench_load.py [--sections 2000] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bot.policy import load_corpus  # noqa: E402

CATEGORIES = ("confidential", "privacy", "claims", "legal", "general")
PARAGRAPH = ("Employees may share public news about the company, but never figures that have not "
             "been announced, customer names under NDA or screenshots of internal tools. ")


def generate(root: Path, sections: int, docs: int = 20) -> None:
    per_doc = max(1, sections // docs)
    (root / "rules").mkdir()
    (root / "corpus.yaml").write_text("name: bench\nheading_categories:\n  'press': legal\n", encoding="utf-8")
    (root / "lexicon.yaml").write_text("code_names: [Project Falcon]\ncompany_names: [Bench Co]\n",
                                       encoding="utf-8")
    explicit: list[str] = []
    for d in range(docs):
        lines = ["---", f"id: doc-{d}", f"title: Document {d}", 'version: "1.0"', "---", "",
                 f"# Document {d}", "", PARAGRAPH, ""]
        for s in range(per_doc - 1):
            level = 2 + s % 3
            if s % 4 == 0:
                section_id = f"d{d}-s{s}"
                explicit.append(section_id)
                lines.append(f"{'#' * level} Topic {s} {{#{section_id} category={CATEGORIES[s % 5]}}}")
            else:
                lines.append(f"{'#' * level} Examples of topic {s % 7}")  # repeated titles → -1, -2 slugs
            lines += ["", PARAGRAPH * 2, "", "- a list item", "- another one", ""]
            if s % 10 == 0:
                lines += ["```", "# a comment in code, not a heading", "```", ""]
        (root / f"doc-{d:02}.md").write_text("\n".join(lines), encoding="utf-8")
    rules = ["contexts:", "  company:", "    terms: [company_names]", "rules:"]
    for r in range(200):
        rules += [f"  - id: bench.rule-{r}", "    kind: phrase", f"    category: {CATEGORIES[r % 4]}",
                  "    severity: review", f"    section: {explicit[r % len(explicit)]}",
                  f"    message: Message {r}.", "    fix: Fix it.",
                  f"    patterns: ['\\bword{r}\\b', '{{code_names}} release {r}']", "    requires: [company]"]
    (root / "rules" / "bench.yaml").write_text("\n".join(rules) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.sections)
        corpus = load_corpus(root)  # warm-up: imports, regex cache
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            load_corpus(root)
            times.append(time.perf_counter() - start)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"corpus: {len(corpus.sections)} sections, {len(corpus.rules)} rules, "
          f"{len(corpus.documents)} documents, {size / 1024:.0f} KiB")
    print(f"load_corpus over {args.runs} runs: median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
