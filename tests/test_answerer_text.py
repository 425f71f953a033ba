"""Normalisation for `ask`: words, the light stemmer, typo correction, chat vocabulary."""

from collections import Counter

import pytest

from bot.answerer.query import QueryAnalyzer
from bot.answerer.spelling import SpellingCorrector
from bot.answerer.text import plain, stem, terms, words
from bot.policy.models import Vocabulary


def test_words_fold_case_punctuation_apostrophes_and_hyphens() -> None:
    assert words("Don't share Contoso's E-mail!!") == ["dont", "share", "contoso", "email"]
    assert words("Café\u2019s NDA?") == ["cafe", "nda"]


@pytest.mark.parametrize("forms", [
    ("post", "posts", "posting", "posted"),
    ("share", "shares", "sharing", "shared"),
    ("reply", "replies", "replied", "replying"),
    ("policy", "policies"),
    ("disclose", "disclosing", "disclosure"),
    ("promote", "promotion"),
    ("photo", "photos"),
])
def test_stemmer_maps_inflections_to_one_key(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


def test_stemmer_keeps_distinct_words_apart() -> None:
    assert stem("news") != stem("new")
    assert stem("post") != stem("past")
    assert stem("reply") != stem("rep")


def test_terms_drop_stopwords() -> None:
    assert terms("Can I post a pic of my desk?") == ["post", "pic", "desk"]


def test_spelling_corrects_one_edit_to_the_most_frequent_known_word() -> None:
    speller = SpellingCorrector(["disclose", "disclose", "discloses", "recall", "journalist"])
    assert speller.correct("discolse") == "disclose"      # swap
    assert speller.correct("journlist") == "journalist"   # deletion
    assert speller.correct("recal") == "recall"           # deletion at the end
    assert speller.correct("disclose") is None            # already known
    assert speller.correct("printer") is None             # nothing one edit away
    assert speller.correct("cat") is None                 # too short to guess


def test_plain_removes_markup_but_keeps_words() -> None:
    assert plain("See [the guide](https://x.example/a) and **never** post `keys`") == \
        "See the guide and never post keys"


def analyzer() -> QueryAnalyzer:
    vocab = Vocabulary(synonyms={"tweet": ("post",), "pic": ("photo",), "say i work": ("disclose",)},
                       stopwords=("pls",))
    corpus_words = words("Post a photo only if you disclose your employment. Journalists and recalls.")
    return QueryAnalyzer(corpus_words, vocab)


def test_chat_words_map_to_policy_words() -> None:
    query = analyzer().analyze("pls can I tweet this pic")
    terms_by_word = {c.word: c.terms for c in query.concepts}
    assert terms_by_word["tweet"]["post"] < 1.0 and terms_by_word["tweet"]["tweet"] == 1.0
    assert "photo" in terms_by_word["pic"]
    assert "pls" not in terms_by_word


def test_phrases_map_including_stopwords_inside_them() -> None:
    query = analyzer().analyze("do I have to say I work here")
    assert any("disclos" in c.terms for c in query.concepts)


def test_typos_are_corrected_and_reported() -> None:
    query = analyzer().analyze("can i talk to a journlist")
    assert query.corrections == {"journlist": "journalist"}
    assert any(c.corrected and "journalist" in c.terms for c in query.concepts)


def test_inflected_forms_are_not_corrected() -> None:
    assert analyzer().analyze("posting photos").corrections == {}


def test_platforms_rank_little_and_workplace_admin_is_flagged() -> None:
    vocab = Vocabulary(synonyms={"insta": ("instagram",)}, channels=("insta", "reel"),
                       out_of_scope=("pto", "meeting room", "not working"))
    query = QueryAnalyzer(Counter(["instagram", "music", "meeting", "room", "work"]), vocab).analyze(
        "can i use music in an insta reel")
    weights = query.weighted_terms()
    assert weights["music"] == 1.0 and weights["insta"] < 0.5 and weights["reel"] < 0.5
    assert [c.word for c in query.content] == ["music"] and query.mentions_channel
    analyzer = QueryAnalyzer(Counter(["meeting", "room", "work"]), vocab)
    assert analyzer.analyze("how do i book a meeting room").off_topic == ("meet room",)
    assert analyzer.analyze("how much pto is left").off_topic == ("pto",)
    # A phrase that shrinks to one word once stopwords go ("not working") is not a cue for "work".
    assert analyzer.analyze("is working here ok").off_topic == ()
