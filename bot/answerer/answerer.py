"""Answer policy questions from the corpus, with citations, or say plainly that it isn't covered."""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

from bot.answerer.answer import Answer, Reason, SourceCitation
from bot.answerer.embedding import Embedder, load_embedder
from bot.answerer.extract import best_passages, render
from bot.answerer.index import SectionIndex, _stem
from bot.answerer.intent import asks_leave, looks_foreign, looks_like_draft
from bot.answerer.names import corpus_names, without_names
from bot.answerer.query import Concept, Query, QueryAnalyzer, stopwords_of
from bot.answerer.semantic import Closeness, SemanticIndex, embed_texts
from bot.answerer.text import stem, terms, words
from bot.policy.cache import cache_dir
from bot.policy.models import Corpus, Section, Vocabulary
from bot.settings import BUNDLED_POLICIES

MAX_CHARS = 2000          # a question is read up to here; the rest cannot change the answer much
DEFAULT_THRESHOLD = 0.4   # below this confidence the answer is "not covered"
RELATED_SHARE = 0.35      # a related section scores at least this share of the best one (BM25 alone)
MAX_RELATED = 2
NAME_WEIGHT = 0.25        # unknown capitalised words (names) count this much against coverage
CORRECTED_CREDIT = 0.4    # a concept matched only after a typo correction counts for less
DOMAIN_SHARE = 0.4        # a term in this share of sections is what the corpus is about ("post")
# Confidence = how much of the question the best section covers, how much of it the corpus
# knows at all (out-of-scope questions bring words the policy never uses), whether it
# mentions what the corpus is about (posting, a platform), and whether it names the
# section's own subject (its heading or category, often through the chat vocabulary).
SECTION_WEIGHT = 0.4
CORPUS_WEIGHT = 0.3
DOMAIN_WEIGHT = 0.2
HEADING_WEIGHT = 0.1
# A question with a neighbouring workplace topic ("pto", "meeting room") and no sign of
# posting anywhere is about that topic, whatever words it shares with the policy.
OFF_TOPIC_FACTOR = 0.6
FOREIGN_MARGIN = 0.3      # extra confidence needed for a question that reads as another language
GENERAL_PRIOR = 0.85      # specific guidance beats general guidance that merely mentions the topic
# Hybrid ranking: BM25 (as a share of the best section's) fused with how close each section's
# nearest chunk is to the question, as a share of the closest one: 1 for the closest, 0 for
# SEMANTIC_SPAN of cosine or more behind it. Equal shares: keywords know the chat vocabulary and
# the corpus's own spelling; the embedding knows paraphrases neither has seen. (0.4-0.7 all
# scored within a question of each other on the labelled sets; BM25 was tuned on them, so
# the choice leans no further its way.)
KEYWORD_SHARE = 0.5
SEMANTIC_SPAN = 0.3
HYBRID_RELATED_SHARE = 0.5   # fused scores are closer together than BM25's
# The "not covered" decision: the lexical confidence above, moved up or down by how close the
# nearest chunk is, once the corpus's own name is neutralised in the question (bot/answerer/
# names.py: "GitLab", "Matplotlib" make any question look close to their policy). Questions the
# corpus speaks to, in any words, mostly land above SEMANTIC_PIVOT (name-blind cosine 0.3-0.7 on
# the labelled sets); small talk and other workplace or project topics below it (0.1-0.38).
# Chosen on the labelled sets of all three corpora pooled (Northwind, GitLab, Matplotlib; see
# docs/notes/answerer-foreign.md): weights 1.5-1.75 at pivot 0.35 tie, 1.0 let name-free
# off-topic questions through on foreign corpora, and a pivot 0.02 either side costs more.
SEMANTIC_PIVOT = 0.35
SEMANTIC_WEIGHT = 1.5
# A question that shares no word with the policy can still be answered when its meaning is
# close: cosine SEMANTIC_FLOOR counts as 0, FLOOR + RANGE as 1, so the bar (0.4) is met at
# 0.5, above the closest out-of-scope question on the labelled sets ("when is the next SciPy
# conference" on the Matplotlib guide, 0.49).
SEMANTIC_FLOOR = 0.3
SEMANTIC_RANGE = 0.5
# A question much closer in meaning to an everyday workplace question that is not about speaking
# in public (bot/answerer/elsewhere.yaml: leave, IT, badges, expenses, product support, ...) than
# to anything the policy says, and than to any generic question about posting, is about that
# other topic, whatever words it shares with the policy ("the password policy for our laptops",
# "do employees get a discount on Beacons"). Each ELSEWHERE_SPAN of cosine beyond
# ELSEWHERE_MARGIN costs the whole bar. On the labelled sets, answerable questions sit at most
# 0.11 closer to such a question; the out-of-scope ones that got through, 0.05-0.57.
ELSEWHERE_MARGIN = 0.1
ELSEWHERE_SPAN = 0.05
NEAR_SHARE = 0.8          # a passage whose words are mostly in the closest chunk is part of it
NEAR_BONUS = 1.0          # ...and counts like one matched word of average rarity

