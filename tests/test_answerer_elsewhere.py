"""Everyday workplace questions that share words with the policy (bot/answerer/elsewhere.yaml).

"What's the password policy for our laptops" shares "password" and "policy" with a social
media policy and sits close to its security section in meaning, but it is not about speaking
in public. Its nearest neighbour among generic workplace questions is much closer than the
policy is, so it is not covered; the same word in a question about posting still is.
"""

from __future__ import annotations

import pytest

from bot.answerer import Answerer
from bot.answerer.answerer import reference_questions
from bot.policy import load_corpus
from tests.support import POLICIES, SHARED


@pytest.fixture(scope="module")
def northwind() -> Answerer:
    return Answerer(load_corpus(POLICIES)).warm()


def test_the_reference_questions_load() -> None:
    elsewhere, posting = reference_questions()
    assert len(elsewhere) >= 30 and len(posting) >= 10
    assert all(q.strip() and q == q.strip() for q in (*elsewhere, *posting))


# Phrasings in no labelled set, for topics adjacent to the policy's own words.
@pytest.mark.parametrize("question", [
    "what's the minimum length for the password on my work laptop",
    "my access badge won't let me into the warehouse anymore, who sorts that out",
    "how do I get a licence for a design tool for my team",
    "how long are customer support logs stored before they're deleted",
    "who do I ask to get my cracked laptop screen repaired",
])
def test_a_workplace_question_that_shares_words_with_the_policy_is_not_covered(
        northwind: Answerer, question: str) -> None:
    answer = northwind.ask(question)
    assert not answer.answered and answer.reason == "not_covered", answer.citations


@pytest.mark.parametrize(("question", "category"), [
    ("can i post a photo of my new badge on linkedin", "security"),
    ("is it ok to share a screenshot of my laptop screen on twitter", "confidential"),
    ("can I tweet that a big customer signed with us", "confidential"),
    ("can I post about our employee discount on instagram", None),
])
def test_the_same_words_in_a_question_about_posting_are_still_answered(
        northwind: Answerer, question: str, category: str | None) -> None:
    answer = northwind.ask(question)
    assert answer.answered, answer.confidence
    if category:
        assert category in {c.category for c in answer.citations[:3]}


def test_the_margin_is_what_separates_them(northwind: Answerer) -> None:
    query = northwind.analyzer.analyze("how do I reset the password on my work laptop")
    closeness = northwind._closeness(query.semantic_text())
    assert closeness is not None and closeness.vector is not None
    closest = float(closeness.sections.max())
    assert northwind.elsewhere_margin(closeness.vector, closest) > 0.15
    query = northwind.analyzer.analyze("can I post a photo of my work laptop on instagram")
    closeness = northwind._closeness(query.semantic_text())
    assert closeness is not None
    assert northwind.elsewhere_margin(closeness.vector, float(closeness.sections.max())) < 0.1


def test_without_the_model_there_is_no_margin() -> None:
    keyword = Answerer(load_corpus(POLICIES), semantic=False).warm()
    assert keyword._elsewhere is None and keyword.elsewhere_margin(None, 0.5) == 0.0


@pytest.mark.parametrize(("name", "question"), [
    ("gitlab", "how do I add a passkey to log in to my gitlab account"),
    ("gitlab", "how much does the marketing team spend on linkedin ads each quarter"),
    ("matplotlib", "does the newest matplotlib release still run on python 3.9"),
])
def test_on_a_foreign_corpus_too(name: str, question: str) -> None:
    corpus_dir = SHARED / "corpora" / name
    if not corpus_dir.exists():
        pytest.skip("shared/corpora is not beside the repository")
    answer = Answerer(load_corpus(corpus_dir)).ask(question)
    assert not answer.answered, answer.citations
