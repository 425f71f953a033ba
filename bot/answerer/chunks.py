"""Cutting sections into passages short enough for a sentence embedding to stay specific.

A chunk is a section's heading path ("Content guidelines > Accessibility") followed by
a few paragraphs or list items of its body, about CHUNK_WORDS words at most. A line in
bold on its own ("**Don't bash competitors**") acts as a sub-heading for what follows
it, and a list keeps the line that introduces it, so each chunk reads on its own.
Every section also gets a chunk of its heading path alone, and one of its own heading
alone when it has a parent: a short question often names a heading and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answerer.text import plain
from bot.policy.models import Section

SUBHEADING_WORDS = 15     # a longer line in bold is an emphasised paragraph, not a sub-heading
# MiniLM was trained on sentences and short paragraphs: on the labelled sets, chunks of
# 20-40 words placed the right section first more often than 90 or 150 (semantic alone).
CHUNK_WORDS = 30
SENTENCE_HEADING_WORDS = 6   # a heading this long says something, not just names a topic
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_].*?)(?:\*\*|__)[.:]?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_URL = re.compile(r"<?https?://\S+>?")


@dataclass(frozen=True, slots=True)
class Chunk:
    section: int   # index of its section in the list given to `chunk_sections`
    text: str


def heading_path(section: Section, by_id: dict[str, Section], depth: int = 2) -> str:
    """The section's heading and its parents', nearest last, at most `depth` of them."""
    titles = [plain(section.title)]
    parent = by_id.get(section.parent or "")
    while parent is not None and len(titles) < depth:
        titles.insert(0, plain(parent.title))
        parent = by_id.get(parent.parent or "")
    return " > ".join(titles)


def _clean(line: str) -> str:
    """Markdown markup removed and bare links reduced to their words: what a reader takes in."""
    return " ".join(_URL.sub(lambda m: _link_words(m.group()), plain(line)).split())


def _link_words(url: str) -> str:
    """A bare link becomes the words of its host and path ("x.com/matplotlib" -> "x matplotlib")."""
    return " ".join(w for w in re.split(r"[^A-Za-z0-9]+", url.strip("<>")) if w and w not in ("https", "http", "www"))


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(sub-heading, text) blocks: paragraphs, and lists with the line that introduces them."""
    blocks: list[tuple[str, str]] = []
    sub = ""
    current: list[str] = []
    kind = ""   # "para" or "list"

    def flush() -> None:
        nonlocal kind
        text = " ".join(current).strip()
        if text:
            blocks.append((sub, text))
        current.clear()
        kind = ""

    for raw in markdown.splitlines():
        bold = _BOLD_LINE.match(raw)
        if bold and len(bold.group("text").split()) <= SUBHEADING_WORDS:
            flush()
            sub = _clean(bold.group("text"))
            continue
        if not raw.strip():
            if kind == "para":
                flush()
            continue
        bullet = bool(_BULLET.match(raw))
        indented = raw.startswith((" ", "\t"))
        line = _clean(_BULLET.sub("", raw, count=1) if bullet else raw)
        if not line:
            continue
        if bullet or (indented and kind == "list"):
            if kind == "para" and not (current and current[-1].endswith(":")):
                flush()
            kind = "list"
            current.append(f"- {line}" if bullet and not indented else line)
        else:
            if kind == "list":
                flush()
            kind = "para"
            current.append(line)
    flush()
    return blocks


def _units(text: str) -> list[str]:
    """List items, or the sentences of a paragraph: where a long block may be cut."""
    if text.startswith("- ") or " - " in text:
        parts = re.split(r"\s(?=- )", text)
    else:
        parts = _SENTENCE_END.split(text)
    return [p for p in parts if p.strip()]


def _split_long(text: str, limit: int) -> list[str]:
    if len(text.split()) <= limit:
        return [text]
    out: list[list[str]] = []
    current: list[str] = []
    for unit in _units(text):
        words = unit.split()
        if current and len(current) + len(words) > limit:
            out.append(current)
            current = []
        current.extend(words)
        while len(current) > limit:          # one unit longer than the limit
            out.append(current[:limit])
            current = current[limit:]
    if current:
        if out and len(current) < limit // 4:
            out[-1].extend(current)          # a short tail reads better with what precedes it
        else:
            out.append(current)
    return [" ".join(words) for words in out]


def section_chunks(section: Section, path: str, index: int, limit: int = CHUNK_WORDS) -> list[Chunk]:
    chunks = [Chunk(index, path)]
    title = plain(section.title)
    if title != path and len(title.split()) >= SENTENCE_HEADING_WORDS:
        # A heading that reads as a sentence is content: alone as well, since a parent's heading
        # in front of it ("... > Social media sometimes generates press attention ...") pulls it
        # off topic. A short heading alone ("Social media") would be close to everything.
        chunks.append(Chunk(index, title))
    pieces: list[tuple[str, str]] = []
    for sub, text in _blocks(section.text):
        pieces += [(sub, part) for part in _split_long(text, limit)]
    group: list[str] = []
    group_sub = ""
    size = 0
    for sub, text in pieces:
        n = len(text.split())
        if group and (sub != group_sub or size + n > limit):
            chunks.append(Chunk(index, _compose(path, section.title, group_sub, group)))
            group, size = [], 0
        group_sub = sub
        group.append(text)
        size += n
    if group:
        chunks.append(Chunk(index, _compose(path, section.title, group_sub, group)))
    return chunks


def _compose(path: str, title: str, sub: str, texts: list[str]) -> str:
    # Under a sub-heading the section's own heading is context enough: long paths drown the text.
    head = f"{plain(title)} > {sub}" if sub else path
    return f"{head}: {' '.join(texts)}"


def chunk_sections(sections: Sequence[Section], limit: int | None = None) -> list[Chunk]:
    limit = limit or CHUNK_WORDS
    by_id = {s.id: s for s in sections}
    out: list[Chunk] = []
    for i, section in enumerate(sections):
        out += section_chunks(section, heading_path(section, by_id), i, limit)
    return out
