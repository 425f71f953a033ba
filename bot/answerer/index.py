"""Ranked search over policy sections, on rank_bm25's Okapi BM25.

Each section is indexed as its heading (repeated, so heading words weigh more) plus
its body. Query terms carry weights (a word as typed > a vocabulary expansion), so
each term is scored on its own and the weighted scores summed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rank_bm25 import BM25Okapi

from bot.answerer.text import ENGLISH_STOPWORDS, stem, words
from bot.policy.models import Section

HEADING_WEIGHT = 3   # heading terms count as if written three times


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return stem(word)


def section_terms(section: Section, stopwords: frozenset[str] = ENGLISH_STOPWORDS,
                  word_counts: Counter[str] | None = None) -> list[str]:
    """Indexed terms of a section; `word_counts`, if given, collects its surface words."""
    title, body = words(section.title), words(section.text)
    if word_counts is not None:
        word_counts.update(title)
        word_counts.update(body)
    heading = [_stem(w) for w in title if w not in stopwords]
    return heading * HEADING_WEIGHT + [_stem(w) for w in body if w not in stopwords]


class SectionIndex:
    def __init__(self, sections: Sequence[Section], stopwords: frozenset[str] = ENGLISH_STOPWORDS) -> None:
        self.sections = list(sections)
        self.word_counts: Counter[str] = Counter()   # surface words of the corpus, for spelling
        docs = [section_terms(s, stopwords, self.word_counts) for s in self.sections]
        # BM25Okapi divides by the average length: an all-empty corpus still needs one token.
        self.bm25 = BM25Okapi([d or ["\0"] for d in docs]) if docs else None
        self.term_sets = [frozenset(d) for d in docs]
        idf = self.bm25.idf if self.bm25 is not None else {}
        # An unknown word weighs like the rarest known one: it is evidence the question
        # is about something the corpus does not discuss.
        self.unknown_idf = max(idf.values(), default=1.0)

    def __len__(self) -> int:
        return len(self.sections)

    def idf(self, term: str) -> float | None:
        if self.bm25 is None:
            return None
        return self.bm25.idf.get(term)

    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        total = np.zeros(len(self.sections))
        if self.bm25 is None:
            return total
        for term, weight in weighted_terms.items():
            if term in self.bm25.idf:
                total += weight * self.bm25.get_scores([term])
        return total
