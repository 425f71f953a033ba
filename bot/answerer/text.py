"""Normalising chat text and policy text into comparable terms.

Both sides go through the same steps (case folding, punctuation, a light stemmer),
so "Posting pics?" and "post a photo" can meet on the same stems.
"""

from __future__ import annotations

import re
import unicodedata

# Common English function words; a corpus adds its own in vocabulary.yaml.
ENGLISH_STOPWORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren", "arent", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cant", "could", "couldnt", "did", "didnt", "do", "does", "doesnt", "doing", "dont", "down", "during", "each", "few", "for", "from", "further", "get", "gets", "got", "had", "hadnt", "has", "hasnt", "have", "havent", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "id", "if", "im", "in", "into", "is", "isnt", "it", "its", "itself", "ive", "just", "let", "lets", "me", "might", "more", "most", "much", "must", "mustnt", "my", "myself", "need", "needs", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "shall", "she", "should", "shouldnt", "so", "some", "such", "than", "that", "thats", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "us", "very", "was", "wasnt", "we", "were", "what", "whats", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "wont", "would", "wouldnt", "you", "your", "youre", "yours", "yourself", "yourselves", "also", "ever", "every", "may", "want", "wants", "okay", "ok", "yes", "yeah", "one", "ones", "way", "go", "going", "know", "think", "say", "says", "said", "tell", "make", "sure", "able", "use", "today", "tomorrow", "yesterday", "tonight", "week", "weeks", "day", "days", "month", "months", "year", "years", "next", "last", "many", "lot", "lots", "bit", "maybe", "kind", "sort", "find", "found", "get", "give", "gave", "given", "take", "took", "taken", "see", "saw", "seen", "look", "looking", "try", "trying", "come", "came", "put", "keep", "let", "got", "getting"])

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def fold(text: str) -> str:
    """NFKC, lower case, accents removed (so 'café' matches 'cafe')."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Surface words in order: "Don't share Contoso's e-mail!" -> [dont, share, contoso, email]."""
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group()
        if word.endswith("'s"):
            word = word[:-2]
        word = word.replace("'", "")
        if "-" in word:
            out.append(word.replace("-", ""))  # e-mail -> email, co-worker -> coworker
        elif word:
            out.append(word)
    return out


_VOWELS = frozenset("aeiouy")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ness", "ings", "ing", "ions", "ion",
             "ities", "ity", "ure", "ed", "ly")
_KEEP_S = ("ss", "us", "is", "news")
_KEEP_LY = frozenset({"supply", "multiply", "family", "assembly", "anomaly"})


def stem(word: str) -> str:
    """A light English stemmer: plurals and common verb/noun endings.

    Deliberately simpler than Porter: it only has to map the forms people type
    (post, posts, posting, posted) onto one key, the same way for corpus and question.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(_KEEP_S):
        word = word[:-1]
    for suffix in _SUFFIXES:
        if suffix == "ly" and (len(word) < 6 or word in _KEEP_LY):
            continue  # reply, apply, family: not adverbs
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if any(c in _VOWELS for c in base):
                word = base
            break
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1] + "i"
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    return word


def terms(text: str, stopwords: frozenset[str] = ENGLISH_STOPWORDS) -> list[str]:
    """Stemmed content terms of a text, in order, stopwords dropped."""
    return [stem(w) for w in words(text) if w not in stopwords]


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def plain(markdown: str) -> str:
    """Markdown inline markup removed, words kept verbatim: '[code](x) **now**' -> 'code now'."""
    return _EMPHASIS.sub("", _LINK.sub(r"\1", markdown)).strip()
