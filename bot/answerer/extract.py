"""Choosing the sentences or bullets of a section that answer a question (extractive only).

A section body is cut into passages: list items, table rows and the sentences of
paragraphs. Each keeps its words verbatim (Markdown markup removed) and the
lead-in line that introduces its list ("Never post:"), so a bullet quoted alone
still says whether it is a do or a don't.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.answerer.text import plain

_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')]*\s+(?=[A-Z\"“(])")
MAX_PASSAGES = 3


@dataclass(frozen=True)
class Passage:
    text: str            # verbatim policy words
    lead: str = ""       # the line that introduces the list it belongs to, if any
    position: int = 0

    def render(self) -> str:
        return f"{self.lead} {self.text}" if self.lead else self.text


def passages(markdown: str) -> list[Passage]:
    out: list[Passage] = []
    lead = ""
    blocks: list[tuple[str, str]] = []     # (kind, text)
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if not line.strip() or _TABLE_RULE.match(line):
            blocks.append(("blank", ""))
            continue
        if line.lstrip().startswith("|"):
            cells = [plain(c) for c in line.strip().strip("|").split("|")]
            blocks.append(("row", ": ".join(c for c in cells if c)))
        elif _BULLET.match(line):
            blocks.append(("item", _BULLET.sub("", line, count=1)))
        elif blocks and blocks[-1][0] in ("item", "para") and (raw.startswith(" ") or blocks[-1][0] == "para"):
            kind, text = blocks.pop()
            blocks.append((kind, f"{text} {line.strip()}"))
        else:
            blocks.append(("para", line.strip()))
    for kind, text in blocks:
        if kind == "blank":
            continue
        clean = plain(text)
        if not clean:
            continue
        if kind == "para":
            if clean.endswith(":"):
                lead = clean
                continue
            lead = ""
            for sentence in _SENTENCE_END.split(clean):
                if sentence.strip():
                    out.append(Passage(sentence.strip(), "", len(out)))
        else:
            out.append(Passage(clean, lead if kind == "item" else "", len(out)))
    return out


def best_passages(markdown: str, score: Callable[[str], float], limit: int = MAX_PASSAGES) -> list[Passage]:
    """The passages that score best, at most `limit`, in the order the policy gives them."""
    candidates = passages(markdown)
    if not candidates:
        return []
    scored = [(score(p.text), p) for p in candidates]
    top = max(s for s, _ in scored)
    if top <= 0:
        return candidates[:1]
    chosen = sorted(scored, key=lambda sp: (-sp[0], sp[1].position))
    picked = [p for s, p in chosen[:limit] if s >= 0.5 * top]
    return sorted(picked, key=lambda p: p.position)


def render(picked: list[Passage]) -> str:
    """Passages as one answer: a shared lead-in is written once, list items as bullets."""
    lines: list[str] = []
    current_lead: str | None = None
    for passage in picked:
        if passage.lead:
            if passage.lead != current_lead:
                lines.append(passage.lead)
                current_lead = passage.lead
            lines.append(f"- {passage.text}")
        else:
            current_lead = None
            lines.append(passage.text)
    return "\n".join(lines)
