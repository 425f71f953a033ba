"""Is a chat line a question about the policy, or a draft post to check?

Cheap signals only, so the terminal chat can route every line: a question asks
(question mark, interrogative opening, "can I …" anywhere); a draft announces
(hashtags, links, mentions, emoji, several sentences, exclamation marks).
"""

from __future__ import annotations

import re

from bot.answerer.text import fold, words

_OPENERS = frozenset(["can", "could", "may", "might", "should", "shall", "must", "is", "are", "am", "was", "were", "do", "does", "did", "will", "would", "how", "what", "whats", "who", "whom", "whose", "which", "when", "where", "why", "if", "any", "anything", "anyone", "anybody", "isnt", "arent", "dont", "doesnt", "cant"])
_ASKING = re.compile(
    r"\b(?:can|could|may|should|must|do|am|is|are|does)\s+(?:i|we|you|they|someone|employees|people|it|this|that)\b"
    r"|\b(?:is it|is that|is this)\s+(?:ok|okay|fine|allowed|alright|legal)\b"
    r"|\b(?:who|what|how|when|where|why|which)\b[^.!]*$"
    r"|\b(?:allowed to|ok to|okay to|fine to|rules? (?:on|for|about)|policy (?:on|for|about))\b"
    r"|\b(?:i wonder|wondering|not sure|unsure|any idea|tell me|explain)\b",
)
# Someone asking what they may do ("can I", "do we", "is it ok to"): a draft speaks to its audience,
# not about the writer's permission, so one hashtag or mention in such a line is a quoted example.
_ASKING_PERMISSION = re.compile(
    r"\b(?:can|could|may|should|must|do|does)\s+(?:i|we)\b|\bis it\s+(?:ok|okay|fine|allowed|alright)\b"
)
_DRAFT_SIGNS = re.compile(
    r"(?:^|\s)#\w|https?://|www\.|(?:^|\s)@\w|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_SENTENCE = re.compile(r"[.!?]+(?:\s|$)")
# Asking whether something may be posted, wherever it stands in the line ("… is #employee enough",
# "… any issue", "… good to go?"): an explicit `ask` with one of these is a question, marks or not.
_ASKS_LEAVE = re.compile(
    r"\b(?:can|could|may|should|must)\s+(?:i|we)\b|\bis\s+(?:it|that|this|\S+)\s+(?:ok|okay|fine|allowed|enough|alright)\b"
    r"|\bdoes\s+(?:it|this|that)\s+need\b|\bany\s+(?:issues?|problems?|concerns?|risk)\b|\bgood to go\b"
    r"|\b(?:am i|are we)\s+allowed\b|\bwho\s+(?:signs off|approves|do i ask)\b"
)

# Function words of languages Steward does not answer in yet (a polite note, not a block).
_FOREIGN = frozenset(["der", "die", "das", "und", "ist", "nicht", "ich", "wir", "sie", "ein", "eine", "mit", "auf", "fur", "darf", "kann", "wie", "was", "oder", "auch", "el", "la", "los", "las", "que", "es", "una", "por", "para", "con", "puedo", "sobre", "como", "del", "pero", "se", "mi", "le", "les", "des", "est", "pas", "je", "nous", "vous", "une", "pour", "avec", "sur", "peux", "est-ce", "il", "che", "non", "per", "sono", "posso", "della"])
_ENGLISH_HINTS = frozenset(["the", "a", "an", "is", "are", "can", "i", "we", "you", "my", "our", "to", "of", "in", "on", "about", "and", "or", "it", "this", "that", "do", "does", "what", "how", "who"])


def looks_like_question(text: str) -> bool:
    """True when the line reads as a question (answer it); False when it reads as a draft (check it)."""
    stripped = text.strip()
    if not stripped:
        return False
    lowered = fold(stripped)
    first = words(lowered[:40])
    opener = bool(first) and first[0] in _OPENERS
    asks = stripped.endswith("?") or opener or bool(_ASKING.search(lowered))
    drafty = len(_DRAFT_SIGNS.findall(stripped)) + (stripped.count("!") > 0) + (len(_SENTENCE.findall(stripped)) > 2)
    if len(stripped) > 600:
        return False                   # a question is short; a long text is a post or a document
    if stripped.endswith("?") and drafty < 2:
        return True
    if drafty == 1 and "!" not in stripped and _ASKING_PERMISSION.search(lowered):
        return True                    # "is it ok to use #ad here", "can I tag @acme in it"
    return asks and drafty == 0 or (opener and drafty <= 1)


def asks_leave(text: str) -> bool:
    """True when the line asks, somewhere, whether something may be posted (see _ASKS_LEAVE)."""
    return bool(_ASKS_LEAVE.search(fold(text)))


def looks_like_draft(text: str) -> bool:
    """Stronger than 'not a question': shows the marks of a post (hashtags, links, emoji, length)."""
    stripped = text.strip()
    if not stripped or looks_like_question(stripped):
        return False
    signs = len(_DRAFT_SIGNS.findall(stripped)) + stripped.count("!")
    return signs >= 1 or len(stripped) > 280 or len(_SENTENCE.findall(stripped)) >= 2


def looks_foreign(text: str) -> bool:
    """More function words of German, Spanish, French or Italian than of English."""
    tokens = words(text)
    foreign = sum(t in _FOREIGN for t in tokens)
    english = sum(t in _ENGLISH_HINTS for t in tokens)
    return foreign >= 2 and foreign > english