NOT_COVERED = ("I couldn't find this in the policy; I've passed your question to the social media team "
               "so they can add it.")
NOT_COVERED_FOREIGN = ("I can only answer policy questions in English for now, and I couldn't match this "
                       "one to the policy. I've passed it to the social media team.")
EMPTY = "Ask me a question about the social media policy, for example: \"can I post a photo of my team?\""
NO_WORDS = "I need a few words to go on. What would you like to know about the social media policy?"
DRAFT = ("This looks like a draft post rather than a question. To find out whether you can post it, "
         "check it with `check` (or press the button).")

_BUNDLED_VOCABULARY = BUNDLED_POLICIES / "vocabulary.yaml"
_RELATED = Path(__file__).with_name("related.yaml")
_ELSEWHERE = Path(__file__).with_name("elsewhere.yaml")
log = logging.getLogger(__name__)


def bundled_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the default corpus: chat words most policies share."""
    try:
        data = yaml.safe_load(_BUNDLED_VOCABULARY.read_text(encoding="utf-8")) or {}
        return Vocabulary(**data)
    except (OSError, ValueError, TypeError, yaml.YAMLError):
        return Vocabulary()


@functools.cache
def related_words() -> tuple[tuple[str, ...], ...]:
    """Groups of words that can stand for one another (bot/answerer/related.yaml); none if unreadable."""
    try:
        data = yaml.safe_load(_RELATED.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read %s (%s); answering without related words", _RELATED, exc)
        return ()
    groups = data.get("groups") if isinstance(data, dict) else None
    return tuple(tuple(str(w) for w in g) for g in groups or () if isinstance(g, list))


@functools.cache
def reference_questions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Generic workplace questions not about posting, and generic ones about posting
    (bot/answerer/elsewhere.yaml); none if unreadable."""
    try:
        data = yaml.safe_load(_ELSEWHERE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read %s (%s); answering without reference questions", _ELSEWHERE, exc)
        return (), ()
    if not isinstance(data, dict):
        return (), ()
    return (tuple(str(q) for q in data.get("elsewhere") or ()), tuple(str(q) for q in data.get("posting") or ()))


def _with_bundled(vocabulary: Vocabulary) -> Vocabulary:
    """The corpus's vocabulary, completed from the bundled one where it says nothing.

    A corpus without synonyms still understands everyday chat words; one without channel
    or out-of-scope lists still knows "tiktok" is a platform and "pto" is not policy.
    """
    if vocabulary.synonyms and vocabulary.channels and vocabulary.out_of_scope:
        return vocabulary
    bundled = bundled_vocabulary()
    own = bool(vocabulary.synonyms)   # a corpus with its own synonyms chose its own stopwords too
    stopwords = vocabulary.stopwords if own else (*bundled.stopwords, *vocabulary.stopwords)
    return Vocabulary(synonyms=vocabulary.synonyms or bundled.synonyms, stopwords=stopwords,
                      channels=vocabulary.channels or bundled.channels,
                      out_of_scope=vocabulary.out_of_scope or bundled.out_of_scope)


class Answerer:
    """Built once per corpus (the index), then `ask` as often as needed."""

    def __init__(self, corpus: Corpus, *, threshold: float = DEFAULT_THRESHOLD,
                 on_gap: Callable[[Answer], None] | None = None, semantic: bool | Embedder = True,
                 cache: Path | None = None) -> None:
        self._setup(list(corpus.sections.values()), corpus.vocabulary, corpus.version,
                    corpus.manifest.links_base, threshold, on_gap, semantic, cache)

    @classmethod
    def from_sections(cls, sections: Sequence[Section], *, vocabulary: Vocabulary | None = None,
                      version: str = "", links_base: str = "", threshold: float = DEFAULT_THRESHOLD,
                      on_gap: Callable[[Answer], None] | None = None, semantic: bool | Embedder = True,
                      cache: Path | None = None) -> Answerer:
        self = cls.__new__(cls)
        self._setup(list(sections), vocabulary or Vocabulary(), version, links_base, threshold, on_gap,
                    semantic, cache)
        return self

    def _setup(self, sections: list[Section], vocabulary: Vocabulary, version: str, links_base: str,
               threshold: float, on_gap: Callable[[Answer], None] | None, semantic: bool | Embedder,
               cache: Path | None) -> None:
        vocabulary = _with_bundled(vocabulary)
        self.version = version
        self.links_base = links_base
        self.threshold = threshold
        self.on_gap = on_gap
        # Semantic search is built by warm() (servers call it at start) or by the first question.
        self._semantic_wanted: bool | Embedder = semantic
        self._semantic: SemanticIndex | None = None
        self._elsewhere: np.ndarray | None = None   # embedded reference questions (warm())
        self._posting: np.ndarray | None = None
        self._warmed = False
        self._warm_lock = threading.Lock()
        self._cache = cache
        self.index = SectionIndex(sections, stopwords_of(vocabulary))
        self.analyzer = QueryAnalyzer(self.index.word_counts, vocabulary, related_words())
        # The organisation's own name is in every section and in many off-topic questions:
        # it says neither which section a question concerns nor that it concerns the policy.
        self.names = corpus_names(sections, exclude=vocabulary.channels)
        self._name_terms = frozenset(stem(n) for n in self.names)
        df = Counter(t for terms in self.index.term_sets for t in terms)
        self._domain_terms = frozenset(t for t, n in df.items()
                                       if n >= DOMAIN_SHARE * len(sections) and t not in self._name_terms)
        stopwords = stopwords_of(vocabulary)
        self._heading_terms = [frozenset(terms(f"{s.title} {s.category}", stopwords)) for s in sections]
        categories = {s.category for s in sections}
        self._prior = np.array([GENERAL_PRIOR if s.category == "general" and len(categories) > 1 else 1.0
                                for s in sections])

    @property
    def sections(self) -> list[Section]:
        return self.index.sections

    def warm(self) -> Answerer:
        """Load the embedding model and embed the corpus (or read its cached vectors) now.

        Servers call this at start so the first question is as fast as the rest. Without
        the model, BM25 alone answers (one warning says so). Safe to call more than once.
        """
        if self._warmed:
            return self
        with self._warm_lock:
            if not self._warmed:
                wanted = self._semantic_wanted
                embedder = wanted if isinstance(wanted, Embedder) else (load_embedder() if wanted else None)
                if embedder is not None and self.sections:
                    cache = self._cache or cache_dir()
                    self._semantic = SemanticIndex(self.sections, embedder, version=self.version, cache=cache)
                    elsewhere, posting = reference_questions()
                    self._elsewhere = embed_texts(embedder, elsewhere, cache, "elsewhere")
                    self._posting = embed_texts(embedder, posting, cache, "posting")
                self._warmed = True
        return self

    @property
    def semantic(self) -> bool:
        """True when answers use sentence embeddings as well as keywords."""
        return self.warm()._semantic is not None

    # -- asking ---------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        answer = self._ask(question if isinstance(question, str) else "")
        if answer.is_gap and self.on_gap is not None:
            self.on_gap(answer)
        return answer

    def _ask(self, question: str) -> Answer:
        text = question.strip()[:MAX_CHARS]
        if not text:
            return self._refusal(question, "empty", EMPTY)
        if not words(text):
            return self._refusal(question, "no_words", NO_WORDS)
        if looks_like_draft(question) and not (len(text) <= 400 and asks_leave(text)):
            return self._refusal(question, "draft", DRAFT)   # asked explicitly: a question wins over marks
        query = self.analyzer.analyze(text)
        if not query.concepts:
            return self._refusal(question, "no_words", NO_WORDS)
        closeness = self._closeness(query.semantic_text())
        similarity = closeness.sections if closeness is not None else None
        ranked = self.rank(query, similarity=similarity)
        if not ranked:
            return self._not_covered(question, text, 0.0)
        best, best_score = ranked[0]
        confidence = self.confidence(query, best)
        if closeness is not None:
            closest, vector = self._closest_without_names(query, closeness)
            confidence = max(confidence + SEMANTIC_WEIGHT * (closest - SEMANTIC_PIVOT),
                             (closest - SEMANTIC_FLOOR) / SEMANTIC_RANGE)
            beyond = self.elsewhere_margin(vector, closest) - ELSEWHERE_MARGIN
            if beyond > 0:
                confidence -= self.threshold * beyond / ELSEWHERE_SPAN
            confidence = min(1.0, max(0.0, confidence))
        # Another language matches by accident (German "den", "die"): ask for stronger evidence.
        needed = self.threshold + FOREIGN_MARGIN if looks_foreign(text) else self.threshold
        if confidence < needed:
            return self._not_covered(question, text, confidence)
        share = RELATED_SHARE if similarity is None else HYBRID_RELATED_SHARE
        related = [(i, s) for i, s in ranked[1:] if s >= share * best_score][:MAX_RELATED]
        quote = self._quote(query, best, closeness)
        citations = [self._citation(best, best_score, quote)]
        citations += [self._citation(i, s, self._quote(query, i, closeness)) for i, s in related]
        return Answer(question=question, answered=True, answer=quote, citations=tuple(citations),
                      confidence=round(confidence, 3), corpus_version=self.version)

    def _closest_without_names(self, query: Query, closeness: Closeness) -> tuple[float, np.ndarray | None]:
        """How close the question comes to any chunk once the corpus's name is taken out of it,
        and the embedding of the question so read.

        "How do I cite Matplotlib in my thesis" is close to a Matplotlib guide through the name
        alone; "how do I cite our organisation in my thesis" is not.
        """
        text = query.semantic_text()
        blind = without_names(text, self.names)
        if blind != text:
            closeness = self._closeness(blind) or closeness
        return float(closeness.sections.max()), closeness.vector

    def elsewhere_margin(self, vector: np.ndarray | None, closest: float) -> float:
        """How much closer the question is to an everyday workplace question that is not about
        posting than to the policy or to any generic question about posting (0 without them)."""
        if vector is None or self._elsewhere is None or not len(self._elsewhere):
            return 0.0
        posting = float((self._posting @ vector).max()) if self._posting is not None and len(self._posting) else -1.0
        return float((self._elsewhere @ vector).max()) - max(closest, posting)

    def _closeness(self, text: str) -> Closeness | None:
        """How close the question is to each chunk and section; None without the model.

        A question the model fails on is still answered, by keywords alone.
        """
        semantic = self.warm()._semantic
        if semantic is None:
            return None
        try:
            return semantic.search(text)
        except Exception as exc:  # onnxruntime raises its own unexported types
            log.warning("semantic search failed on a question (%s: %s); answering it with keywords alone",
                        type(exc).__name__, exc)
            return None

    def rank(self, query: Query, limit: int = 1 + MAX_RELATED,
             similarity: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Indices of the best sections and their scores, best first; only scores above zero.

        With `similarity` (per-section cosine), BM25 and semantic closeness are fused.
        """
        scores = self.index.scores(query.weighted_terms())
        if not len(scores):
            return []
        scores = scores * self._prior
        if similarity is not None:
            top_keyword = scores.max()
            keyword = scores / top_keyword if top_keyword > 0 else scores
            closeness = np.clip(1.0 - (similarity.max() - similarity) / SEMANTIC_SPAN, 0.0, 1.0)
            # General guidance is close to every question in meaning too: the same prior applies.
            scores = (KEYWORD_SHARE * keyword + (1.0 - KEYWORD_SHARE) * closeness) * self._prior
        top = np.argsort(-scores, kind="stable")[:limit]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def confidence(self, query: Query, section_index: int) -> float:
        """The share of what was asked that the section speaks to, each word weighted by rarity.

        A word the corpus never uses weighs like its rarest word: "printer" in a question
        is strong evidence the question is about something else.
        """
        present = self.index.term_sets[section_index]
        content = query.content
        total = covered = known_anywhere = 0.0
        for concept in content:
            own = [self.index.idf(t) for t, w in concept.terms.items() if w == 1.0]
            known = [x for x in own if x is not None]
            if not own:
                # Only vocabulary expansions ("down" -> outage): weighs like what it maps to.
                own = [self.index.idf(t) for t in concept.terms]
                known = [x for x in own if x is not None]
            weight = max(known) if known else self.index.unknown_idf
            if not known and concept.proper:
                weight *= NAME_WEIGHT  # a person or place the policy cannot be expected to name
            if self._semantic is not None and self._names_only(concept):
                # The corpus's own name: every section and many other topics share it. Keywords
                # alone still count it in full (they have no other sign that "the Matplotlib
                # account" is about the policy); it never marks the corpus's subject (below).
                weight *= NAME_WEIGHT
            weight = max(weight, 0.05 * self.index.unknown_idf)
            total += weight
            credit = CORRECTED_CREDIT if concept.corrected else 1.0
            # A word the policy never uses is still understood when the vocabulary maps it
            # to one it does ("rude" -> polite).
            if known or any(self.index.idf(t) is not None for t in concept.terms):
                known_anywhere += weight * credit
            if any(t in present for t in concept.terms):
                # A guessed spelling is weaker evidence than the word as typed.
                covered += weight * (CORRECTED_CREDIT if concept.corrected else 1.0)
        if not total:
            return 0.0
        typed = [c for c in content if not c.corrected and not self._names_only(c)]
        on_topic = query.mentions_channel or any(t in self._domain_terms for c in typed for t in c.terms)
        heading = self._heading_terms[section_index]
        titled = any(t in heading for c in typed for t in c.terms)
        score = (SECTION_WEIGHT * covered / total + CORPUS_WEIGHT * known_anywhere / total
                 + DOMAIN_WEIGHT * on_topic + HEADING_WEIGHT * titled)
        if query.off_topic and not query.mentions_channel:
            score *= OFF_TOPIC_FACTOR
        return min(score, 1.0)

    def _names_only(self, concept: Concept) -> bool:
        return bool(self._name_terms) and all(t in self._name_terms for t in concept.terms)

    # -- composing ------------------------------------------------------------------------------

    def _quote(self, query: Query, index: int, closeness: Closeness | None = None) -> str:
        """The section's passages that answer best: by the question's words, and, with the model,
        by the chunk closest in meaning (which alone decides when no word is shared)."""
        weights = query.weighted_terms()
        near = set(words(closeness.best_chunk(index))) if closeness is not None else set()

        def score(passage: str) -> float:
            surface = words(passage)
            stems = {_stem(w) for w in surface}
            lexical = sum(weights[t] * (self.index.idf(t) or 0.0) for t in stems if t in weights)
            inside = bool(surface) and sum(w in near for w in surface) >= NEAR_SHARE * len(surface)
            return lexical + (NEAR_BONUS if inside else 0.0)

        section = self.sections[index]
        picked = best_passages(section.text, score)
        return render(picked) if picked else section.title

    def _citation(self, index: int, score: float, quote: str) -> SourceCitation:
        section = self.sections[index]
        url = f"{self.links_base}#{section.id}" if self.links_base else ""
        return SourceCitation(policy=section.doc_id, section=section.id, title=section.title,
                              category=section.category, score=round(score, 4), quote=quote, url=url)

    def _refusal(self, question: str, reason: Reason, message: str) -> Answer:
        return Answer(question=question, answered=False, answer=message, citations=(), confidence=0.0,
                      corpus_version=self.version, reason=reason)

    def _not_covered(self, question: str, text: str, confidence: float) -> Answer:
        message = NOT_COVERED_FOREIGN if looks_foreign(text) else NOT_COVERED
        return Answer(question=question, answered=False, answer=message, citations=(),
                      confidence=round(confidence, 3), corpus_version=self.version, reason="not_covered")

