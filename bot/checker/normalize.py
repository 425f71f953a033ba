"""Normalise a draft for matching, keeping a map back to the text as written.

`normalize(text)` returns two views of the draft:

- `text`: NFKC, invisible characters (zero-width, bidi controls, soft hyphen, tag
  characters) removed, control characters turned into spaces, Cyrillic/Greek
  look-alikes folded to Latin inside words that mix scripts, casefolded;
- `folded`: `text` with leetspeak folded (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s) inside
  words that contain letters, so that 'm0r0ns' reads 'morons' while '2024',
  '3.14.159' and '$29' stay as they are. It always has the length of `text`.

`Normalized.span` maps a span of either view back to the draft as written, which
is what findings report. Most drafts are ASCII or need no length-changing step;
then the views are built with `str.translate` and no offset table at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

# Characters that render as nothing (or only steer layout) and are used to split
# words past a filter: zero-width space/joiners, word joiner, bidi embeddings and
# isolates, soft hyphen, BOM, Mongolian vowel separator, invisible operators,
# Hangul fillers, and the tag characters.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3), (0xE0000, 0xE007F),
)
_INVISIBLE_CLASS = "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _INVISIBLE_RANGES) + "]"
INVISIBLE = re.compile(_INVISIBLE_CLASS)  # one invisible character; the secret detector uses it too
_INVISIBLE_RUN_RE = re.compile(_INVISIBLE_CLASS + "+")

# Control characters (other than tab and newlines) become spaces: same length,
# and they can no longer glue or split words. Lone surrogates are left alone.
_CONTROL_TABLE = {c: " " for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F,
                                   *range(0x80, 0xA0))}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Look-alikes of Latin letters, case preserved (casefolding comes after).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ү": "y", "ӏ": "l", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J", "Һ": "H",
    "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ѵ": "V", "Ү": "Y", "Ӏ": "I",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
# Look-alikes that are indistinguishable from a Latin letter in lower case: a word
# written only with these (e.g. 'сор') is folded even with no Latin letter in it.
_PURE_LOOKALIKES = frozenset("аеорсухѕіјһԁԛԝѵүӏɡαοιν")
_HAS_GREEK_OR_CYRILLIC = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0261]")

# Leetspeak. A run is folded when it sits between letters ('m0r0ns', 'p@ssw0rd'),
# when a digit run leads three or more letters ('1diot', but not '4th' or '3d'),
# or when it trails letters and is doubled ('a55') or the word already had an inner
# fold ('h3ll0'). Trailing single digits stay: 'q3', 'mp3', 'ipv4', 'web3'.
_LEET_TABLE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_CHARS = frozenset("013457@$")
_LEET_INNER = re.compile(r"(?<=[^\W\d_])[013457@$]+(?=[^\W\d_])")
_LEET_LEAD = re.compile(r"^[013457]+(?=[^\W\d_]{3})")
_LEET_TRAIL = re.compile(r"(?<=[^\W\d_])[013457@$]+$")


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str
    folded: str
    # Per character of `text`: where its source starts and ends in `original`.
    # None when `text` is as long as `original` and aligned with it.
    _starts: tuple[int, ...] | None = field(default=None, repr=False, compare=False)
    _ends: tuple[int, ...] | None = field(default=None, repr=False, compare=False)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text`/`folded` to a span of `original`."""
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if self._starts is None or self._ends is None:
            return start, end
        if start == end:
            pos = self._starts[start] if start < n else len(self.original)
            return pos, pos
        return self._starts[start], self._ends[end - 1]


def normalize(text: str) -> Normalized:
    s = text.translate(_CONTROL_TABLE) if _CONTROL_RE.search(text) is not None else text
    if s.isascii():
        # ASCII is already NFKC, has no invisible characters or look-alikes, and
        # lower() is its casefold: every step keeps the length.
        low = s.lower()
        return Normalized(text, low, _fold_leet(low))

    starts: list[int] | None = None
    ends: list[int] | None = None
    if INVISIBLE.search(s) is not None or not unicodedata.is_normalized("NFKC", s):
        s, starts, ends = _nfkc_with_offsets(s)
    if _HAS_GREEK_OR_CYRILLIC.search(s) is not None:
        s = _fold_homoglyphs(s)
    low = s.casefold()
    if len(low) != len(s):
        low, starts, ends = _casefold_with_offsets(s, starts, ends)
    return Normalized(
        text, low, _fold_leet(low),
        tuple(starts) if starts is not None else None,
        tuple(ends) if ends is not None else None,
    )


