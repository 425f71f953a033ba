"""Related words (bot/answerer/related.yaml): a question in the asker's words meets a policy written in
others ("giveaway" -> sweepstakes, "coworker" -> team member), without making other topics covered."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.answerer import Answerer
from bot.answerer.answerer import related_words
from bot.answerer.query import EXPANSION_WEIGHT, RELATED_WEIGHT, QueryAnalyzer
from bot.answerer.text import stem, words
from bot.policy import load_corpus
from bot.policy.models import Section, Vocabulary
from tests.support import SHARED

GROUPS = (("giveaway", "contest", "sweepstakes", "raffle"), ("coworker", "colleague", "team member"),
          ("mock", "make fun of", "ridicule"))


def analyzer(corpus: str) -> QueryAnalyzer:
    return QueryAnalyzer(Counter(words(corpus)), Vocabulary(), GROUPS)


def terms_of(analyzer: QueryAnalyzer, question: str, word: str) -> dict[str, float]:
    concept = next(c for c in analyzer.analyze(question).concepts if c.word == word)
    return concept.terms


def test_a_word_brings_the_members_of_its_group_the_corpus_uses_at_a_reduced_weight() -> None:
    terms = terms_of(analyzer("Contests and sweepstakes need legal review."), "can i run a giveaway", "giveaway")
    assert terms[stem("giveaway")] == 1.0
    assert terms[stem("sweepstakes")] == terms[stem("contest")] == RELATED_WEIGHT < EXPANSION_WEIGHT
    assert stem("raffle") not in terms   # the corpus never says it: nothing to find


def test_a_phrase_member_is_added_only_when_the_corpus_uses_all_its_words() -> None:
    assert {stem("team"), stem("member")} <= terms_of(analyzer("Connect with team members kindly."),
                                                      "can i follow a coworker", "coworker").keys()
    assert stem("member") not in terms_of(analyzer("Connect with your team kindly."),
                                          "can i follow a coworker", "coworker")


def test_a_phrase_that_shrinks_to_one_word_does_not_stand_for_its_group() -> None:
    # "make fun of" without its stopwords is "fun": a fun post is not a mocking one.
    assert stem("ridicule") not in terms_of(analyzer("Never ridicule anyone. Have fun."), "a fun post", "fun")


def test_a_guessed_spelling_is_not_expanded_further() -> None:
    query = analyzer("Contests and sweepstakes need legal review.").analyze("can i run a giveawy")
    assert all(stem("sweepstakes") not in c.terms for c in query.concepts)


def test_the_shipped_groups_load_and_are_lower_case() -> None:
    groups = related_words()
    assert len(groups) >= 20
    for group in groups:
        assert len(group) >= 2 and all(member == member.lower().strip() for member in group), group


def test_without_groups_the_analyzer_behaves_as_before() -> None:
    plain = QueryAnalyzer(Counter(words("Contests and sweepstakes need legal review.")), Vocabulary())
    assert terms_of(plain, "can i run a giveaway", "giveaway") == {stem("giveaway"): 1.0}


def section(sid: str, title: str, text: str) -> Section:
    return Section(id=sid, doc_id="acme", doc_title="Acme", title=title, level=2, category=sid,
                   text=text, path="acme.md", line=1)


def test_keywords_alone_find_the_section_the_policy_words_differently() -> None:
    sections = [
        section("contests", "Contests", "Sweepstakes run on your profile follow the brand's legal rules."),
        section("press", "Press", "Refer every press inquiry to the communications team."),
        section("conduct", "Conduct", "Be kind to everyone you meet on social media."),
    ]
    answerer = Answerer.from_sections(sections, semantic=False)
    answer = answerer.ask("can i host a raffle on my profile")
    assert answer.answered and answer.citations[0].section == "contests"


@pytest.mark.parametrize(("question", "heading"), [
    ("can I run a raffle on my personal twitter to promote a gitlab webinar",
     "Contests or sweepstakes on your social media profiles"),
    ("a coworker wants to connect with me on linkedin, is that ok",
     "Connecting with Team Members on Social Media"),
    pytest.param("a journo emailed me asking for a quote about our product, who handles that",
                 "Social Media sometimes generates press and media attention or legal questions. Please refer "
                 "all inquires to the Communications Team in the #external-comms Slack channel",
                 marks=pytest.mark.xfail(reason="known gap: the body-less press heading still ranks below "
                                                "sections sharing 'product'", strict=True)),
])
def test_on_a_foreign_corpus_the_askers_words_reach_the_policys(question: str, heading: str) -> None:
    corpus_dir = SHARED / "corpora" / "gitlab"
    if not corpus_dir.exists():
        pytest.skip("shared/corpora is not beside the repository")
    answer = Answerer(load_corpus(corpus_dir)).ask(question)
    assert answer.answered
    assert heading in {c.title for c in answer.citations[:3]}
