"""Phone numbers written in words or spaced out: 'five five five, one two three four'.

Number words (and 'oh', 'double', 'triple') between spaces, commas, dots or hyphens are
read as digits; a run of seven or more digits, at least three of them written as words,
is a phone number however it is spelled. Digits written one by one with spaces are
already read by the phone detector.
"""

from __future__ import annotations

import re

from bot.checker.detectors import Hit
from bot.checker.normalize import Normalized

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "niner": "9",
    # Spanish, Portuguese, French, German (words shared between languages are listed once)
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
    "siete": "7", "ocho": "8", "nueve": "9", "um": "1", "dois": "2", "três": "3", "quatro": "4",
    "sete": "7", "oito": "8", "nove": "9", "zéro": "0", "deux": "2", "trois": "3", "quatre": "4",
    "cinq": "5", "sept": "7", "huit": "8", "neuf": "9", "null": "0", "eins": "1", "zwei": "2",
    "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
}
_REPEAT = {"double": 2, "triple": 3}
_TOKEN = re.compile(r"[a-zà-ÿ]+|\d+")
_GLUE = re.compile(r"[\s,.\-/–—()+]*")
_MIN_DIGITS = 7
_MIN_WORDS = 3
_COUNTING = "0123456789" "9876543210"      # 'one, two, three, …' is counting, not a number
_NUMBER = ("(?:" + "|".join(sorted((w for w in _DIGIT_WORDS if len(w) > 1 or w == "o"), key=len, reverse=True))
           + r"|double|triple|\d{1,4})")
_STRETCH = re.compile(rf"(?<![\w]){_NUMBER}(?![\w])(?:[\s,.\-/–—()+]*{_NUMBER}(?![\w])){{3,}}")


def detect_spelled_phone(n: Normalized) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    # One regex pass finds stretches of four or more number words; only those are parsed.
    for stretch in _STRETCH.finditer(text):
        pos, stop = stretch.start(), stretch.end()
        while pos < stop:
            run = _run_at(text, pos)
            if run is None:
                break
            start, end, digits, words = run
            if len(digits) >= _MIN_DIGITS and words >= _MIN_WORDS and digits not in _COUNTING:
                s, e = n.span(start, end)
                hits.append(Hit(s, e, "phone", "a phone number spelled out in words"))
            nxt = _TOKEN.search(text, end)
            if nxt is None or end == pos:
                break
            pos = nxt.start()
    return hits


def _run_at(text: str, pos: int) -> tuple[int, int, str, int] | None:
    """The number-word run starting at `pos`: span, its digits, and how many were words."""
    m = _TOKEN.match(text, pos)
    if m is None or (pos and text[pos - 1].isalnum()):
        return None
    digits, words, end, repeat = "", 0, pos, 1
    while m is not None:
        token = m.group()
        if token in _REPEAT and repeat == 1:
            repeat = _REPEAT[token]
        elif token in _DIGIT_WORDS and not (token in ("o", "oh") and not digits):
            digits += _DIGIT_WORDS[token] * repeat
            words += 1
            repeat, end = 1, m.end()
        elif token.isdigit():
            digits += token * repeat
            repeat, end = 1, m.end()
        else:
            break
        if m.end() < len(text) and text[m.end()].isalnum():
            break
        glue = _GLUE.match(text, m.end())
        m = _TOKEN.match(text, glue.end() if glue else m.end())
    if not digits:
        return None
    return pos, end, digits, words
