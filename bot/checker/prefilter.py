"""Literal prefilters: skip a regex when none of the words it needs is in the text.

From a compiled pattern's parse tree we derive a set of literal strings such
that every match must contain at least one of them (Hyperscan's idea). One
Aho-Corasick pass (pyahocorasick) finds which of all the corpus's literals occur
in a draft; a pattern whose literals are all absent cannot match and is skipped.
Most rules have no reason to fire on most drafts, so most regexes never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

MIN_LITERAL = 2  # a single character filters nothing


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """Of two alternative requirements, keep the more selective one."""
    if a is None:
        return b
    if b is None:
        return a
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _required(seq: Any) -> frozenset[str] | None:
    """Literals of which one must occur in any match of `seq` (None: no useful requirement)."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def flush() -> None:
        nonlocal best
        if len(run) >= MIN_LITERAL:
            best = _better(best, frozenset(["".join(run)]))
        run.clear()

    for op, av in seq:
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is sre_c.SUBPATTERN:
            best = _better(best, _required(av[-1]))
        elif op is sre_c.BRANCH:
            alts = [_required(alt) for alt in av[1]]
            if all(a is not None for a in alts):
                best = _better(best, frozenset().union(*alts))  # type: ignore[arg-type]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            best = _better(best, _required(av[2]))
        # Anything else (classes, anchors, lookarounds, optional parts) requires nothing
        # literal, and it ends the current run of literal characters.
    flush()
    return best


def required_literals(regex: re.Pattern[str]) -> frozenset[str] | None:
    try:
        tree = sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # an internal parser quirk must never break checking
        return None
    found = _required(tree)
    if found is None or min(map(len, found)) < MIN_LITERAL:
        return None
    if regex.flags & re.IGNORECASE:
        found = frozenset(s.casefold() for s in found)
    return found


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _strip_leading_boundary(regex: re.Pattern[str]) -> tuple[re.Pattern[str], bool]:
    """`\\bfoo` → (`foo`, True): the caller checks the boundary on each match instead.

    A leading `\\b` hides the pattern's first characters from `re`'s fast scan
    for where a match can start; without it `re` skips ahead by literal prefix or
    first-character set, several times faster on long drafts.
    """
    src = regex.pattern
    if not src.startswith("\\b"):
        return regex, False
    try:
        tree = sre_parse.parse(src, regex.flags)
    except Exception:
        return regex, False
    first = tree[0] if len(tree) else None
    if first is None or first[0] is not sre_c.AT or first[1] is not sre_c.AT_BOUNDARY:
        return regex, False  # e.g. a top-level alternation: '\\ba|b'
    try:
        return re.compile(src[2:], regex.flags), True
    except re.error:
        return regex, False


class LiteralIndex:
    """All literals of all pattern sets of one corpus, found in a draft in one pass."""

    def __init__(self, sets: Iterable[PatternSet]) -> None:
        self._automaton = ahocorasick.Automaton()
        for ps in sets:
            for lits, _, _ in ps.patterns:
                for lit in lits or ():
                    self._automaton.add_word(lit, lit)
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def present(self, text: str) -> frozenset[str]:
        if self._empty or not text:
            return frozenset()
        return frozenset(lit for _, lit in self._automaton.iter(text))


class PatternSet:
    """Several patterns, each run only when one of its literals occurs in the text.

    Patterns are kept apart rather than joined into one alternation: each can then
    be skipped on its own, and each keeps the fast start-of-match scan that `re`
    loses on a leading `\\b` (checked on the match instead).
    """

    __slots__ = ("patterns",)

    def __init__(self, regexes: list[re.Pattern[str]]) -> None:
        self.patterns: list[tuple[frozenset[str] | None, re.Pattern[str], bool]] = [
            (required_literals(rx), *_strip_leading_boundary(rx)) for rx in regexes]

    def spans(self, text: str, present: frozenset[str], lo: int = 0,
              hi: int | None = None) -> list[tuple[int, int]]:
        """Matches in text[lo:hi]; `present` holds the literals found there (LiteralIndex)."""
        hi = len(text) if hi is None else hi
        found: list[tuple[int, int]] = []
        for lits, rx, boundary in self.patterns:
            if lits is not None and lits.isdisjoint(present):
                continue
            for m in rx.finditer(text, lo, hi):
                start = m.start()
                if boundary and start < m.end():
                    before = start > 0 and _is_word(text[start - 1])
                    if before == _is_word(text[start]):
                        continue  # no word boundary where the match starts
                found.append(m.span())
        return found
