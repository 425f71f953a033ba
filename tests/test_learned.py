"""The learned layer: examples as policy data, a model that may only raise a verdict, its cache."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.checker.engine import Checker
from bot.checker.learned import layer as learned_layer
from bot.policy.errors import CorpusError
from bot.policy.loader import load_corpus
from bot.policy.models import SEVERITY_RANK
from tests.support import FIXTURES, POLICIES, shared_file

LEARNED = FIXTURES / "corpora" / "learned"


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(load_corpus(LEARNED))


def test_examples_load_and_are_part_of_the_corpus_version(tmp_path: Path) -> None:
    corpus = load_corpus(LEARNED)
    assert len(corpus.examples) == 78
    assert {e.verdict for e in corpus.examples} == {"allow", "review"}
    copy = tmp_path / "c"
    shutil.copytree(LEARNED, copy)
    with (copy / "examples" / "drafts.jsonl").open("a") as f:
        f.write(json.dumps({"id": "new-1", "text": "Vote Tom Okafor!", "verdict": "review",
                            "categories": ["political"]}) + "\n")
    assert load_corpus(copy).version != corpus.version


def test_a_bad_example_line_names_its_file_line_and_fix(tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(LEARNED, copy)
    (copy / "examples" / "more.jsonl").write_text("\n".join([
        '{"id": "a", "text": "fine", "verdict": "allow"}',
        '{"id": "b", "text": "x", "verdict": "maybe"}',
        '{"id": "c", "text": "x", "verdict": "review"}',
        '{"id": "d", "text": "x", "verdict": "block", "categories": ["politcal"]}',
        '{"id": "a", "text": "again", "verdict": "allow"}',
        'not json',
        '{"id": "e", "text": "x", "verdict": "allow", "colour": "red"}',
    ]) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_corpus(copy)
    text = {(p.line, p.message): p.hint for p in err.value.problems if p.path == "examples/more.jsonl"}
    lines = sorted(line for line, _ in text)
    assert lines == [2, 4, 5, 6, 7]
    messages = " | ".join(m for _, m in text)
    assert "verdict" in messages
    assert "unknown category 'politcal'" in messages and "did you mean 'political'" in " ".join(text.values())
    assert "used twice (first at examples/more.jsonl:1)" in messages
    assert "not JSON" in messages and "colour" in messages


def test_a_flagged_example_without_categories_loads_with_a_warning(tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(LEARNED, copy)
    (copy / "examples" / "more.jsonl").write_text('{"id": "c", "text": "x", "verdict": "review"}\n')
    corpus = load_corpus(copy)
    assert [(w.path, w.line) for w in corpus.warnings] == [("examples/more.jsonl", 1)]
    assert "names no categories" in corpus.warnings[0].message


def test_it_raises_a_paraphrase_no_rule_covers_and_explains_itself(checker: Checker) -> None:
    assert checker.corpus.rules == []
    result = checker.check("Everyone please vote for Dana Reyes for mayor next Tuesday")
    assert result.verdict == "review"
    (finding,) = result.findings
    assert finding.rule == "learned.political" and finding.category == "political"
    assert finding.policy.section == "political-activity"
    assert "Learned judgement" in finding.message and "Most similar example (pol-" in finding.message
    evidence = finding.to_json()["learned"]
    assert evidence["example"]["verdict"] == "review" and 0 < evidence["example"]["similarity"] <= 1
    assert checker.learned is not None and evidence["score"] >= checker.learned.thresholds.review


@pytest.mark.parametrize("text", [
    "Lunch and learn on Kubernetes today, bring your questions",
    "Went hiking with my family on Sunday, the views were unreal",
    "Our new office plants are thriving",
])
def test_everyday_posts_stay_allowed(checker: Checker, text: str) -> None:
    assert checker.check(text).verdict == "allow"


def test_thresholds_come_from_cross_validation_on_the_examples(checker: Checker) -> None:
    assert checker.learned is not None
    t = checker.learned.thresholds
    assert 0 < t.review < 1 and t.accuracy > t.rules_accuracy and t.benign_raised <= 0.02


def test_it_never_lowers_a_rule_verdict(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "policies"
    shutil.copytree(POLICIES, corpus_dir)
    shutil.rmtree(corpus_dir / "examples")      # the default rules with the small fixture set: quick to train
    shutil.copytree(LEARNED / "examples", corpus_dir / "examples")
    with_layer = Checker(load_corpus(corpus_dir))
    rules_dir = tmp_path / "rules-only"
    shutil.copytree(POLICIES, rules_dir, ignore=shutil.ignore_patterns("examples"))
    rules_only = Checker(load_corpus(rules_dir))
    assert rules_only.learned is None
    assert with_layer.learned is not None and with_layer.learned.active
    drafts = [json.loads(line)["text"] for line in
              shared_file("eval", "drafts-dev.jsonl").read_text().splitlines() if line.strip()]
    drafts += [e.text for e in load_corpus(LEARNED).examples]
    raised = 0
    for text in drafts:
        a, b = with_layer.check(text), rules_only.check(text)
        assert SEVERITY_RANK[a.verdict] >= SEVERITY_RANK[b.verdict], text
        rule_findings = [f for f in a.findings if not f.rule.startswith("learned.")]
        assert [f.rule for f in rule_findings] == [f.rule for f in b.findings]
        if a.verdict != b.verdict:
            raised += 1
            assert any(f.rule.startswith("learned.") for f in a.findings)
    assert raised > 0


def test_the_model_is_cached_by_corpus_version(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = load_corpus(LEARNED)
    Checker(corpus)
    cached = Path(os.environ["STEWARD_CACHE_DIR"]) / f"learned-{corpus.version}-f{learned_layer.FORMAT}.npz"
    assert cached.is_file()
    learned_layer._memo.clear()

    def no_training(*_: object) -> None:
        raise AssertionError("trained again although the cache holds this corpus version")

    monkeypatch.setattr(learned_layer, "_train", no_training)
    again = Checker(corpus)
    assert again.check("Vote for Dana Reyes for mayor").verdict == "review"


def test_a_damaged_cache_file_is_trained_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_CACHE_DIR", str(tmp_path))
    corpus = load_corpus(LEARNED)
    (tmp_path / f"learned-{corpus.version}-f{learned_layer.FORMAT}.npz").write_bytes(b"not a model")
    learned_layer._memo.clear()
    assert Checker(corpus).check("Vote for Dana Reyes for mayor").verdict == "review"


def test_too_few_examples_means_no_layer(tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(LEARNED, copy)
    lines = (copy / "examples" / "drafts.jsonl").read_text().splitlines()[:10]
    (copy / "examples" / "drafts.jsonl").write_text("\n".join(lines) + "\n")
    assert Checker(load_corpus(copy)).learned is None


def test_lint_reports_what_the_layer_learned() -> None:
    from tests.test_cli_check import steward

    out = steward("policies", "lint", str(LEARNED))
    assert out.returncode == 0
    assert "78 examples" in out.stdout
    assert "learned layer: on — 78 examples, 1 category; raises to review at" in out.stdout


def test_block_thresholds_are_per_category_and_precision_targeted() -> None:
    """Two usually-blocked categories: the model's block score is trustworthy for one, not the other."""
    from bot.checker.learned import calibrate

    # 40 benign drafts scoring low, 20 reviews the flag head catches; category 0: 10 blocks
    # and no reviews above 0.6; category 1: 10 blocks mixed with 10 reviews at the same score.
    flag = np.array([0.1] * 40 + [0.95] * 20 + [0.95] * 10 + [0.95] * 10 + [0.95] * 10)
    block = np.array([0.05] * 40 + [0.2] * 20 + [0.8] * 10 + [0.8] * 10 + [0.8] * 10)
    category = np.array([0] * 40 + [0] * 20 + [0] * 10 + [1] * 10 + [1] * 10)
    gold = ["allow"] * 40 + ["review"] * 20 + ["block"] * 10 + ["block"] * 10 + ["review"] * 10
    t = calibrate.choose(flag, block, category, ("a", "b"), np.array([True, True]), ["allow"] * 90, gold)
    assert t.review < 0.95 and t.benign_raised == 0
    assert set(t.block) == {"a"} and t.block["a"] <= 0.8 and t.block_precision["a"] == 1.0
    assert t.block_recall == 0.5 and t.rules_block_recall == 0.0 and t.accuracy > t.rules_accuracy


