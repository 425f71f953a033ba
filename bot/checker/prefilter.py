"""Literal prefilters: skip a regex when none of the words it needs is in the text.

From a compiled pattern's parse tree we derive a set of literal strings such
that every match must contain at least one of them (Hyperscan's idea). One
Aho-Corasick pass (pyahocorasick) finds which of all the corpus's literals occur
in a draft; a pattern whose literals are all absent cannot match and is skipped.
Most rules have no reason to fire on most drafts, so most regexes never run.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

from bot.checker.patterns import LazyPattern

MIN_LITERAL = 2  # a single character filters nothing
MAX_REACH = 400  # patterns that can match longer than this are searched in the whole text


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


def analyse(rx: LazyPattern) -> tuple[frozenset[str] | None, LazyPattern, bool, int | None]:
    """What the prefilter needs of one pattern, from a single parse of its source.

    Returns (literals of which a match must contain one, or None; the pattern to
    run, with a leading `\\b` stripped; whether that boundary is to be checked on
    each match; how far a match can reach from a literal, or None if unbounded).
    The parse is `re`'s own; compiling waits until the pattern first runs.
    """
    tree = sre_parse.parse(rx.pattern, rx.flags)   # an invalid pattern raises re.error, as re.compile would
    return _literals(tree, rx.flags), *_strip_leading_boundary(rx, tree), _reach(tree)


def _literals(tree: Any, flags: int) -> frozenset[str] | None:
    found = _required(tree)
    if found is None or min(map(len, found)) < MIN_LITERAL:
        return None
    if flags & re.IGNORECASE:
        found = frozenset(s.casefold() for s in found)
    return found


def _reach(tree: Any) -> int | None:
    """How far from one of its literals a match (and its lookaheads) can extend, if bounded."""
    ahead = 0
    stack = [tree]
    while stack:
        for op, av in stack.pop():
            if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
                if av[0] == 1:   # lookahead: it reads past the match's end
                    ahead = max(ahead, av[1].getwidth()[1])
                stack.append(av[1])
            elif op is sre_c.SUBPATTERN:
                stack.append(av[-1])
            elif op is sre_c.BRANCH:
                stack.extend(av[1])
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                stack.append(av[2])
    width = tree.getwidth()[1] + ahead
    return width if width <= MAX_REACH else None


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _strip_leading_boundary(rx: LazyPattern, tree: Any) -> tuple[LazyPattern, bool]:
    """`\\bfoo` → (`foo`, True): the caller checks the boundary on each match instead.

    A leading `\\b` hides the pattern's first characters from `re`'s fast scan
    for where a match can start; without it `re` skips ahead by literal prefix or
    first-character set, several times faster on long drafts.
    """
    first = tree[0] if len(tree) else None
    if (not rx.pattern.startswith("\\b") or first is None
            or first[0] is not sre_c.AT or first[1] is not sre_c.AT_BOUNDARY):
        return rx, False  # e.g. a top-level alternation: '\\ba|b'
    # The boundary is the first item of a top-level sequence and carries no quantifier
    # (that would make the first item a repeat), so the rest of the source is a regex.
    return LazyPattern(rx.pattern[2:], rx.flags), True


_pattern_ids = itertools.count()

Guarded = tuple[frozenset[str], LazyPattern, bool, int | None]


class Scan:
    """What one pass found in a stretch of text: literal → end offsets, and the patterns it wakes."""

    __slots__ = ("found", "candidates")

    def __init__(self, found: dict[str, list[int]], candidates: frozenset[int]) -> None:
        self.found = found
        self.candidates = candidates


class LiteralIndex:
    """All literals of all pattern sets of one corpus, found in a draft in one pass."""

    def __init__(self, sets: Iterable[PatternSet]) -> None:
        self._automaton = ahocorasick.Automaton()
        patterns_of: dict[str, set[int]] = {}
        for ps in sets:
            for pid, (lits, _, _, _) in ps.guarded.items():
                for lit in lits:
                    patterns_of.setdefault(lit, set()).add(pid)
        for lit in patterns_of:
            self._automaton.add_word(lit, lit)
        self._patterns_of = {lit: frozenset(ids) for lit, ids in patterns_of.items()}
        if patterns_of:
            self._automaton.make_automaton()

    def scan(self, text: str) -> Scan:
        found: dict[str, list[int]] = {}
        if self._patterns_of and text:
            for end, lit in self._automaton.iter(text):
                found.setdefault(lit, []).append(end)
        return Scan(found, frozenset().union(*(self._patterns_of[lit] for lit in found)))


class PatternSet:
    """Several patterns, each run only where one of its literals occurs in the text.

    Patterns are kept apart rather than joined into one alternation: each can then
    be skipped on its own, each of bounded width is searched only in windows around
    its literals' occurrences, and each keeps the fast start-of-match scan that `re`
    loses on a leading `\\b` (checked on the match instead).
    """

    __slots__ = ("guarded", "_guarded_ids", "unguarded")

    def __init__(self, regexes: list[LazyPattern]) -> None:
        self.guarded: dict[int, Guarded] = {}            # run only when a literal is present
        self.unguarded: list[tuple[LazyPattern, bool]] = []
        for rx in regexes:
            lits, stripped, boundary, reach = analyse(rx)
            if lits is None:
                self.unguarded.append((stripped, boundary))
            else:
                self.guarded[next(_pattern_ids)] = (lits, stripped, boundary, reach)
        self._guarded_ids = frozenset(self.guarded)

    def spans(self, text: str, scan: Scan, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Matches in text[lo:hi]; `scan` is LiteralIndex.scan of that same stretch of text."""
        hi = len(text) if hi is None else hi
        out: list[tuple[int, int]] = []
        for rx, boundary in self.unguarded:
            _collect(rx, boundary, text, lo, hi, out)
        ids = self._guarded_ids & scan.candidates
        if not ids:
            return out      # the common case: none of this set's literals is in the draft
        for pid in (sorted(ids) if len(ids) > 1 else ids):
            lits, rx, boundary, reach = self.guarded[pid]
            if reach is None:
                _collect(rx, boundary, text, lo, hi, out)
                continue
            found = scan.found
            occurrences = ((lit, end + lo) for lit in lits if lit in found for end in found[lit])
            for w_lo, w_hi in _around(occurrences, reach, lo, hi):
                _collect(rx, boundary, text, w_lo, w_hi, out)
        return out


def _collect(rx: LazyPattern, boundary: bool, text: str, lo: int, hi: int,
             out: list[tuple[int, int]]) -> None:
    for m in rx.finditer(text, lo, hi):
        start = m.start()
        if boundary and start < m.end():
            before = start > 0 and _is_word(text[start - 1])
            if before == _is_word(text[start]):
                continue  # no word boundary where the match starts
        out.append(m.span())


def _around(occurrences: Iterable[tuple[str, int]], reach: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Merged windows holding every match that could contain one of these occurrences."""
    spans = sorted((max(lo, end + 1 - reach), min(hi, end + 1 - len(lit) + reach))
                   for lit, end in occurrences)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