def _nfkc_with_offsets(s: str) -> tuple[str, list[int], list[int]]:
    """NFKC and invisible removal. Stretches that are already NFKC are copied whole."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _INVISIBLE_RUN_RE.finditer(s + "\u200b"):  # the sentinel closes the last stretch
        a, b = pos, m.start()
        pos = m.end()
        if a == b:
            continue
        piece = s[a:b]
        if unicodedata.is_normalized("NFKC", piece):
            out.append(piece)
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:
            _nfkc_clusters(s, a, b, out, starts, ends)
    return "".join(out), starts, ends


def _nfkc_clusters(s: str, i: int, n: int, out: list[str], starts: list[int], ends: list[int]) -> None:
    """NFKC of s[i:n] one cluster (a character and its combining marks) at a time."""
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", s[i:j])
        out.append(piece)
        if len(piece) == j - i:
            starts.extend(range(i, j))
            ends.extend(range(i + 1, j + 1))
        else:
            starts.extend([i] * len(piece))
            ends.extend([j] * len(piece))
        i = j


def _casefold_with_offsets(
    s: str, starts: list[int] | None, ends: list[int] | None
) -> tuple[str, list[int], list[int]]:
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    for i, ch in enumerate(s):
        piece = ch.casefold()
        out.append(piece)
        st = starts[i] if starts is not None else i
        en = ends[i] if ends is not None else i + 1
        new_starts.extend([st] * len(piece))
        new_ends.extend([en] * len(piece))
    return "".join(out), new_starts, new_ends


def _fold_homoglyphs(s: str) -> str:
    """Fold look-alikes in words that mix scripts ('іdіot') or are made only of look-alikes."""
    parts: list[str] = []
    done = 0
    for m in _HAS_GREEK_OR_CYRILLIC.finditer(s):
        if m.start() < done:
            continue  # in a word already seen
        start, end = m.start(), m.end()
        while start and s[start - 1].isalpha():
            start -= 1
        while end < len(s) and s[end].isalpha():
            end += 1
        word = s[start:end]
        if any(c.isascii() for c in word) or all(c.lower() in _PURE_LOOKALIKES for c in word):
            parts.append(s[done:start])
            parts.append(word.translate(_HOMOGLYPH_TABLE))
            done = end
    if not parts:
        return s
    parts.append(s[done:])
    return "".join(parts)


# For finding leetspeak fast: a one-byte-per-character "shape" of the text where
# ASCII letters read 'a', leet characters '0', other word characters '9' and
# everything else (non-ASCII included) ' '.
_SHAPE = bytes(
    ord("a") if chr(b).isalpha() else ord("0") if chr(b) in _LEET_CHARS
    else ord("9") if chr(b).isalnum() or chr(b) == "_" else ord(" ")
    for b in range(256)
)


def _fold_leet(text: str) -> str:
    if _LEET_CHARS.isdisjoint(text):
        return text
    shape = text.encode("ascii", "replace").translate(_SHAPE)
    if b"a0" not in shape and b"0a" not in shape:
        return text
    parts: list[str] = []
    done = 0
    for m in _LEET_ADJACENT.finditer(shape):
        if m.start() < done:
            continue
        start = shape.rfind(b" ", 0, m.start()) + 1
        end = shape.find(b" ", m.end())
        end = len(text) if end < 0 else end
        token = text[start:end]
        folded = _fold_leet_token(token)
        if folded != token:
            parts.append(text[done:start])
            parts.append(folded)
            done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


_LEET_ADJACENT = re.compile(rb"a0|0a")


@functools.lru_cache(maxsize=4096)  # the same few tokens ('q3', '2fa', 'm0r0ns') come back often
def _fold_leet_token(token: str) -> str:
    if not any(c.isalpha() for c in token):
        return token
    folded = _LEET_INNER.sub(lambda r: r.group().translate(_LEET_TABLE), token)
    inner = folded != token
    folded = _LEET_LEAD.sub(lambda r: r.group().translate(_LEET_TABLE), folded)

    def trail(r: re.Match[str]) -> str:
        run = r.group()
        return run.translate(_LEET_TABLE) if inner or len(run) >= 2 else run

    return _LEET_TRAIL.sub(trail, folded)
