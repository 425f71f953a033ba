"""Baseline protection on any corpus, and the lint that says what it still catches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.checker.engine import Checker
from bot.policy.loader import load_corpus
from tests.support import POLICIES, copy_policies, shared_file
from tests.test_cli_check import steward

LEAKS = [
    ("Ping me at jane.doe@gmail.com about the offsite", "privacy"),
    ("Call Sam on +1 415 555 0134 tonight", "privacy"),
    ("deploy with AKIA2E0A8F3B244C9986 before noon", "security"),
    ("token ghp_8fK2mQ9xLr4TzW1vB7nY3cD6eH0jS5aP2uGq works for the CI", "security"),
]


def _plain_corpus(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "policy.md").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("draft", "category"), LEAKS)
def test_a_markdown_corpus_without_rules_still_blocks_personal_data_and_secrets(draft: str, category: str) -> None:
    checker = Checker(load_corpus(shared_file("corpora", "gitlab")))
    result = checker.check(draft)
    assert result.verdict == "block", draft
    finding = next(f for f in result.findings if f.category == category)
    assert finding.rule.startswith("baseline.")
    # GitLab's policy has a section on data not to share: the finding cites it.
    assert finding.policy.title.startswith("You can protect GitLab by not sharing")


def test_without_a_fitting_section_the_builtin_baseline_section_is_cited(tmp_path: Path) -> None:
    corpus = load_corpus(_plain_corpus(tmp_path, "# Coffee\n\nBe nice at the coffee machine.\n"))
    result = Checker(corpus).check("my github token ghp_8fK2mQ9xLr4TzW1vB7nY3cD6eH0jS5aP2uGq")
    assert result.verdict == "block"
    assert result.findings[0].policy.id == "steward-baseline"
    assert "baseline" in result.findings[0].policy.title.lower()
    assert Checker(corpus).check("Lovely weather for a walk").verdict == "allow"


def test_a_corpus_rule_for_a_detector_replaces_the_baseline_one() -> None:
    result = Checker(load_corpus(POLICIES)).check("Ping me at jane.doe@gmail.com")
    assert [f.rule for f in result.findings] == ["privacy.email"]


def test_a_deliberately_disabled_detector_rule_stays_off(tmp_path: Path) -> None:
    corpus_dir = copy_policies(tmp_path)
    path = corpus_dir / "rules" / "privacy.yaml"
    path.write_text(path.read_text().replace("    detector: email\n", "    detector: email\n    enabled: false\n", 1))
    result = Checker(load_corpus(corpus_dir)).check("Ping me at jane.doe@gmail.com")
    assert result.verdict == "allow"


def test_lint_warns_that_a_corpus_has_no_rules_and_lists_the_baseline() -> None:
    out = steward("policies", "lint", str(shared_file("corpora", "gitlab")))
    assert out.returncode == 0
    assert "warning: the corpus has no rules" in out.stdout
    for detector in ("email:", "phone:", "secret:"):
        assert detector in out.stdout
    strict = steward("policies", "lint", "--strict", str(shared_file("corpora", "gitlab")))
    assert strict.returncode == 1


def test_lint_catches_text_a_yaml_comment_swallowed(tmp_path: Path) -> None:
    corpus_dir = copy_policies(tmp_path)
    path = corpus_dir / "rules" / "disclosure.yaml"
    text = path.read_text()
    path.write_text(text.replace("""fix: 'Add #employee (or "I work at Northwind") to the post.'""",
                                 """fix: Add #employee (or "I work at Northwind") to the post."""))
    assert path.read_text() != text
    out = steward("policies", "lint", str(corpus_dir))
    assert "warning: rules/disclosure.yaml:10: the text '#employee" in out.stdout
    assert "cut to 'Add'" in out.stdout
    clean = steward("policies", "lint", "--strict", str(POLICIES))
    assert clean.returncode == 0 and "warning" not in clean.stdout


def test_a_real_comment_is_not_a_warning(tmp_path: Path) -> None:
    corpus_dir = copy_policies(tmp_path)
    path = corpus_dir / "rules" / "disclosure.yaml"
    path.write_text(path.read_text().replace("severity: review", "severity: review  # checked by legal", 1))
    assert load_corpus(corpus_dir).warnings == ()


def test_the_default_fixes_keep_their_hashtags() -> None:
    fixes = {r.id: r.fix for r in load_corpus(POLICIES).rules}
    assert "#employee" in fixes["disclosure.missing"]
    assert all(not f.rstrip().endswith((" Add", "(")) for f in fixes.values())


def test_baseline_spans_lie_in_the_draft(tmp_path: Path) -> None:
    corpus = load_corpus(_plain_corpus(tmp_path, "# Rules\n\nNo personal data.\n"))
    draft = "x " * 10 + "mail a.b@example.org now"
    (f,) = Checker(corpus).check(draft).findings
    assert draft[f.span[0]:f.span[1]] == "a.b@example.org"
    shutil.rmtree(tmp_path / "plain")
