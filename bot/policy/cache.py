"""An on-disk cache of what Steward builds from a corpus folder, keyed by its content.

Reading, validating and compiling a corpus takes a tenth of a second or more, which a
one-off `steward check` (a pre-commit hook, a CI step) would pay on every call. So the
built object (the loaded `Corpus`, or a compiled `Checker` with its prefilter automaton)
is pickled under a key made of the bytes of every file in the corpus folder and of
Steward's own code: an edit to either builds afresh, and a stale entry is never used.

The folder is STEWARD_CACHE_DIR, else the platform's user cache folder
(`~/.cache/steward` on Linux, via platformdirs); `STEWARD_CACHE_DIR=off` turns the
cache off. The cache is a speed-up only: an unreadable, unwritable or corrupt entry
is ignored and rebuilt, never an error. Pickles run code when loaded, so only the
user's own cache folder is read, created private to them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

OFF = frozenset({"off", "none", "0", "false", "no"})
FORMAT = 1            # bump when the cache's own layout changes
KEEP_PER_KIND = 16    # older entries of a kind are removed when a new one is written
_BOT = Path(__file__).resolve().parent.parent   # the `bot` package: its code is part of the key


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is off."""
    value = os.environ.get("STEWARD_CACHE_DIR")
    if value is not None:
        value = value.strip()
        return None if not value or value.lower() in OFF else Path(value).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("steward", appauthor=False))


def _code_fingerprint() -> bytes:
    """Name, size and modification time of every module of Steward's core (a stat each, no reads)."""
    digest = hashlib.sha256(f"{FORMAT}:{sys.version}:{pickle.HIGHEST_PROTOCOL}".encode())
    for folder, dirs, names in os.walk(_BOT):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for name in sorted(n for n in names if n.endswith(".py")):
            path = os.path.join(folder, name)
            st = os.stat(path)
            digest.update(f"{os.path.relpath(path, _BOT)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.digest()


def corpus_key(root: Path) -> str:
    """A hash of every (non-hidden) file in the corpus folder, their paths, and Steward's code."""
    digest = hashlib.sha256(_code_fingerprint())
    digest.update(str(root.resolve()).encode("utf-8", "surrogateescape") + b"\0")
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".")):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                raw = handle.read()
            rel = os.path.relpath(path, root).encode("utf-8", "surrogateescape")
            digest.update(rel + b"\0" + str(len(raw)).encode() + b"\0" + raw)
    return digest.hexdigest()[:32]


def cached(kind: str, root: Path, expected: type[T], build: Callable[[], T]) -> T:
    """`build()`'s result for this corpus folder, from the cache when its content is unchanged.

    Exceptions from `build` (a corpus that does not load) propagate and nothing is stored.
    """
    folder = cache_dir()
    if folder is None or not root.is_dir():
        return build()
    try:
        entry = folder / f"{kind}-{corpus_key(root)}.pickle"
    except OSError:
        return build()
    found = _read(entry, expected)
    if found is not None:
        return found
    value = build()
    _write(folder, kind, entry, value)
    return value


def _read(entry: Path, expected: type[T]) -> T | None:
    try:
        with entry.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # missing, truncated, or written by other code: rebuild
        return None
    if not isinstance(value, expected):
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)   # recently used entries survive pruning
    return value


def write_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` so that a reader (another process, another replica) sees the old
    file or the new one, never half of one. False when it cannot be written."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def _write(folder: Path, kind: str, entry: Path, value: object) -> None:
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something in the object cannot be pickled: run uncached
        return
    if write_atomically(entry, data):
        with contextlib.suppress(OSError):
            _prune(folder, kind)


def _prune(folder: Path, kind: str) -> None:
    entries = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_PER_KIND:]:
        old.unlink(missing_ok=True)
