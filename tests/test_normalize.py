"""normalize(): the views a draft is matched on, and the map back to the draft as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checker.normalize import normalize


def original_of(text: str, needle: str, view: str = "text") -> str:
    """The slice of the draft as written that `needle` in a view maps back to."""
    n = normalize(text)
    haystack = getattr(n, view)
    at = haystack.index(needle)
    start, end = n.span(at, at + len(needle))
    return text[start:end]


@pytest.mark.parametrize(("draft", "expected"), [
    ("Hello WORLD", "hello world"),
    ("Project Kes\u200btrel", "project kestrel"),             # zero-width space
    ("Pro\u00adject Kes\u2060trel", "project kestrel"),         # soft hyphen, word joiner
    ("\u202eKestrel\u202c", "kestrel"),                        # bidi override
    ("you absolute іdіot", "you absolute idiot"),              # Cyrillic і
    ("ΝORTHWIND", "northwind"),                                # Greek capital nu
    ("ＫＥＳＴＲＥＬ １２３", "kestrel 123"),                     # fullwidth
    ("ﬁnance", "finance"),                                     # ligature
    ("Straße", "strasse"),                                     # casefold grows
    ("𝐊𝐞𝐬𝐭𝐫𝐞𝐥", "kestrel"),                                    # mathematical bold
    ("cafe\u0301", "café"),                                    # combining accent composes
    ("a\x00b\x07c", "a b c"),                                  # control characters become spaces
])
def test_text_view(draft: str, expected: str) -> None:
    assert normalize(draft).text == expected


def test_genuine_cyrillic_words_are_left_alone() -> None:
    # Only words that mix scripts (or are made only of look-alikes) are folded.
    assert normalize("привет, мир").text == "привет, мир"


@pytest.mark.parametrize(("draft", "expected"), [
    ("a bunch of m0r0ns", "a bunch of morons"),
    ("p@ssw0rd", "password"),
    ("you 1diot", "you idiot"),
    ("h3ll0 there", "hello there"),
    ("what an a55", "what an ass"),
    ("sh1t", "shit"),
])
def test_leetspeak_is_folded_inside_words(draft: str, expected: str) -> None:
    n = normalize(draft)
    assert n.folded == expected
    assert len(n.folded) == len(n.text)


@pytest.mark.parametrize("draft", [
    "2024", "206-555-0172", "3.14.159", "$29", "v2.10.3", "Q3 results", "mp3", "ipv4", "web3",
    "the 4th of July", "5th St", "3D printing", "10am", "$NWND", "@sarah_at_verge", "1,240",
    "room 4.12", "18:30", "Win 10", "4k video",
])
def test_leetspeak_leaves_numbers_and_tags_alone(draft: str) -> None:
    n = normalize(draft)
    assert n.folded == n.text, n.folded


def test_ascii_drafts_need_no_offset_table() -> None:
    n = normalize("Call 206-555-0148 now")
    assert n.span(5, 17) == (5, 17)


@pytest.mark.parametrize(("draft", "needle", "written"), [
    ("Demo of Project Kes\u200btrel went great", "kestrel", "Kes\u200btrel"),
    ("ﬁnance team", "finance", "ﬁnance"),
    ("Die Straße ist lang", "strasse", "Straße"),
    ("ＫＥＳＴＲＥＬ rocks", "kestrel", "ＫＥＳＴＲＥＬ"),
    ("we love cafe\u0301 au lait", "café", "cafe\u0301"),
    ("🎉🎉 Kes\u200btrel 🎉", "kestrel", "Kes\u200btrel"),
])
def test_span_maps_back_to_the_draft_as_written(draft: str, needle: str, written: str) -> None:
    assert original_of(draft, needle) == written


def test_span_of_part_of_an_expanded_character_covers_the_character() -> None:
    n = normalize("ﬁ")            # one character in the draft, two in the view
    assert n.text == "fi"
    assert n.span(0, 1) == (0, 1)
    assert n.span(1, 2) == (0, 1)


def test_span_is_clamped_to_the_draft() -> None:
    n = normalize("Kes\u200btrel")
    assert n.span(-5, 100) == (0, len("Kes\u200btrel"))
    assert n.span(3, 3)[0] == n.span(3, 3)[1]


def test_folded_span_maps_like_text() -> None:
    assert original_of("you m0r0ns, Kes\u200btrel", "morons", view="folded") == "m0r0ns"


@pytest.mark.parametrize("draft", [
    "", "\u200b\u200b", "\ud800", "x\udfffy", "\x00" * 10, "\u0301\u0301abc", "e\u200b\u0301",
    "\U000e0041\U000e0042 tag chars", "🏳️‍🌈👨‍👩‍👧", "ß" * 50, "İstanbul",
])
def test_odd_input_does_not_crash(draft: str) -> None:
    n = normalize(draft)
    assert len(n.folded) == len(n.text)
    for i in range(len(n.text)):
        start, end = n.span(i, i + 1)
        assert 0 <= start <= end <= len(draft)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=300))
def test_any_text_normalizes_with_spans_inside_the_draft(draft: str) -> None:
    n = normalize(draft)
    assert n.original == draft
    assert len(n.folded) == len(n.text)
    for i in range(len(n.text)):
        start, end = n.span(i, i + 1)
        assert 0 <= start < end <= len(draft)
    if n.text:
        assert n.span(0, len(n.text))[1] <= len(draft)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abc0134@$ .-_\u200bіо", max_size=60))
def test_span_starts_never_go_backwards(draft: str) -> None:
    n = normalize(draft)
    starts = [n.span(i, i + 1)[0] for i in range(len(n.text))]
    assert starts == sorted(starts)
