"""From a chat question to weighted search terms.

Each content word of the question becomes a *concept*: its own stem, plus the
policy words the corpus vocabulary maps it to ("tweet" -> post, social media), plus
a typo correction when the word is unknown ("discolse" -> disclose). Concepts, not
raw terms, are what the confidence counts: a question is covered when the section
speaks to most of what was asked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answerer.spelling import SpellingCorrector
from bot.answerer.text import ENGLISH_STOPWORDS, fold, stem, terms, words
from bot.policy.models import Vocabulary

EXPANSION_WEIGHT = 0.6     # a mapped policy word counts less than the word the user typed
RELATED_WEIGHT = 0.5       # a word of the same related-words group, that the corpus uses, counts less still
CHANNEL_WEIGHT = 0.25      # "on insta", "in a reel" says where, not what: it ranks little
MAX_PHRASE = 3             # longest vocabulary key, in words
MAX_WORDS = 200            # a question longer than this is read up to here


@dataclass
class Concept:
    word: str                                             # as typed (folded)
    terms: dict[str, float] = field(default_factory=dict)  # stem -> weight
    corrected: bool = False                               # reached through a typo correction
    proper: bool = False                                  # typed as a name ("Taylor Swift", "Berlin")
    channel: bool = False                                 # a platform or format ("tiktok", "reel")
    expansions: tuple[str, ...] = ()                      # the policy words it maps to, as written

    def add(self, term: str, weight: float) -> None:
        if weight > self.terms.get(term, 0.0):
            self.terms[term] = weight


@dataclass
class Query:
    text: str
    concepts: list[Concept]
    corrections: dict[str, str] = field(default_factory=dict)
    off_topic: tuple[str, ...] = ()   # out-of-scope cues the question contains ("pto", "meeting room")

    @property
    def content(self) -> list[Concept]:
        """What the question is about: its concepts minus platforms and formats, unless that is all."""
        return [c for c in self.concepts if not c.channel] or self.concepts

    @property
    def mentions_channel(self) -> bool:
        return any(c.channel for c in self.concepts)

    def semantic_text(self) -> str:
        """The question, followed by the policy words its chat words map to ("pic" -> photo)."""
        seen = set(words(self.text))
        extra = [t for c in self.concepts if not c.channel for t in c.expansions
                 if not all(w in seen for w in words(t))]
        extra = list(dict.fromkeys(extra))
        return f"{self.text} ({', '.join(extra)})" if extra else self.text

    def weighted_terms(self) -> dict[str, float]:
        out: dict[str, float] = {}
        topical = any(not c.channel for c in self.concepts)
        for concept in self.concepts:
            factor = CHANNEL_WEIGHT if concept.channel and topical else 1.0
            for term, weight in concept.terms.items():
                out[term] = max(out.get(term, 0.0), weight * factor)
        return out


def stopwords_of(vocabulary: Vocabulary) -> frozenset[str]:
    return ENGLISH_STOPWORDS | frozenset(w for s in vocabulary.stopwords for w in words(s))


class QueryAnalyzer:
    def __init__(self, corpus_words: Counter[str], vocabulary: Vocabulary,
                 related: Sequence[Sequence[str]] = ()) -> None:
        self.stopwords = stopwords_of(vocabulary)
        # A word the CoE mapped ("down" -> outage) is meant, even if English usually drops it.
        self._droppable = frozenset(w for e in vocabulary.stopwords for w in words(e))
        stems = {w: stem(w) for w in corpus_words}
        self.known_stems = frozenset(stems.values())
        # Keys are matched on stems so "tweets" finds "tweet" and "photos" finds "photo".
        self.synonyms: dict[tuple[str, ...], list[str]] = {}
        self.targets: dict[tuple[str, ...], list[str]] = {}
        for key, targets in vocabulary.synonyms.items():
            key_stems = tuple(stem(w) for w in words(key))
            if not key_stems:
                continue
            expanded = [t for target in targets for t in terms(target, self.stopwords)]
            self.synonyms.setdefault(key_stems, []).extend(expanded)
            self.targets.setdefault(key_stems, []).extend(targets)
        self.channels = _phrases(vocabulary.channels, self.stopwords)
        self.cues = _phrases(vocabulary.out_of_scope, self.stopwords)
        self._listed = {p for p in self.channels | self.cues if len(p) == 1}
        known: Counter[str] = Counter(corpus_words)
        known.update(w for key in vocabulary.synonyms for w in words(key))
        # So are the policy words the vocabulary maps to: "reply" is not a typo of "rely".
        known.update(w for targets in vocabulary.synonyms.values() for t in targets for w in words(t))
        # Listed chat words are words as typed, not typos of a policy word ("pto" stays "pto").
        known.update(w for phrase in (*vocabulary.channels, *vocabulary.out_of_scope) for w in words(phrase))
        # Stems too, so "journlist" finds "journalist" when the policy only says "journalists".
        known.update(stems.values())
        self.speller = SpellingCorrector(known)
        self.related = self._related(related)

    def _related(self, groups: Sequence[Sequence[str]]) -> dict[tuple[str, ...], frozenset[str]]:
        """Each member of a related-words group (as content stems) -> the stems of the other members
        that this corpus uses: what a question's word may be called in this policy."""
        out: dict[tuple[str, ...], set[str]] = {}
        for group in groups:
            members = [(m, tuple(stem(w) for w in words(m) if w not in self.stopwords)) for m in group]
            members = [(m, key) for m, key in members if key]
            for m, key in members:
                if len(key) == 1 and len(words(m)) > 1:
                    continue  # "make fun of" must not mean "fun"
                for _, other_key in members:
                    if other_key != key and all(s in self.known_stems for s in other_key):
                        out.setdefault(key, set()).update(other_key)
        return {k: frozenset(v - set(k)) for k, v in out.items() if v - set(k)}

    def analyze(self, text: str) -> Query:
        surface = words(text)[:MAX_WORDS]
        names = proper_nouns(text)
        corrections: dict[str, str] = {}
        fixed: list[str] = []
        for word in surface:
            single = (stem(word),)
            if (word in self.stopwords or single[0] in self.known_stems or single in self.synonyms
                    or single in self._listed):
                fixed.append(word)
                continue
            better = self.speller.correct(word)
            if better is not None:
                corrections[word] = better
            fixed.append(better or word)
        stems = [stem(w) for w in fixed]

        concepts: list[Concept] = []
        i = 0
        while i < len(fixed):
            matched = 0
            for n in range(min(MAX_PHRASE, len(fixed) - i), 0, -1):
                key = tuple(stems[i:i + n])
                if key in self.synonyms and (n > 1 or fixed[i] not in self._droppable):
                    concept = Concept(" ".join(fixed[i:i + n]))
                    for w, s in zip(fixed[i:i + n], key, strict=True):
                        if w not in self.stopwords:
                            concept.add(s, 1.0)
                    for target in self.synonyms[key]:
                        concept.add(target, EXPANSION_WEIGHT)
                    concept.channel = _content(key, fixed[i:i + n], self.stopwords) in self.channels
                    concept.expansions = tuple(self.targets[key])
                    concepts.append(concept)
                    matched = n
                    break
            if matched:
                i += matched
                continue
            word = fixed[i]
            if word not in self.stopwords and not word.isdigit():
                concept = Concept(word, corrected=surface[i] in corrections, proper=surface[i] in names,
                                  channel=(stems[i],) in self.channels)
                concept.add(stems[i], 1.0)
                concepts.append(concept)
            i += 1
        content = [s for w, s in zip(fixed, stems, strict=True) if w not in self.stopwords]
        if self.related:
            self._relate(concepts, content, set(corrections.values()))
        cues = {" ".join(content[i:i + n]) for i in range(len(content))
                for n in range(1, MAX_PHRASE + 1) if tuple(content[i:i + n]) in self.cues}
        return Query(text=text, concepts=_merge(concepts), corrections=corrections,
                     off_topic=tuple(sorted(cues)))


    def _relate(self, concepts: list[Concept], content: list[str], guessed: set[str]) -> None:
        """Adds to each concept the corpus's words for the same thing (a reporter -> press, media)."""
        # A guessed spelling is not expanded further: "warn" read as "earn" must not mean revenue.
        owner = {s: c for c in reversed(concepts) if not (c.corrected or c.word in guessed)
                 for s, w in c.terms.items() if w == 1.0}
        for i in range(len(content)):
            for n in range(MAX_PHRASE, 0, -1):
                key = tuple(content[i:i + n])
                if len(key) == n and key in self.related and key[0] in owner:
                    concept = owner[key[0]]
                    for term in self.related[key]:
                        concept.add(term, RELATED_WEIGHT)