def test_a_head_that_would_flag_benign_drafts_stays_off() -> None:
    from bot.checker.learned import calibrate

    flag = np.array([0.9] * 50 + [0.9] * 50)         # the model cannot tell them apart
    t = calibrate.choose(flag, flag, np.zeros(100, dtype=int), ("a",), np.array([True]), ["allow"] * 100,
                         ["allow"] * 50 + ["block"] * 50)
    assert t.review == calibrate.OFF and t.block == {} and t.accuracy == t.rules_accuracy


def test_repeating_a_benign_phrase_adds_no_evidence(checker: Checker) -> None:
    """Features are counted once per draft: fifty copies of an everyday post are still an everyday post."""
    text = "Went hiking with my family on Sunday, the views were unreal. "
    assert checker.learned is not None
    once = checker.learned.judge(text.casefold(), "allow")
    assert once is None and checker.check(text * 50).verdict == "allow"


def test_the_model_never_makes_a_block_of_a_category_the_rules_settled() -> None:
    """A rule that judged a category at review (or `settles` it) has read context the model
    cannot; the model may still flag the draft, but it does not block it for that category."""
    from bot.checker.normalize import normalize

    corpus = load_corpus(POLICIES)
    layer = Checker(corpus).learned
    assert layer is not None
    blocked = [(folded, j) for e in corpus.examples if e.verdict == "block"
               for folded in [normalize(e.text).folded]
               for j in [layer.judge(folded, "allow")] if j is not None and j.severity == "block"]
    assert len(blocked) >= 10, "the default examples should give the model drafts it blocks"
    for folded, judgement in blocked[:25]:
        settled = layer.judge(folded, "allow", frozenset({judgement.category}))
        assert settled is None or settled.severity != "block"
        assert layer.judge(folded, "allow", frozenset({"nothing-settled"})) == judgement


def test_protected_talk_about_working_conditions_settles_conduct_in_the_default_corpus() -> None:
    rules = {r.id: r for r in load_corpus(POLICIES).rules}
    assert "conduct" in rules["general.protected_speech"].settles


def test_with_the_cache_off_the_model_is_trained_in_memory_and_written_nowhere(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_CACHE_DIR", "off")
    learned_layer._memo.clear()
    assert Checker(load_corpus(LEARNED)).learned is not None
    assert list(tmp_path.iterdir()) == []      # no folder called 'off' in the working directory
