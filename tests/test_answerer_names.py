"""The corpus's own name (bot/answerer/names.py) and what it may not do to the "not covered" decision.

A policy mentions its organisation in nearly every section; a question that mentions it
too is not, for that alone, a question about the policy.
"""

from __future__ import annotations

import pytest

from bot.answerer import Answerer
from bot.answerer.names import corpus_names, without_names
from bot.policy import load_corpus
from bot.policy.models import Section
from tests.support import POLICIES, SHARED


def section(sid: str, title: str, text: str) -> Section:
    return Section(id=sid, doc_id="acme", doc_title="Acme", title=title, level=2, category="general",
                   text=text, path="acme.md", line=1)


ACME = [
    section("intro", "Introduction", "This policy applies to everyone who works at Acme. If in doubt, ask."),
    section("accounts", "Accounts", "Only the comms team runs the official Acme accounts. Never mimic them."),
    section("press", "Press", "Journalists who contact you about Acme go to the comms team."),
    section("logo", "Logo", "Do not use the Acme logo on a personal profile. The brand team decides."),
]


def test_the_most_mentioned_proper_noun_is_the_name() -> None:
    assert corpus_names(ACME) == {"acme"}


def test_words_that_only_start_sentences_or_list_items_are_not_names() -> None:
    sections = [section(f"s{i}", f"Rule {i}", "Never post secrets.\n- Always ask first.\n- Never guess. "
                        "Only ask the team.") for i in range(4)]
    assert corpus_names(sections) == frozenset()


def test_platforms_the_vocabulary_lists_are_not_the_organisation() -> None:
    sections = [section(f"s{i}", f"Rule {i}", f"Post on LinkedIn, then on LinkedIn again, as Acme {i} does on LinkedIn.")
                for i in range(4)]
    assert corpus_names(sections, exclude=["linkedin"]) == {"acme"}


def test_without_names_replaces_the_name_and_its_possessive_whatever_the_case() -> None:
    assert without_names("Can I use ACME's logo on my acme profile?", frozenset({"acme"})) == \
        "Can I use our organisation logo on my our organisation profile?"
    assert without_names("Can I use the logo?", frozenset()) == "Can I use the logo?"


def test_the_bundled_corpus_knows_its_own_name() -> None:
    assert Answerer(load_corpus(POLICIES), semantic=False).names == {"northwind"}


@pytest.mark.parametrize(("name", "question"), [
    # The organisation's name plus another topic: the name alone used to carry them past the bar.
    ("matplotlib", "how do I cite matplotlib in my research paper"),
    ("matplotlib", "what's the release date of the next matplotlib version"),
    ("matplotlib", "conda install matplotlib fails on my laptop, help"),
    ("gitlab", "how many PTO days do gitlab team members get"),
    ("gitlab", "how do I set up two factor auth on my gitlab.com account"),
    ("gitlab", "how do i register a gitlab ci runner"),
])
def test_on_a_foreign_corpus_naming_the_organisation_does_not_make_a_question_covered(
        name: str, question: str) -> None:
    corpus_dir = SHARED / "corpora" / name
    if not corpus_dir.exists():
        pytest.skip("shared/corpora is not beside the repository")
    answerer = Answerer(load_corpus(corpus_dir))
    assert answerer.names == {name}
    answer = answerer.ask(question)
    assert not answer.answered and answer.reason == "not_covered", answer.citations


@pytest.mark.parametrize(("name", "question", "heading"), [
    ("matplotlib", "what tone should the matplotlib account use, casual or formal?", {"Persona", "Social media"}),
    ("matplotlib", "where is the official matplotlib forum", {"Official communication channels"}),
    ("gitlab", "can I use the gitlab logo as my profile picture on twitter",
     {"Mimicking the GitLab brand", "Unauthorized GitLab brand social media accounts"}),
])
def test_on_a_foreign_corpus_a_policy_question_that_names_the_organisation_is_still_answered(
        name: str, question: str, heading: set[str]) -> None:
    corpus_dir = SHARED / "corpora" / name
    if not corpus_dir.exists():
        pytest.skip("shared/corpora is not beside the repository")
    answer = Answerer(load_corpus(corpus_dir)).ask(question)
    assert answer.answered
    assert heading & {c.title for c in answer.citations[:3]}