def _content(key: tuple[str, ...], surface: list[str], stopwords: frozenset[str]) -> tuple[str, ...]:
    """A phrase's stems without its stopwords: how channel and cue phrases are compared."""
    return tuple(s for s, w in zip(key, surface, strict=True) if w not in stopwords)


def _phrases(entries: tuple[str, ...], stopwords: frozenset[str]) -> frozenset[tuple[str, ...]]:
    """Vocabulary phrases as stem tuples, stopwords dropped ("book a room" -> (book, room)).

    A phrase that would shrink to one word is left out: "not working" must not mean "work".
    """
    out: set[tuple[str, ...]] = set()
    for entry in entries:
        surface = words(entry)
        content = tuple(stem(w) for w in surface if w not in stopwords)
        if content and (len(content) > 1 or len(surface) == 1):
            out.add(content)
    return frozenset(out)


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+)\b")


def proper_nouns(text: str) -> frozenset[str]:
    """Words capitalised inside a sentence: names the policy is unlikely to mention."""
    head = text[:MAX_CHARS_FOR_NAMES]
    return frozenset(fold(m.group(1)) for m in _CAPITALISED.finditer(head.strip()) if m.group(1) != "I")


MAX_CHARS_FOR_NAMES = 2000


def _merge(concepts: list[Concept]) -> list[Concept]:
    """One concept per distinct word: "post ... posts" asks about posting once."""
    seen: dict[str, Concept] = {}
    for concept in concepts:
        key = " ".join(sorted(concept.terms))
        if key in seen:
            continue
        seen[key] = concept
    return list(seen.values())
