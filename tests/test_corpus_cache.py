"""The compiled-corpus cache: used when nothing changed, rebuilt when anything did, never in the way."""

from __future__ import annotations

import pickle
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.checker.engine import Checker
from bot.policy import load_corpus
from bot.policy.cache import cache_dir, cached
from tests.support import copy_policies

DRAFTS = ["Sunrise over the lake", "mail jane.doe@gmail.com", "Project Kestrel ships soon",
          "Atlas is the #1 analytics platform #employee", "you are all m0r0ns"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STEWARD_CACHE_DIR", str(folder))
    return folder


class Builds:
    """Counts how often the checker is really built."""

    def __init__(self, root: Path) -> None:
        self.root, self.count = root, 0

    def __call__(self) -> Checker:
        self.count += 1
        return Checker(load_corpus(self.root))

    def get(self) -> Checker:
        return cached("checker", self.root, Checker, self)


def test_second_load_comes_from_the_cache_and_checks_the_same(tmp_path: Path, cache: Path) -> None:
    builds = Builds(copy_policies(tmp_path))
    first, second = builds.get(), builds.get()
    assert builds.count == 1 and len(list(cache.glob("checker-*.pickle"))) == 1
    assert second is not first
    for draft in DRAFTS:
        assert second.check(draft) == first.check(draft)


def test_any_edit_to_the_corpus_builds_afresh(tmp_path: Path, cache: Path) -> None:
    root = copy_policies(tmp_path)
    builds = Builds(root)
    before = builds.get()
    lexicon = root / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace("Kestrel", "Osprey"), encoding="utf-8")
    after = builds.get()
    assert builds.count == 2 and after.corpus.version != before.corpus.version
    assert after.check("Project Osprey ships soon").verdict == "block"


def test_a_new_file_in_the_corpus_builds_afresh(tmp_path: Path, cache: Path) -> None:
    root = copy_policies(tmp_path)
    builds = Builds(root)
    builds.get()
    (root / "extra.md").write_text("# Extra\n\nSomething new.\n", encoding="utf-8")
    assert "extra" in builds.get().corpus.documents and builds.count == 2


def test_a_corrupt_entry_is_rebuilt_and_replaced(tmp_path: Path, cache: Path) -> None:
    builds = Builds(copy_policies(tmp_path))
    builds.get()
    (entry,) = cache.glob("checker-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert builds.get().check("mail jane.doe@gmail.com").verdict == "block"
    assert builds.count == 2
    assert isinstance(pickle.loads(entry.read_bytes()), Checker)


def test_an_entry_of_the_wrong_type_is_not_trusted(tmp_path: Path, cache: Path) -> None:
    builds = Builds(copy_policies(tmp_path))
    builds.get()
    (entry,) = cache.glob("checker-*.pickle")
    entry.write_bytes(pickle.dumps({"not": "a checker"}))
    assert isinstance(builds.get(), Checker) and builds.count == 2


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("STEWARD_CACHE_DIR", str(blocker / "cache"))   # a folder inside a file: cannot exist
    builds = Builds(copy_policies(tmp_path))
    assert builds.get().check("mail jane.doe@gmail.com").verdict == "block"
    assert builds.get() is not None and builds.count == 2


@pytest.mark.parametrize("value", ["off", "OFF", "", "0"])
def test_the_cache_can_be_turned_off(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_CACHE_DIR", value)
    assert cache_dir() is None
    builds = Builds(copy_policies(tmp_path))
    builds.get(), builds.get()
    assert builds.count == 2


def test_without_the_variable_it_is_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch,
                                                             isolated_user_files: Path) -> None:
    monkeypatch.delenv("STEWARD_CACHE_DIR")
    folder = cache_dir()
    assert folder is not None and folder.name == "steward" and folder.is_relative_to(isolated_user_files)


def test_a_corpus_that_does_not_load_is_not_cached(tmp_path: Path, cache: Path) -> None:
    from bot.policy import CorpusError

    root = copy_policies(tmp_path)
    (root / "rules" / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        Builds(root).get()
    assert not list(cache.glob("*.pickle"))


def test_old_entries_are_pruned(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.policy.cache as cache_module

    monkeypatch.setattr(cache_module, "KEEP_PER_KIND", 2)
    for i in range(4):
        root = tmp_path / f"c{i}"
        root.mkdir()
        (root / "policy.md").write_text(f"# Policy {i}\n\nText {i}.\n", encoding="utf-8")
        cached("corpus", root, object, lambda root=root: load_corpus(root))
    assert len(list(cache.glob("corpus-*.pickle"))) == 2


def test_each_pattern_is_parsed_once_and_compiled_only_when_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the checker parses each regex once (for its literals) and compiles none;
    checking compiles only the patterns the prefilter lets run, each once."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    corpus = load_corpus(Path(__file__).resolve().parents[1] / "policies")
    parsed: Counter[str] = Counter()
    compiled: Counter[str] = Counter()
    real_parse, real_compile = _parser.parse, _compiler.compile

    def parse(source: object, *args: object, **kw: object) -> object:
        if isinstance(source, str):
            parsed[source] += 1
        return real_parse(source, *args, **kw)

    def compile_(source: object, *args: object, **kw: object) -> object:
        if isinstance(source, str):
            compiled[source] += 1
        return real_compile(source, *args, **kw)

    monkeypatch.setattr(_parser, "parse", parse)
    monkeypatch.setattr(_compiler, "compile", compile_)
    re.purge()
    checker = Checker(corpus)
    patterns = _corpus_patterns(checker)
    assert len(patterns) > 100
    assert sum(parsed.values()) == len(patterns)       # one parse per pattern, for its literals
    assert not compiled                                # and nothing compiled yet
    distinct = {p.pattern for p in patterns}
    for draft in DRAFTS * 3:
        checker.check(draft)
    ran = [s for s in distinct if compiled[s]]
    assert ran and len(ran) < len(distinct) / 2      # most patterns never had to run
    assert max(compiled[s] for s in ran) == 1


def _corpus_patterns(checker: Checker) -> list:  # type: ignore[type-arg]
    from bot.checker.patterns import LazyPattern

    out: list[LazyPattern] = []
    sets = [*checker._contexts.values(), *(c.patterns for c in checker._rules if c.patterns is not None)]
    for ps in sets:
        out += [rx for _, rx, _, _ in ps.guarded.values()] + [rx for rx, _ in ps.unguarded]
    return out
