"""Protection every corpus gets: personal-data and credential detectors, whatever its rules say.

A company that points Steward at its own plain Markdown policy has no rules yet; without
this, an AWS key or a stranger's phone number would be "fine to post". Each built-in
detector that no rule of the corpus uses (enabled or deliberately disabled) runs as a
baseline rule. Its findings cite the corpus section that best covers the topic, found by
keyword overlap with the headings and text, or Steward's own baseline section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.checker.detectors import DETECTORS
from bot.checker.result import PolicyRef
from bot.policy.models import Corpus, Rule

BASELINE_DOC = "steward-baseline"


@dataclass(frozen=True)
class _Topic:
    category: str
    title: str             # the built-in section cited when the corpus has none that fits
    keywords: tuple[str, ...]


_PRIVACY = _Topic("privacy", "Personal data (Steward baseline)", (
    "personal", "privacy", "private", "data", "contact", "email", "e-mail", "phone", "address",
    "information", "customer", "confidential", "dox", "doxx", "pii", "identity", "record", "protect",
    "sharing"))
_SECURITY = _Topic("security", "Credentials and secrets (Steward baseline)", (
    "security", "secret", "secrets", "password", "passwords", "credential", "credentials", "token",
    "tokens", "confidential", "proprietary", "protect", "sharing", "information", "data", "private"))

# detector → (topic, severity, message, fix)
BASELINE: dict[str, tuple[_Topic, str, str, str]] = {
    "email": (_PRIVACY, "block", "The draft contains an e-mail address; other people's contact details are personal data.",
              "Remove the e-mail address, or point to a public team address instead."),
    "phone": (_PRIVACY, "block", "The draft contains a phone number; other people's numbers are personal data.",
              "Remove the phone number; ask the person to share it themselves."),
    "card": (_PRIVACY, "block", "The draft contains a payment card number.",
             "Remove the card number entirely; never post payment details."),
    "iban": (_PRIVACY, "block", "The draft contains a bank account number (IBAN).",
             "Remove the account number."),
    "national_id": (_PRIVACY, "block", "The draft contains a government id number.",
                    "Remove the id number."),
    "address": (_PRIVACY, "block", "The draft contains a street address; where someone lives is personal data.",
                "Remove the address, or name only the city."),
    "secret": (_SECURITY, "block", "The draft contains a credential (a key, token or password).",
               "Remove it, and revoke it: a secret that was posted must be treated as leaked."),
    "bidi": (_SECURITY, "review", "The draft uses a right-to-left override: what readers see is not "
             "what was typed, a trick used to slip text past filters.",
             "Remove the override character (U+202E/U+202D) and write the text as it should read."),
}

_WORD = re.compile(r"[a-z][a-z-]+")


def baseline_rules(corpus: Corpus) -> list[tuple[Rule, PolicyRef]]:
    """Rules for the built-in detectors this corpus does not use, each with the section it cites."""
    used = {r.detector for r in corpus.rules if r.detector}
    refs: dict[str, PolicyRef] = {}
    out = []
    for detector, (topic, severity, message, fix) in BASELINE.items():
        if detector in used or detector not in DETECTORS:
            continue
        if topic.category not in refs:
            refs[topic.category] = best_section(corpus, topic)
        ref = refs[topic.category]
        rule = Rule(id=f"baseline.{detector}", kind="detector", detector=detector,  # type: ignore[arg-type]
                    category=topic.category, severity=severity, section=ref.section,  # type: ignore[arg-type]
                    message=message, fix=fix)
        out.append((rule, ref))
    return out


def best_section(corpus: Corpus, topic: _Topic) -> PolicyRef:
    """The section of the corpus that best covers `topic`, or the built-in baseline section."""
    keywords = set(topic.keywords)
    best, best_score = None, 0.0
    for s in corpus.sections.values():
        if s.category == topic.category:
            return PolicyRef(id=s.doc_id, title=s.title, section=s.id)
        title = set(_WORD.findall(s.title.lower()))
        body = _WORD.findall(s.text.lower())
        hits = sum(1 for w in body if w in keywords)
        score = 3.0 * len(title & keywords) + hits / (1 + len(body)) ** 0.5
        if score > best_score:
            best, best_score = s, score
    if best is not None and best_score >= 1.0:
        return PolicyRef(id=best.doc_id, title=best.title, section=best.id)
    return PolicyRef(id=BASELINE_DOC, title=topic.title, section=f"{BASELINE_DOC}-{topic.category}")


def describe(corpus: Corpus) -> list[str]:
    """What the baseline still catches in this corpus, one line per detector, for `policies lint`."""
    return [f"{rule.detector}: {rule.category}, cites '{ref.title}'" for rule, ref in baseline_rules(corpus)]
