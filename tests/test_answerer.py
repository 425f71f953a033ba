"""The answerer on small hand-built corpora: ranking, extractive answers, citations, bad input."""

import pytest

from bot.answerer import Answer, Answerer, looks_like_draft, looks_like_question
from bot.answerer.extract import passages
from bot.answerer.text import plain
from bot.policy.models import Section, Vocabulary


def section(sid: str, title: str, category: str, text: str) -> Section:
    return Section(id=sid, doc_id="handbook", doc_title="Handbook", title=title, level=2,
                   category=category, text=text, path="handbook.md", line=1)


SECTIONS = [
    section("media", "Talking to journalists", "representation",
            "Only the press office talks to journalists.\n\nIf a reporter contacts you, don't give a quote. "
            "Forward the request to press@example.com right away.\n"),
    section("secrets", "Passwords and keys", "security",
            "Never post:\n\n- Passwords, API keys and tokens, even in a screenshot.\n- Photos of your badge.\n\n"
            "If a key is exposed, rotate it and tell the security team.\n"),
    section("music", "Music and images", "ip",
            "Don't use commercial songs in videos. Use the licensed music library instead.\n\n"
            "Memes built on film screenshots are usually copyrighted.\n"),
    section("typos", "Correcting mistakes", "general",
            "If you posted a wrong number or a typo, correct it promptly and say what you changed.\n"),
]
VOCAB = Vocabulary(synonyms={"reporter": ("journalist",), "song": ("music",), "reel": ("video",),
                             "tweet": ("post",), "creds": ("passwords",)})


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.from_sections(SECTIONS, vocabulary=VOCAB, version="v1",
                                  links_base="https://intranet.example/policy")


@pytest.mark.parametrize(("question", "expected"), [
    ("a reporter DMed me, what do I do?", "media"),
    ("can I use a song in our reel", "music"),
    ("can i tweet a screenshot with my API key", "secrets"),
    ("I posted a typo, what now?", "typos"),
    ("can i talk to journlists", "media"),            # typo, plural
])
def test_best_section_is_cited_first(answerer: Answerer, question: str, expected: str) -> None:
    answer = answerer.ask(question)
    assert answer.answered, answer
    assert answer.citations[0].section == expected


def test_answer_is_extracted_from_the_cited_section(answerer: Answerer) -> None:
    answer = answerer.ask("what if my API key is exposed in a screenshot?")
    best = SECTIONS[1]
    body = plain(best.text)
    lines = [line.removeprefix("- ") for line in answer.answer.splitlines()]
    assert 1 <= len(lines) <= 4
    for line in lines:
        assert line in body, line        # every line is policy text, verbatim
    assert "rotate it" in answer.answer


def test_citation_carries_heading_as_written_category_and_link(answerer: Answerer) -> None:
    answer = answerer.ask("can I give a quote to a journalist")
    cite = answer.citations[0]
    assert (cite.policy, cite.section, cite.title, cite.category) == \
        ("handbook", "media", "Talking to journalists", "representation")
    reply = answer.to_reply()
    assert reply.kind == "answer"
    assert reply.citations[0].url == "https://intranet.example/policy#media"
    assert reply.citations[0].quote == answer.answer
    assert reply.corpus_version == "v1"


def test_json_follows_the_contract_exactly(answerer: Answerer) -> None:
    data = answerer.ask("can I use a song in our reel").to_json()
    assert set(data) == {"answered", "answer", "citations", "confidence", "corpus_version"}
    assert data["answered"] is True and 0.0 <= data["confidence"] <= 1.0
    assert data["corpus_version"] == "v1"
    assert 1 <= len(data["citations"]) <= 3
    for cite in data["citations"]:
        assert set(cite) == {"policy", "section", "title", "category", "score"}
    scores = [c["score"] for c in data["citations"]]
    assert scores == sorted(scores, reverse=True)


def test_unrelated_question_is_not_covered_and_recorded_as_a_gap() -> None:
    gaps: list[Answer] = []
    answerer = Answerer.from_sections(SECTIONS, vocabulary=VOCAB, on_gap=gaps.append)
    answer = answerer.ask("how many days of parental leave do we get")
    assert not answer.answered and answer.citations == ()
    assert "passed your question" in answer.answer
    assert answer.to_reply().kind == "not_covered"
    assert [g.question for g in gaps] == ["how many days of parental leave do we get"]


