"""Compile corpus regexes: lexicon terms become tolerant patterns, {list} placeholders expand.

Terms are matched on normalised (casefolded) text with word boundaries and
flexible separators, so "Project Kestrel" also finds "#ProjectKestrel" and
"project-kestrel" but "Kestrel" never fires inside "kestrels" unless listed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator

from bot.policy.models import PLACEHOLDER_ALIASES, Lexicon

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SEPARATORS = r"[\s_\-.]*"
# A lexicon term that is a web address: 'northwindlabs.com' or 'investors.northwindlabs.com/q3'.
_ADDRESS = re.compile(r"^([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.([a-z]{2,24})(/\S*)?$")


def address_regex(term: str) -> str | None:
    """A web address matched under any top-level domain, or None for a term that is not one.

    Companies publish under several (.com, .co.uk, .de) and write drafts with test ones
    (.example), so 'northwindlabs.com/news' also finds 'northwindlabs.example/news'.
    """
    m = _ADDRESS.match(term.casefold())
    if m is None:
        return None
    host, _, path = m.groups()
    return rf"(?<![\w-]){re.escape(host)}\.[a-z]{{2,24}}(?:\.[a-z]{{2}})?{re.escape(path or '')}(?![\w-])"


def term_regex(term: str) -> str:
    """A regex source for one lexicon term, tolerant of case, spacing and hashtags."""
    address = address_regex(term)
    if address is not None:
        return address
    words = term.casefold().split()
    body = _SEPARATORS.join(re.escape(w) for w in words)
    head = r"(?<![\w])" if term[:1].isalnum() else ""
    tail = r"(?![\w])" if term[-1:].isalnum() else ""
    return f"{head}{body}{tail}"


def terms_regex(terms: Iterable[str]) -> str:
    """One alternation for many terms, longest first so the fullest name wins.

    Boundaries are factored out of the alternation (one lookaround for all the
    word-like terms) because a lookbehind per alternative makes `re` slow.
    """
    unique = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not unique:
        return r"(?!x)x"  # matches nothing
    bare = [t for t in unique if t[:1].isalnum() and t[-1:].isalnum() and address_regex(t) is None]
    other = [t for t in unique if t not in bare]
    parts = []
    if bare:
        body = "|".join(_SEPARATORS.join(re.escape(w) for w in t.casefold().split()) for t in bare)
        parts.append(rf"(?<![^\W_])(?:{body})(?![^\W_])")
    parts += [term_regex(t) for t in other]
    return "(?:" + "|".join(parts) + ")"


def expand(pattern: str, lexicon: Lexicon) -> str:
    """Replace {company}, {products}, {competitors}… with the lexicon's terms.

    Singular aliases are accepted ({product} = {products}). Unknown names are left
    as written (a literal brace in a regex); the corpus linter reports them.
    """

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        terms = lexicon.term_list(name) or lexicon.term_list(PLACEHOLDER_ALIASES.get(name, name))
        if terms is None:
            return m.group(0)
        return terms_regex(terms)

    return _PLACEHOLDER.sub(sub, pattern)


_ESCAPE = re.compile(r"\\(?:N\{[^}]*\}|.)")


class LazyPattern:
    """A regex kept as its source and compiled on first use, then reused.

    Most of a corpus's patterns never run on a given draft (the literal prefilter
    skips them), so a one-off `steward check` compiles only the few it needs; a
    pickled corpus (bot/policy/cache.py) stores the source, never a compiled
    pattern, so loading it compiles nothing.
    """

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text, pos, endpos)

    def __reduce__(self) -> tuple[type[LazyPattern], tuple[str, int]]:
        return LazyPattern, (self.pattern, self.flags)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags})"


def compile_any(patterns: Iterable[str], lexicon: Lexicon) -> LazyPattern | None:
    """One regex for several patterns, run on casefolded text.

    Patterns written in lower case compile case-sensitively: the text is already
    casefolded, and re.IGNORECASE makes Python's matcher several times slower.
    """
    sources = [expand(p, lexicon) for p in patterns]
    if not sources:
        return None
    return _lazy("|".join(f"(?:{s})" for s in sources))


def compile_each(patterns: Iterable[str], lexicon: Lexicon) -> list[LazyPattern]:
    """Each pattern on its own, so each can be prefiltered on its own."""
    return [_lazy(expand(p, lexicon)) for p in patterns]


def _lazy(source: str) -> LazyPattern:
    has_upper = any(c.isupper() for c in _ESCAPE.sub("", source))
    return LazyPattern(source, re.IGNORECASE if has_upper else 0)
