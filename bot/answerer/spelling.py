"""Cheap typo correction: one edit (insert, delete, substitute, swap) against the corpus's words.

A symmetric-delete index (the SymSpell idea, edit distance 1) makes each lookup a
handful of dictionary probes instead of a scan of the vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (adjacent swap counts as one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


class SpellingCorrector:
    """Maps an unknown word to the most frequent known word one edit away, if any."""

    MIN_LENGTH = 4  # short words have too many neighbours to guess safely

    def __init__(self, known_words: Iterable[str] | Counter[str]) -> None:
        counts = known_words if isinstance(known_words, Counter) else Counter(known_words)
        self.frequency: Counter[str] = Counter({w: n for w, n in counts.items() if w.isalpha()})
        self._by_delete: dict[str, list[str]] = {}
        for word in self.frequency:
            if len(word) >= self.MIN_LENGTH - 1:
                for key in _deletes(word) | {word}:
                    self._by_delete.setdefault(key, []).append(word)

    def __contains__(self, word: str) -> bool:
        return word in self.frequency

    def correct(self, word: str) -> str | None:
        """The known word one edit from `word`, or None when there is none (or it is known)."""
        if word in self.frequency or len(word) < self.MIN_LENGTH or not word.isalpha():
            return None
        candidates: set[str] = set()
        for key in _deletes(word) | {word}:
            candidates.update(self._by_delete.get(key, ()))
        best = [c for c in candidates if _within_one_edit(word, c)]
        if not best:
            return None
        return max(best, key=lambda c: (self.frequency[c], c))
