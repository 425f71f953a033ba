"""CPU-bound work (check, ask) off the event loop, in a pool of worker processes.

A thread pool does not help here: the checker and the answerer are pure Python, so
they hold the GIL and the event loop stalls just the same (measured in
benchmarks/bench_loop_lag.py). Each worker process compiles the checker and builds
the answer index once, at start (`_init`), from the pickled corpus, so a question
never pays for the index and a check never pays for compiling the rules.

`Workers(corpus, 0)` runs everything inline (tests, the terminal chat, the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from bot.checker.engine import Checker
from bot.checker.result import CheckResult, Suppression
from bot.policy.models import Corpus

if TYPE_CHECKING:
    from bot.answerer.answer import Answer
    from bot.answerer.answerer import Answerer

_checker: Checker | None = None
_answerer: Answerer | None = None


def _init(corpus: Corpus, with_answerer: bool) -> None:
    global _checker, _answerer
    # Lower priority than the event loop's process: when cores are scarce, the loop (acks,
    # heartbeats, votes) runs first and a check waits a little longer instead.
    with contextlib.suppress(OSError):
        os.nice(10)
    _checker = Checker(corpus)
    if with_answerer:
        from bot.answerer.answerer import Answerer

        _answerer = Answerer(corpus)
        _answerer.warm()          # the embedding model and the corpus vectors, before the first question


def _check(text: str, suppressions: tuple[Suppression, ...]) -> CheckResult:
    assert _checker is not None, "worker not initialised"
    return _checker.check(text, suppressions)


def _ask(question: str) -> Answer:
    assert _answerer is not None, "worker not initialised"
    return _answerer.ask(question)


def default_size() -> int:
    """One worker per core the process may use but one, which the event loop keeps."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


class Workers:
    def __init__(self, corpus: Corpus, size: int, *, with_answerer: bool = True) -> None:
        self.corpus = corpus
        self.size = size
        # Built on first use: a command that never checks a draft (show, pending) never trains a model.
        self._inline_checker: Checker | None = None
        self._inline_answerer: Answerer | None = None
        self._pool: ProcessPoolExecutor | None = None
        if size > 0:
            # forkserver: a clean process per worker, never a fork of a running event loop's threads.
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(max_workers=size, mp_context=ctx, initializer=_init,
                                             initargs=(corpus, with_answerer))

    @property
    def inline(self) -> bool:
        return self._pool is None

    async def check(self, text: str, suppressions: Sequence[Suppression] = ()) -> CheckResult:
        if self._pool is None:
            return self.checker.check(text, tuple(suppressions))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _check, text, tuple(suppressions))

    async def ask(self, question: str) -> Answer:
        if self._pool is None:
            return self.answerer.ask(question)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _ask, question)

    @property
    def checker(self) -> Checker:
        """The in-process checker (inline mode, and the CLI's synchronous `check`)."""
        if self._inline_checker is None:
            self._inline_checker = Checker(self.corpus)
        return self._inline_checker

    @property
    def answerer(self) -> Answerer:
        """The in-process answerer (inline mode), built on first use."""
        if self._inline_answerer is None:
            from bot.answerer.answerer import Answerer

            self._inline_answerer = Answerer(self.corpus)
        return self._inline_answerer

    async def warm(self) -> None:
        """Start every worker now (each builds its checker and index) instead of on the first request."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            await loop.run_in_executor(None, lambda: self.checker)   # inline: built off the event loop
        else:
            await asyncio.gather(*(loop.run_in_executor(self._pool, _check, "warm up", ())
                                   for _ in range(self.size)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __reduce__(self) -> Any:   # never shipped to a worker
        raise TypeError("Workers cannot be pickled")
