"""Detectors for what phrase rules miss: spelled-out numbers, home addresses, passwords in
passing, encoded secrets, and text hidden behind a right-to-left override."""

from __future__ import annotations

import base64

import pytest

from bot.checker.detectors.bidi import displayed
from bot.checker.engine import Checker
from bot.policy.loader import load_corpus
from tests.support import POLICIES
from tests.test_detectors import found

CHECKER = Checker(load_corpus(POLICIES))


@pytest.mark.parametrize(("draft", "number"), [
    ("call me on five five five, one two three four tonight", "five five five, one two three four"),
    ("my cell is four one five, five five five, zero one three four", "four one five, five five five, zero one three four"),
    ("Call me at 555-oh-one-two-three-four-five", "555-oh-one-two-three-four-five"),
    ("text double five seven, two one two nine", "double five seven, two one two nine"),
])
def test_a_phone_number_spelled_out_in_words(draft: str, number: str) -> None:
    assert found("phone", draft) == [number]
    assert CHECKER.check(draft).verdict == "block"


@pytest.mark.parametrize("draft", [
    "Top five tips: one, two, three, four, five, six, seven",
    "one two three, testing: three five-star reviews and one two-day event",
    "We shipped two features and fixed nine bugs in three days",
])
def test_counting_and_ordinary_numbers_are_not_phone_numbers(draft: str) -> None:
    assert found("phone", draft) == []


@pytest.mark.parametrize(("draft", "address"), [
    ("Party at my place, 42 Maple Street, Springfield, bring snacks", "42 Maple Street"),
    ("Come by 1234 Oak Ave Apt 5 on Saturday", "1234 Oak Ave Apt 5"),
    ("She lives at 12b Baker Street now", "12b Baker Street"),
    ("Housewarming Saturday! 88 N. Cedar Lane, apt 4", "88 N. Cedar Lane, apt 4"),
    ("he just closed on a place at 42 Larkspur Lane, Redmond", "42 Larkspur Lane"),
])
def test_a_street_address_where_someone_lives(draft: str, address: str) -> None:
    assert found("address", draft) == [address]


@pytest.mark.parametrize("draft", [
    "Visit our booth at 747 Howard St in San Francisco",
    "Our new office at 500 Terry Francois Blvd opens Monday",
    "The team at 5 Hanover Square, Suite 12 says hi",
    "We fixed 3 main road bugs today",
])
def test_office_and_venue_addresses_are_public(draft: str) -> None:
    assert found("address", draft) == []


@pytest.mark.parametrize(("draft", "secret"), [
    ("log in with admin / Winter2024! if the portal is down", "Winter2024"),   # "!" may end the sentence
    ("the wifi for the event is Tr0ub4dor&3xq", "Tr0ub4dor&3xq"),
    ("creds for staging: deploy Qx7!mPz2#Lk", "Qx7!mPz2#Lk"),
    ("not telling anyone but it is 9vK#2mQ!xLr8", "9vK#2mQ!xLr8"),
])
def test_a_password_mentioned_in_passing_by_its_strength(draft: str, secret: str) -> None:
    assert found("secret", draft) == [secret]


@pytest.mark.parametrize("draft", [
    "Our team at Northwind Labs stands with Senator Alvarez #Alvarez2026",
    "Upgraded to Python 3.12.1 and Node v20.11.0 today",
    "COVID-19 vaccines are available at the clinic on 2024-03-05",
    "Log in to see the new dashboard-redesign-preview",
    "My handle is @JaneDoe2024 on most sites",
    "Order #4471-2290-1183 finally arrived",
])
def test_ordinary_tokens_are_not_passwords(draft: str) -> None:
    assert found("secret", draft) == []


def test_a_base64_encoded_secret_is_found() -> None:
    token = base64.b64encode(b"AKIA2E0A8F3B244C9986").decode()
    draft = f"here you go: {token} enjoy"
    assert found("secret", draft) == [token]
    harmless = base64.b64encode(b"just a friendly hello from the team").decode()
    assert found("secret", f"decode this: {harmless}") == []


def test_text_behind_a_right_to_left_override_is_read_as_displayed() -> None:
    hidden = "\u202e" + "hcraM ni sehcnual lertseK tcejorP" + "\u202c, cannot wait!"
    shown = displayed(hidden)
    assert shown is not None and shown[0].startswith("Project Kestrel launches in March")
    result = CHECKER.check(hidden)
    assert result.verdict == "block"
    rules = {f.rule: f for f in result.findings}
    assert "confidential.code_name" in rules and "baseline.bidi" in rules
    s, e = rules["confidential.code_name"].span
    assert 0 <= s < e <= len(hidden) and "lertseK" in hidden[s:e]


def test_an_override_alone_is_suspicious_but_not_blocked() -> None:
    result = CHECKER.check("Happy Friday \u202eeveryone\u202c!")
    assert result.verdict == "review" and [f.rule for f in result.findings] == ["baseline.bidi"]
