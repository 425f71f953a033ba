"""Compile corpus regexes: lexicon terms become tolerant patterns, {list} placeholders expand.

Terms are matched on normalised (casefolded) text with word boundaries and
flexible separators, so "Project Kestrel" also finds "#ProjectKestrel" and
"project-kestrel" but "Kestrel" never fires inside "kestrels" unless listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.policy.models import Lexicon

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SEPARATORS = r"[\s_\-.]*"


def term_regex(term: str) -> str:
    """A regex source for one lexicon term, tolerant of case, spacing and hashtags."""
    words = term.casefold().split()
    body = _SEPARATORS.join(re.escape(w) for w in words)
    head = r"(?<![\w])" if term[:1].isalnum() else ""
    tail = r"(?![\w])" if term[-1:].isalnum() else ""
    return f"{head}{body}{tail}"


def terms_regex(terms: Iterable[str]) -> str:
    """One alternation for many terms, longest first so the fullest name wins."""
    unique = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not unique:
        return r"(?!x)x"  # matches nothing
    return "(?:" + "|".join(term_regex(t) for t in unique) + ")"


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


PLACEHOLDER_ALIASES = {
    "company": "company_names",
    "product": "products",
    "competitor": "competitors",
    "code_name": "code_names",
    "executive": "executives",
}


def compile_any(patterns: Iterable[str], lexicon: Lexicon) -> re.Pattern[str] | None:
    sources = [expand(p, lexicon) for p in patterns]
    if not sources:
        return None
    return re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)