@pytest.mark.parametrize(("question", "reason"), [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("😀🎉👍", "no_words"),
    ("?!?", "no_words"),
    ("So proud of the team! Beacon 3 ships today 🎉 #launch https://example.com/beacon", "draft"),
])
def test_bad_input_gets_a_friendly_refusal(answerer: Answerer, question: str, reason: str) -> None:
    answer = answerer.ask(question)
    assert not answer.answered and answer.reason == reason
    assert answer.answer and not answer.is_gap
    assert answer.to_reply().kind == "not_covered"


@pytest.mark.parametrize("question", [
    "the team sent me a free kit to post about. is #employee enough or does it need more",
    "thinking of renaming my handle to @NorthwindFan, any issue",
    "so proud of our partners!! can i name the customer in a post before their press release?",
])
def test_an_explicit_question_with_a_hashtag_or_a_mention_is_answered_not_refused_as_a_draft(
        answerer: Answerer, question: str) -> None:
    assert answerer.ask(question).reason != "draft"


def test_a_draft_offers_to_check_it(answerer: Answerer) -> None:
    reply = answerer.ask("Huge news!! We just closed our biggest deal ever 🎉 #winning").to_reply()
    assert "draft" in reply.body and [a.id for a in reply.actions] == ["check"]


def test_huge_question_is_answered_without_error(answerer: Answerer) -> None:
    question = "can I tweet my API key? " + "blah " * 20_000   # ~100 KB
    answer = answerer.ask(question)
    assert isinstance(answer.answered, bool)
    assert answer.answer


def test_foreign_language_question_gets_a_polite_answer(answerer: Answerer) -> None:
    answer = answerer.ask("Wie kann ich meinen Urlaub beantragen und wo ist die Kantine?")
    assert not answer.answered
    assert "English" in answer.answer


def test_german_question_is_not_answered_from_accidental_matches() -> None:
    from pathlib import Path

    from bot.policy import load_corpus
    answerer = Answerer(load_corpus(Path(__file__).resolve().parents[1] / "policies"))
    answer = answerer.ask("Darf ich über den Ausfall twittern?")
    assert not answer.answered and "English" in answer.answer


def test_foreign_question_with_matching_words_may_be_answered(answerer: Answerer) -> None:
    # "API", "screenshot" are the same in Spanish chat: answer from the right section, or decline politely.
    answer = answerer.ask("¿Puedo publicar un screenshot con mi API key?")
    if answer.answered:
        assert answer.citations[0].section == "secrets"
    else:
        assert "English" in answer.answer


def test_empty_corpus_answers_not_covered() -> None:
    answer = Answerer.from_sections([]).ask("can I post a photo?")
    assert not answer.answered and answer.reason == "not_covered"


def test_heading_only_section_quotes_its_heading() -> None:
    corpus = [section("press", "Refer all press inquiries to the Communications Team", "general", ""),
              *SECTIONS[1:]]
    answer = Answerer.from_sections(corpus).ask("where do I refer press inquiries?")
    assert answer.answered and answer.answer == "Refer all press inquiries to the Communications Team"


def test_bullets_keep_their_lead_in() -> None:
    found = passages(SECTIONS[1].text)
    assert found[0].lead == "Never post:" and found[0].text.startswith("Passwords")
    assert found[-1].lead == ""


@pytest.mark.parametrize(("line", "is_question"), [
    ("can i tweet about the outage?", True),
    ("who approves posts about lawsuits", True),
    ("my friend at a news site wants a quote from me, can i give one", True),
    ("is it ok to post a pic of my desk", True),
    ("what counts as a credential", True),
    # Asking permission, with the hashtag or mention in question quoted.
    ("a story in #newswire is marked internal only, can I still tweet it", True),
    ("if i post about the prize do i need #ad or something", True),
    ("quick one - is it ok to tag @acme in my post? its my own account", True),
    ("Excited to share that Beacon 3 ships today! #launch", False),
    ("Can we hit 1000 followers by Friday! #goals", False),
    ("Who's ready for launch day #beacon @acme", False),
    ("Proud of our team at the Berlin offsite 🎉", False),
    ("Check out our new Atlas dashboards: https://example.com/atlas", False),
    ("We are hiring engineers in Lisbon. Apply now. Great team. Join us!", False),
    ("", False),
])
def test_routing_questions_and_drafts(line: str, is_question: bool) -> None:
    assert looks_like_question(line) is is_question


def test_a_plain_statement_is_neither_question_nor_obvious_draft() -> None:
    # Short and unmarked: the answerer tries to answer rather than refusing.
    assert not looks_like_draft("swearing at customers")
