"""Disputes and approvers' flags become candidate examples the CoE accepts into the corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.checker.engine import Checker
from bot.checker.learned import candidates
from bot.policy.loader import load_corpus
from tests.support import FIXTURES

LEARNED = FIXTURES / "corpora" / "learned"


def test_a_false_positive_becomes_a_candidate_with_the_verdict_left(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    c = candidates.overturned("Atlas is the #1 choice for our hackathon team", "claims.superlative",
                              remaining=[], reason="internal hackathon, no product claim",
                              decided_by="maria@x.com", ref="dispute-7")
    assert c.verdict == "allow" and c.categories == () and "claims.superlative" in c.note
    assert candidates.add(path, c)
    assert not candidates.add(path, c), "the same draft is added once"
    partly = candidates.overturned("x", "claims.superlative", remaining=[("privacy", "block"), ("claims", "allow")])
    assert partly.verdict == "block" and partly.categories == ("privacy",)
    (back,) = candidates.read(path)
    assert back == c


def test_a_missed_draft_needs_a_verdict_and_categories() -> None:
    with pytest.raises(ValueError):
        candidates.missed("fine", "allow", ["privacy"])
    with pytest.raises(ValueError):
        candidates.missed("x", "review", [])
    assert candidates.missed("x", "review", ["political"]).source == "missed"


def test_accepted_candidates_are_learned_from_on_the_next_load(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "c"
    shutil.copytree(LEARNED, corpus_dir)
    before = load_corpus(corpus_dir)
    text = "Sharing my grandma's famous lasagna recipe with the team"
    fp = candidates.overturned(text, "learned.political", [], decided_by="coe@x.com")
    flagged = candidates.missed("Knock doors with me for Councillor Avery this Saturday", "review", ["political"])
    pending = corpus_dir / candidates.CANDIDATES_FILE
    assert candidates.add(pending, fp, [e.id for e in before.examples])
    assert candidates.add(pending, flagged)
    assert load_corpus(corpus_dir).version == before.version, "candidates are not policy until accepted"
    accepted = candidates.accept(corpus_dir, [fp.id])
    assert [e.text for e in accepted] == [text]
    assert [c.id for c in candidates.read(pending)] == [flagged.id]
    after = load_corpus(corpus_dir)
    assert after.version != before.version and any(e.text == text for e in after.examples)
    assert Checker(after).check(text).verdict == "allow"
    with pytest.raises(KeyError):
        candidates.accept(corpus_dir, ["cand-nope"])
