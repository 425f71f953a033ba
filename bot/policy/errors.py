"""Problems found while loading a corpus, each naming its file, line and fix.

A loader collects every problem it can find and raises one `CorpusError`
carrying all of them, so a policy author fixes a broken corpus in one pass
instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a corpus file.

    `path` is relative to the corpus root (posix separators) when the file is
    inside it; `line` is 1-based, or None when no line applies (a missing file,
    a whole-corpus problem).
    """

    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.message}"
        return f"{text} — fix: {self.hint}" if self.hint else text


class CorpusError(Exception):
    """The corpus does not load. `problems` lists everything found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.path, p.line if p.line is not None else 0))
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        head = "the policy corpus does not load: 1 problem" if count == 1 else (
            f"the policy corpus does not load: {count} problems")
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def __str__(self) -> str:
        return self._summary()
