"""Properties of the checker on arbitrary text: it never raises, and spans stay inside the draft."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.checker.engine import Checker
from bot.policy import load_corpus
from tests.support import POLICIES

CHECKER = Checker(load_corpus(POLICIES))

# Text that looks like drafts: words the rules look for, digits, separators, look-alikes and invisibles.
FRAGMENTS = st.sampled_from([
    "Project Kestrel", "Kes\u200btrel", "\u0456d\u0456ot", "@bob", "#employee", " you ", "Atlas", "#1",
    "jane dot doe at gmail dot com", "(206) 555-0148", "4716 5653 2228 2962", "ghp_", "xoxb-", "AKIA",
    "layoffs", "earnings", "https://investors.northwindlabs.com/q3", "\u202e", "\ufeff", "ＡＢＣ", "ß", "İ",
    "ﬁ", "\U0001F600", "m0r0n", "$NWND", "\n", "\t", "...", "-", "•", "k e s t r e l", "s h u t  u p",
    " a b ", "f u c k i n g", "it's a",
])
DRAFTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DRAFTS)
def test_check_never_raises_and_spans_lie_inside_the_original(text: str) -> None:
    result = CHECKER.check(text)
    assert result.verdict in ("allow", "review", "block")
    for f in result.findings:
        start, end = f.span
        assert 0 <= start < end <= len(text), (f.rule, f.span, len(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_unicode_never_raises(text: str) -> None:
    for f in CHECKER.check(text).findings:
        assert 0 <= f.span[0] < f.span[1] <= len(text)


@settings(max_examples=100, deadline=None)
@given(DRAFTS)
def test_verdict_is_the_strictest_finding(text: str) -> None:
    result = CHECKER.check(text)
    rank = {"allow": 0, "review": 1, "block": 2}
    expected = max((rank[f.severity] for f in result.findings), default=0)
    assert rank[result.verdict] == expected


def _learned_checker() -> tuple[Checker, Checker]:
    """The default corpus with its labelled examples (the learned layer on), and without them."""
    corpus = load_corpus(POLICIES)
    assert corpus.examples, "the default corpus ships labelled examples"
    return Checker(corpus), Checker(corpus.model_copy(update={"examples": ()}))


LEARNED, RULES_ONLY = _learned_checker()
RANK = {"allow": 0, "review": 1, "block": 2}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.sampled_from(["vote", "for", "mayor", "Maria Chen", "campaign", "party"]),
                          st.text(max_size=20)), max_size=30).map(" ".join))
def test_the_learned_layer_never_lowers_a_verdict_and_keeps_spans_inside(text: str) -> None:
    assert LEARNED.learned is not None and LEARNED.learned.active
    with_layer, rules = LEARNED.check(text), RULES_ONLY.check(text)
    assert RANK[with_layer.verdict] >= RANK[rules.verdict]
    assert [f for f in with_layer.findings if not f.rule.startswith("learned.")] == list(rules.findings)
    for f in with_layer.findings:
        assert 0 <= f.span[0] < f.span[1] <= len(text), (f.rule, f.span, len(text))
