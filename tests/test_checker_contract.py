"""The checker's output contract (policy-taxonomy.md) and its core behaviours."""

from __future__ import annotations

import json

import pytest

from bot.checker.engine import Checker
from bot.checker.result import Suppression
from bot.policy import load_corpus
from tests.support import POLICIES, copy_policies


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(load_corpus(POLICIES))


def test_json_contract_has_exactly_the_documented_fields(checker: Checker) -> None:
    text = "Reach Priya at priya.raman82@gmail.com"
    out = checker.check(text).to_json()
    assert out["verdict"] == "block"
    assert set(out) >= {"verdict", "findings"}
    f = out["findings"][0]
    assert set(f) == {"category", "severity", "rule", "message", "span", "policy", "fix"}
    assert set(f["policy"]) == {"id", "title", "section"}
    assert f["category"] == "privacy" and f["rule"] == "privacy.email"
    start, end = f["span"]
    assert text[start:end] == "priya.raman82@gmail.com"
    json.dumps(out)  # serialisable as is


def test_every_finding_cites_a_real_section_with_its_heading(checker: Checker) -> None:
    corpus = checker.corpus
    result = checker.check("Project Kestrel ships next spring! Buy $NWND before earnings. @bob you idiot")
    assert result.verdict == "block"
    for f in result.findings:
        section = corpus.sections[f.policy.section]
        assert f.policy.title == section.title
        assert f.policy.id == section.doc_id
        assert f.fix and f.message


def test_strictest_verdict_wins(checker: Checker) -> None:
    result = checker.check("Atlas is the #1 analytics platform. Also Project Kestrel demo went great. #employee")
    severities = {f.severity for f in result.findings}
    assert {"review", "block"} <= severities
    assert result.verdict == "block"


def test_clean_draft_is_allowed_with_no_findings(checker: Checker) -> None:
    result = checker.check("Sunrise run by the lake this morning 🌅")
    assert result.verdict == "allow" and result.findings == ()


@pytest.mark.parametrize(("text", "needle"), [
    ("Demo of Project Kes\u200btrel went great", "Kes\u200btrel"),         # zero-width space inside
    ("@jlee you absolute \u0456d\u0456ot", "\u0456d\u0456ot"),              # Cyrillic homoglyphs
    ("@contoso_support you are m0r0ns", "m0r0ns"),                          # leetspeak
    ("Demo of ＰＲＯＪＥＣＴ ＫＥＳＴＲＥＬ went great", "ＫＥＳＴＲＥＬ"),       # full-width (NFKC)
    ("Late nights with the K e s t r e l crew", "K e s t r e l"),          # letters spaced apart
    ("s h u t  u p @dev, you f u c k i n g clown", "f u c k i n g"),       # words spaced apart
])
def test_obfuscated_text_is_caught_and_spans_point_into_the_original(checker: Checker, text: str, needle: str) -> None:
    result = checker.check(text)
    assert result.verdict == "block"
    spans = [text[s:e] for s, e in (f.span for f in result.findings)]
    assert any(needle in s for s in spans), spans


def test_results_carry_the_corpus_version(checker: Checker) -> None:
    assert checker.check("hello").corpus_version == checker.corpus.version != ""


def test_suppression_silences_only_its_rule_and_phrase(checker: Checker) -> None:
    text = "Atlas is the #1 analytics platform #employee"
    assert checker.check(text).verdict == "review"
    silenced = checker.check(text, [Suppression(rule="claims.superlative", phrase="#1")])
    assert silenced.verdict == "allow"
    other_phrase = checker.check(text, [Suppression(rule="claims.superlative", phrase="fastest")])
    assert other_phrase.verdict == "review"


@pytest.mark.parametrize(("text", "category", "verdict"), [
    ("Project Osprey demo today was amazing", "confidential", "block"),
    ("Heard there are layoffs coming at Northwind next month", "financial", "block"),
    ("Call our new hire at (206) 555-0148", "privacy", "block"),
    ("token: ghp_2joshz2HrN7HTZnm2tdtdHNNxMbO8BZXnUmf", "security", "block"),
    ("Beacon sensors made my home so much smarter, give it a try!", "disclosure", "review"),
    ("Northwind Cloud guarantees 100% uptime #employee", "claims", "review"),
    ("Fabrikam is suing us over a patent, total nonsense", "legal", "review"),
    ("@kevin you are a useless idiot", "conduct", "block"),
    ("As a Northwind engineer I endorse Jo Park for Senate, vote for her!", "political", "review"),
    ("Our Beacon reel is set to Taylor Swift's new song 🎶", "ip", "review"),
    ("Official statement from Northwind Labs: we will bring back the classic view", "representation", "review"),
])
def test_each_category_fires_with_its_usual_verdict(checker: Checker, text: str, category: str, verdict: str) -> None:
    result = checker.check(text)
    assert category in result.categories, [f.rule for f in result.findings]
    assert result.verdict == verdict


@pytest.mark.parametrize("text", [
    "Heading to the confidential computing summit next week",
    "That demo was a killer feature showcase, proud of the team",
    "Upgraded to version 3.14.159 of my side project",
    "Order #4471-2290-1183 arrived today",
    "Saw a kestrel hovering over the field at lunch",
    "Never commit your .env file; use a secrets manager",
    "We deserve better pay and we're organising to ask for it together.",
    "I'm such an idiot, forgot my badge at home",
])
def test_context_exceptions_keep_benign_drafts_unblocked(checker: Checker, text: str) -> None:
    assert checker.check(text).verdict != "block", [f.rule for f in checker.check(text).findings]


def test_public_source_link_turns_results_from_block_to_review(checker: Checker) -> None:
    leak = checker.check("Northwind Q3 revenue is up 18%, you heard it here first")
    public = checker.check("Northwind Q3 revenue is up 18%: https://investors.northwindlabs.com/news/q3")
    assert leak.verdict == "block"
    assert public.verdict == "review"


def test_protected_speech_is_allowed_with_a_tip(checker: Checker) -> None:
    result = checker.check("Raises have been frozen at Northwind since 2023 and we're organising a petition.")
    assert result.verdict == "allow"
    assert any(f.rule == "general.protected_speech" and f.severity == "allow" for f in result.findings)


def test_lexicon_is_data_a_company_edits(tmp_path) -> None:
    corpus_dir = copy_policies(tmp_path)
    lexicon = corpus_dir / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text().replace("code_names: [", "code_names: [Project Bluebird, "))
    checker = Checker(load_corpus(corpus_dir))
    assert checker.check("Project Bluebird is looking great").verdict == "block"


def test_a_finding_nested_in_another_of_its_category_is_reported_once(checker: Checker) -> None:
    result = checker.check("Project Kestrel demo went great")
    assert [(f.category, f.span) for f in result.findings] == [("confidential", (0, 15))]
