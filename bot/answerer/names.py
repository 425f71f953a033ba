"""The corpus's own name: the organisation or project every section keeps mentioning.

A policy names its organisation everywhere ("Northwind", "GitLab", "Matplotlib"), so a
question that names it too says nothing about *which* part of the policy it concerns,
nor whether it is about the policy at all: "how do I cite Matplotlib in my thesis" and
"how many PTO days do GitLab team members get" share the name and nothing else. The
name is found from the corpus text alone, so it transfers to any corpus: a word written
capitalised in the middle of sentences nearly every time it appears (a proper noun,
not a word that merely starts a sentence or a list item), mentioned in a fair share of
the sections, and mentioned about as often as the most-mentioned such word (the
organisation, not a product or a team named a few times).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.answerer.text import ENGLISH_STOPWORDS, fold
from bot.policy.models import Section

MIN_MENTIONS = 3          # fewer mentions than this and nothing is a name
CAPITALISED_SHARE = 0.8   # a name is capitalised mid-sentence at least this often
SECTION_SHARE = 0.25      # ...and mentioned in at least this share of the sections
TOP_SHARE = 0.5           # ...and at least this share as often as the most-mentioned name

_URL = re.compile(r"\S*(?:https?://|www\.|\w\.(?:com|org|net|io)\b)\S*")
_LINE_START = re.compile(r"^\s*(?:[-*+>]|\d+[.)]|#+)?\s*", re.MULTILINE)
# A word not at the start of a sentence: what precedes it is a letter, digit, comma, etc.
_MID_WORD = re.compile(r"(?<=[A-Za-z0-9,;(\"'’] )([A-Za-z][A-Za-z]+)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z]+")


def corpus_names(sections: Sequence[Section], exclude: Iterable[str] = ()) -> frozenset[str]:
    """Folded words that name the corpus's organisation; empty when none stands out."""
    excluded = {fold(w) for w in exclude} | ENGLISH_STOPWORDS
    capitalised: Counter[str] = Counter()
    mid: Counter[str] = Counter()
    present: Counter[str] = Counter()
    for section in sections:
        text = _URL.sub(" ", f"{section.title}\n{section.text}")
        present.update({fold(w) for w in _WORD.findall(text)})
        body = _LINE_START.sub("", text)
        for match in _MID_WORD.finditer(body):
            word = match.group(1)
            key = fold(word)
            mid[key] += 1
            if word[0].isupper():
                capitalised[key] += 1
    floor = max(2.0, SECTION_SHARE * len(sections)) if len(sections) > 2 else 1.0
    candidates = {w: n for w, n in capitalised.items()
                  if n >= MIN_MENTIONS and n >= CAPITALISED_SHARE * mid[w] and present[w] >= floor
                  and w not in excluded}
    if not candidates:
        return frozenset()
    top = max(candidates.values())
    return frozenset(w for w, n in candidates.items() if n >= TOP_SHARE * top)


PLACEHOLDER = "our organisation"


def without_names(text: str, names: frozenset[str]) -> str:
    """The text with the corpus's names replaced by a neutral phrase ("a GitLab runner" ->
    "a our organisation runner"): the question keeps its shape (whose account, whose logo)
    but no longer borrows the closeness every section has to the name. Replacing, rather
    than deleting, kept answerable questions closer on the labelled sets."""
    if not names:
        return text
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    pattern = re.compile(rf"\b(?:{alternatives})(?:['’]s)?\b", re.IGNORECASE)
    return " ".join(pattern.sub(f" {PLACEHOLDER} ", text).split())
