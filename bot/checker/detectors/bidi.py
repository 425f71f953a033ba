"""Text behind a right-to-left override, read in the order it is displayed.

U+202E (RLO) makes the characters after it display right to left, up to U+202C (PDF)
or the end of the line. 'tcejorP' typed after an RLO shows as 'Project': a filter that
strips the control character reads the reversed letters and misses the word. This
module builds the displayed text, with each character's offset in the draft, so the
rules can read what people will see. LRO (U+202D) runs display as typed.
"""

from __future__ import annotations

import re

from bot.checker.detectors import Hit
from bot.checker.normalize import Normalized

RLO, LRO, PDF = "\u202e", "\u202d", "\u202c"
_OVERRIDE = re.compile(f"[{RLO}{LRO}]")
_RUN = re.compile(f"{RLO}([^{PDF}\\n{RLO}{LRO}]*)(?:{PDF}|(?=\\n|{RLO}|{LRO})|$)")


def has_override(text: str) -> bool:
    return RLO in text or LRO in text


def displayed(text: str) -> tuple[str, list[int]] | None:
    """The draft as displayed (controls dropped, RLO runs reversed) and each character's offset, or None."""
    if RLO not in text:
        return None
    chars: list[str] = []
    index: list[int] = []
    i = 0
    for m in _RUN.finditer(text):
        for j in range(i, m.start()):
            if text[j] not in (LRO, PDF):
                chars.append(text[j])
                index.append(j)
        lo, hi = m.span(1)
        for j in range(hi - 1, lo - 1, -1):
            chars.append(text[j])
            index.append(j)
        i = m.end()
    for j in range(i, len(text)):
        if text[j] not in (LRO, PDF):
            chars.append(text[j])
            index.append(j)
    return "".join(chars), index


def detect_bidi_override(n: Normalized) -> list[Hit]:
    """A direction override in a post: it only serves to make text display unlike it is typed."""
    out = []
    for m in _OVERRIDE.finditer(n.original):
        end = n.original.find(PDF, m.end())
        line_end = n.original.find("\n", m.end())
        stops = [p for p in (end + 1 if end >= 0 else -1, line_end) if p >= 0]
        out.append(Hit(m.start(), min(stops) if stops else len(n.original), "bidi_override",
                       "a right-to-left override reverses how this text is displayed"))
    return out
