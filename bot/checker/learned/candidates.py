"""Candidate examples: what disputes and approvers teach, waiting for the CoE to accept.

Two events make a candidate:

- a finding an approver overturns as a false positive: the draft, labelled with the
  verdict it has without that finding (`overturned`);
- a draft an approver flags as missed: labelled with the verdict and categories the
  approver gives (`missed`).

Candidates are appended to a JSONL file the CoE reviews (`CANDIDATES_FILE` beside the
corpus by default; the loader never reads it). `accept` moves chosen candidates into
the corpus's `examples/` as validated examples, so the next load learns from them.
Nothing here is trained on until a person accepts it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.policy.models import SEVERITY_RANK, Example

CANDIDATES_FILE = Path("candidates") / "examples.jsonl"
ACCEPTED_FILE = Path("examples") / "accepted.jsonl"


@dataclass(frozen=True)
class Candidate:
    id: str
    text: str
    verdict: str
    categories: tuple[str, ...]
    note: str
    source: str                 # "false_positive" or "missed"
    ref: str = ""               # the dispute or submission it came from
    decided_by: str = ""
    rule: str = ""              # the overturned rule, for a false positive
    extra: dict[str, str] = field(default_factory=dict)

    def example(self) -> Example:
        return Example(id=self.id, text=self.text, verdict=self.verdict,  # type: ignore[arg-type]
                       categories=self.categories, note=self.note)


def _candidate_id(text: str) -> str:
    return "cand-" + hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()[:12]


def overturned(text: str, rule: str, remaining: Iterable[tuple[str, str]], *, reason: str = "",
               decided_by: str = "", ref: str = "") -> Candidate:
    """A finding marked a false positive. `remaining` holds (category, severity) of the findings left."""
    left = [(c, s) for c, s in remaining if s != "allow"]
    verdict = max((s for _, s in left), key=SEVERITY_RANK.__getitem__, default="allow")
    categories = tuple(dict.fromkeys(c for c, _ in left))
    note = f"false positive of {rule}" + (f": {reason}" if reason else "")
    return Candidate(_candidate_id(text), text, verdict, categories, note, "false_positive", ref, decided_by, rule)


def missed(text: str, verdict: str, categories: Iterable[str], *, reason: str = "", decided_by: str = "",
           ref: str = "") -> Candidate:
    """A draft an approver says the checker should have flagged."""
    if verdict not in ("review", "block"):
        raise ValueError("a missed draft is one that needed 'review' or 'block'")
    cats = tuple(dict.fromkeys(categories))
    if not cats:
        raise ValueError("say which categories the missed draft is about")
    return Candidate(_candidate_id(text), text, verdict, cats, reason or "flagged by an approver", "missed",
                     ref, decided_by)


def read(path: Path) -> list[Candidate]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row["categories"] = tuple(row.get("categories", ()))
            out.append(Candidate(**row))
    return out


def add(path: Path, candidate: Candidate, known_ids: Iterable[str] = ()) -> bool:
    """Append `candidate` unless the same draft is already a candidate or an example. True when added."""
    if candidate.id in set(known_ids) or any(c.id == candidate.id for c in read(path)):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    row = asdict(candidate)
    row["categories"] = list(candidate.categories)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return True


def accept(corpus_root: Path, ids: Iterable[str], candidates_path: Path | None = None) -> list[Example]:
    """Move the chosen candidates into the corpus's examples; the rest stay for review."""
    path = candidates_path or corpus_root / CANDIDATES_FILE
    chosen = set(ids)
    pending = read(path)
    unknown = chosen - {c.id for c in pending}
    if unknown:
        raise KeyError(f"no candidate with id {', '.join(sorted(unknown))} in {path}")
    accepted = [c.example() for c in pending if c.id in chosen]    # validates each one
    target = corpus_root / ACCEPTED_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        for example in accepted:
            out.write(example.model_dump_json(exclude_defaults=False) + "\n")
    rest = [c for c in pending if c.id not in chosen]
    path.write_text("".join(json.dumps({**asdict(c), "categories": list(c.categories)}, ensure_ascii=False) + "\n"
                            for c in rest), encoding="utf-8")
    return accepted
