"""Helpers shared by the CLI commands: corpus loading, input reading, clean failures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from bot.cli.app import EXIT_CORPUS, EXIT_USAGE
from bot.policy import Corpus, CorpusError
from bot.settings import CoreSettings

if TYPE_CHECKING:
    from bot.checker.engine import Checker


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"steward: {message}", err=True)
    raise typer.Exit(code)


def corpus_or_exit(corpus_dir: Path | None, *, cached: bool = False) -> Corpus:
    """The corpus, or exit 65 naming every problem. `cached`: from the on-disk cache when unchanged
    (commands that only read it); `policies lint` always validates afresh."""
    from bot.policy.cache import cached as from_cache

    path = CoreSettings().corpus_dir(corpus_dir)
    try:
        if cached:
            return from_cache("corpus", path, Corpus, lambda: _load(path))
        return _load(path)
    except CorpusError as exc:
        fail(str(exc), EXIT_CORPUS)


def checker_or_exit(corpus_dir: Path | None) -> Checker:
    """The corpus's compiled checker, from the on-disk cache when the corpus is unchanged."""
    from bot.checker.engine import Checker
    from bot.policy.cache import cached

    path = CoreSettings().corpus_dir(corpus_dir)
    try:
        return cached("checker", path, Checker, lambda: Checker(_load(path)))
    except CorpusError as exc:
        fail(str(exc), EXIT_CORPUS)


def _load(path: Path) -> Corpus:
    from bot.policy import load_corpus  # the loader (YAML, Markdown) is not needed on a cache hit

    return load_corpus(path)


class InputError(ValueError):
    """Input we refuse to check, with a message for the person who sent it."""


def decode_draft(raw: bytes, max_chars: int, source: str = "input", noun: str = "draft") -> str:
    if b"\x00" in raw:
        raise InputError(f"{source} looks like binary data (it contains NUL bytes); give the {noun} as text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset "
                         f"{exc.start}); save it as UTF-8 and try again") from None
    return validate_draft(text, max_chars, source, noun)


def validate_draft(text: str, max_chars: int, source: str = "input", noun: str = "draft") -> str:
    if not text.strip():
        raise InputError(f"{source} is empty: there is no {noun} to " + ("check" if noun == "draft" else "answer"))
    if len(text) > max_chars:
        raise InputError(f"{source} is {len(text):,} characters; Steward reads {noun}s of up to "
                         f"{max_chars:,} characters (STEWARD_MAX_DRAFT_CHARS)")
    return text


def read_input(text: str | None, file: Path | None, max_chars: int, noun: str = "draft") -> str:
    """TEXT, '-' for standard input, or --file F."""
    if file is not None and text is not None:
        raise InputError("give either TEXT or --file, not both")
    if file is not None:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        return decode_draft(raw, max_chars, str(file), noun)
    if text is None:
        what = "nothing to check: give TEXT" if noun == "draft" else f"no {noun}: give it"
        raise InputError(f"{what}, '-' for standard input" + (", or --file F" if noun == "draft" else ""))
    if text == "-":
        return decode_draft(sys.stdin.buffer.read(), max_chars, "standard input", noun)
    return validate_draft(text, max_chars, noun=noun)
