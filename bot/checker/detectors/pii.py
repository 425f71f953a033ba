"""Detectors of other people's personal data: e-mail, phone, card, IBAN, national ids.

They read the normalised view (`Normalized.text`: NFKC, casefolded, invisible
characters removed) and report spans in the draft as written. Each one prefers a
missed oddity to a false alarm on everyday text: numbers that are orders,
tickets, versions, dates, prices or rooms are not personal data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from bot.checker.detectors import Hit
from bot.checker.detectors.spelled import detect_spelled_phone
from bot.checker.normalize import Normalized

# ---------------------------------------------------------------- e-mail


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_LOCAL = r"[a-z0-9](?:[a-z0-9._%+\-]{0,63}[a-z0-9_%+\-])?"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?"
_EMAIL = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+([a-z]{{2,24}}))(?![\w\-@])(?!\.[a-z0-9])")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._%+-")
# Common top-level domains: an address typed with spaces or words in it must end in one.
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|dev|app|me|info|biz|us|uk|ca|de|fr|es|it|nl|be|ch|at|se|no|"
    "dk|fi|pl|pt|ie|au|nz|in|jp|cn|kr|br|mx|ru|za|sg|hk|tw|il|tr|gr|cz|hu|ro|ua|ar|cl|eu|xyz|online|"
    "site|tech|email|cloud|ly|gg|tv|fm|ac|id|my|ph|vn|th|pk|ng|ke|eg|sa|ae|lu|is|ee|lv|lt|sk|si|hr|rs|bg"
)
_DOT_WORD = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_DOT_ANY = rf"(?:{_DOT_WORD}|\s*\.\s*)"
# The separator between the user and the domain, matched at a candidate 'at' or '@'.
_AT_SEPARATOR = re.compile(r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+|\s*@\s*")
_AT_ANCHOR = re.compile(r"at(?=[\s\])}>])|@")
_OBF_DOMAIN = re.compile(rf"(?:{_LABEL}{_DOT_ANY}){{1,3}}(?:{_TLDS})(?![\w\-])")
_OBF_LOCAL_REVERSED = re.compile(
    r"[a-z0-9_%+\-]+(?:(?:\.|\s+tod\s+|\s*[\])}>]\s*tod\s*[\[({<]\s*)[a-z0-9_%+\-]+){0,3}(?![\w.@])"
)
_URL_USERINFO = re.compile(r"://[^\s/@:]*:$")
# A word before a bare ' at ' that makes it prose ("look at google dot com").
_PROSE_BEFORE_AT = _wordset(
    "look looking looked me us him her them you it this that is are was were be been am here there "
    "home work working worked meet meeting see seen good great best bad back out up down stay staying "
    "arrive arrived available online find found live lives living hired start started job jobs intern "
    "read shop buy apply visit sign register order or and but not also now just only all anyone someone "
    "everyone people team we i they he she one time noon night sale point aim aimed laugh laughing "
    "stare staring hello hi hey email mail message contact reach reachable anything m s re ll ve d t "
    "him her me lunch dinner breakfast coffee follow following followed check join via on in to from by "
    "for with tag dm ping"
)
_MAIL_PROVIDERS = _wordset(
    "gmail googlemail yahoo hotmail outlook live msn icloud me mac aol proton protonmail pm gmx yandex "
    "zoho fastmail hey mail tutanota comcast verizon att sbcglobal qq 163"
)
# Image names like logo@2x.png are not addresses.
_FILE_TLDS = _wordset("png jpg jpeg gif svg webp ico bmp tiff pdf")


def detect_email(n: Normalized) -> list[Hit]:
    text = n.text
    spans: list[tuple[int, int, bool]] = []   # (start, end, obfuscated) in `text`
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        while start < at and not text[start].isalnum():
            start += 1
        m = _EMAIL.match(text, start)
        if m is not None and start < at and _plain_address(text, m):
            spans.append((m.start(), m.end(), False))
        at = text.find("@", at + 1)
    for anchor in _AT_ANCHOR.finditer(text):
        pos = anchor.start()
        if text[pos] == "a" and (pos == 0 or text[pos - 1] not in " \t\n[({<"):
            continue  # 'that', 'what': not a separate 'at'
        found = _obfuscated_at(text, pos)
        if found is not None and not any(s < found[1] and found[0] < e for s, e, _ in spans):
            spans.append((*found, True))
    hits = []
    for start, end, obfuscated in sorted(spans):
        detail = "an e-mail address written to dodge filters" if obfuscated else "an e-mail address"
        hits.append(_hit(n, start, end, "email", detail))
    return hits


def _plain_address(text: str, m: re.Match[str]) -> bool:
    if m.start() > 0 and text[m.start() - 1] in "@.":
        return False
    if m.group(3) in _FILE_TLDS or m.group(1) == "git" and text.startswith(":", m.end()):
        return False
    # The password@host part of https://user:password@host is a credential, not an address.
    return _URL_USERINFO.search(text, max(0, m.start() - 200), m.start()) is None


def _obfuscated_at(text: str, pos: int) -> tuple[int, int] | None:
    """An address spelled around the 'at'/'@' at `pos`: 'jane dot doe at gmail dot com', 'jane[at]x[dot]org'."""
    # The separator may open before pos: ' at ' with its spaces, '[at]' with its bracket.
    lo = pos
    while lo > 0 and pos - lo < 3 and text[lo - 1] in " \t\n[({<":
        lo -= 1
    sep = None
    for begin in range(lo, pos + 1):
        sep = _AT_SEPARATOR.match(text, begin)
        if sep is not None and sep.end() > pos:
            break
        sep = None
    if sep is None or sep.start() == 0:
        return None
    domain = _OBF_DOMAIN.match(text, sep.end())
    if domain is None:
        return None
    before = text[max(0, sep.start() - 80):sep.start()][::-1]
    local = _OBF_LOCAL_REVERSED.match(before)
    if local is None:
        return None
    start = sep.start() - local.end()
    separator = sep.group().strip()
    last = re.split(r"\.|\s+dot\s+|[\[({<]\s*dot\s*[\])}>]", local.group()[::-1])[-1]
    if separator == "@":
        # A real '@' (the plain scan finds ordinary addresses): spaced out ('jane @
        # gmail.com') or with spaced or spelled dots ('jane.doe@gmail . com').
        spaced = sep.group() != "@" and last not in _PROSE_BEFORE_AT
        if not spaced and not re.search(r"\s\.|\.\s|dot", domain.group()):
            return None
    elif separator == "at":
        # A bare ' at ': the word before it must not be prose ('look at google dot com').
        if last in _PROSE_BEFORE_AT:
            return None
        # 'jane at gmail.com' with a real dot: only with a mail provider's domain, or a
        # user part no prose word has ('jane.doe', 'jdoe82'); 'I work at northwind.com' is prose.
        if " dot " not in domain.group() and not (
            domain.group().split(".")[0].strip() in _MAIL_PROVIDERS or re.search(r"[\d._]", local.group())
        ):
            return None
    return start, domain.end()


# ---------------------------------------------------------------- numbers

# Separators people put in numbers, including the bullets and dots used to write
# a phone number past a filter (206•555•0172).
_BULLETS = "•·∙‧・･⋅◦‐‑‒–—"
_DIGIT_RUN = re.compile(rf"\d(?:[ \t().\-/{_BULLETS}]{{0,3}}\d)*")


@functools.lru_cache(maxsize=16)
def _digit_runs(text: str) -> tuple[tuple[int, int, int], ...]:
    """(start, end, digit count) of each stretch of digits and separators in the text.

    One scan per draft, shared by the number detectors: the engine hands them all
    the same `Normalized`, whose `text` hashes once.
    """
    out = []
    for m in _DIGIT_RUN.finditer(text):
        s, e = m.span()
        out.append((s, e, e - s if e - s < 3 else sum(c.isdigit() for c in m.group())))
    return tuple(out)


def _isolated(text: str, start: int, end: int) -> bool:
    """Not glued to a word, nor part of a decimal, version, time or list of numbers."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or before in "_.,/:-$€£¥#" or after.isalnum() or after in "_-@":
        return False
    return not (after in ".,:/" and end + 1 < len(text) and text[end + 1].isdigit())


# ---------------------------------------------------------------- phone

DEFAULT_PHONE_REGION = "US"
# For the phone detector only, bullets read as dashes (the same length, so offsets hold).
_PHONE_SEPARATORS = str.maketrans({c: "-" for c in _BULLETS})
_BULLET_RE = re.compile(f"[{_BULLETS}]")
_DATE = re.compile(r"(?:19|20)\d\d([-/.])[01]?\d\1[0-3]?\d|[0-3]?\d([-/.])[01]?\d\2(?:19|20)?\d\d")
_LOCAL_NUMBER = re.compile(r"[2-9]\d{2}[-. ]\d{4}")
_PHONE_CUE = re.compile(r"\b(?:call|text|txt|phone|cell|mobile|mob|tel|number|reach|ring|whatsapp|signal|sms|"
                        r"dial|fax)\b\W{0,3}(?:\w+\W{1,3}){0,3}$")
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?:\b(?:order|orders|invoice|inv|ticket|tickets|tkt|case|tracking|track|ref|reference|confirmation|"
    r"conf|account|acct|po|sku|serial|s/n|room|rm|flight|build|issue|bug|pr|patent|claim|policy|transaction|"
    r"txn|receipt|booking|reservation|member|membership|customer|employee|badge|isbn|version|ver|release|"
    r"item|part|model|lot|batch|job|request|req|incident|inc|change|chg|id)\b\W{0,3}"
    r"(?:#|no\.?|nr\.?|num(?:ber)?|id|code|is|was)?\W{0,3}|[#$€£¥№]\s?)$"
)


def phone_detector(region: str = DEFAULT_PHONE_REGION) -> Callable[[Normalized], list[Hit]]:
    """A phone detector for numbers written without a country code in `region` (ISO 3166 alpha-2)."""
    region = region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r}: use an ISO 3166 code such as 'US' or 'GB'")

    def detect(n: Normalized) -> list[Hit]:
        return _detect_phone(n, region) + detect_spelled_phone(n)

    return detect


def detect_phone(n: Normalized) -> list[Hit]:
    return _detect_phone(n, DEFAULT_PHONE_REGION) + detect_spelled_phone(n)


@functools.lru_cache(maxsize=64)
def _region_lengths(region: str) -> frozenset[int]:
    """Digit counts a number of the region can be written with: national, with a trunk prefix or country code."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or not meta.general_desc or not meta.general_desc.possible_length:
        return frozenset(range(7, 16))
    code = len(str(meta.country_code))
    return frozenset(n + extra for n in meta.general_desc.possible_length for extra in (0, 1, code, code + 1))


def _valid_number(window: str, region: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(window, region)))
    except phonenumbers.NumberParseException:
        return False


def _decimal_edge(window: str, start: int, end: int) -> bool:
    before = window[max(0, start - 2):start]
    after = window[end:end + 2]
    return (len(before) == 2 and before[1] in ".," and before[0].isdigit()) or \
        (len(after) == 2 and after[0] in ".," and after[1].isdigit())


def _detect_phone(n: Normalized, region: str) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    for start, end, digits in _digit_runs(text):
        if digits < 7:
            continue
        # Take in a leading '+' or '(' ('+44 20…', '(206) 555…').
        while start and text[start - 1] in "+(" or start > 1 and text[start - 2:start] in ("+ ", "( "):
            start -= 1 if text[start - 1] in "+(" else 2
        if not _isolated(text, start, end) or _NOT_A_PHONE_BEFORE.search(text, max(0, start - 40), start):
            continue
        if _DATE.fullmatch(text, start, end):
            continue
        cards = _card_spans(text, start, end) if digits >= 13 else []
        if digits <= 15:
            windows = [(start, end)] if not cards else []
        else:
            windows = _phone_windows(text, start, end, cards)
        for lo, hi in windows:
            hits.extend(_phones_in(n, lo, hi, region))
    return hits


def _phone_windows(text: str, start: int, end: int, cards: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Several numbers in one stretch ('206 555 0148 206 555 0172'): windows of 10 to 15 digits."""
    groups = [(m.start(), m.end()) for m in _DIGITS.finditer(text, start, end)]
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(groups) and len(windows) < 6:
        count, j = 0, i
        while j < len(groups) and count < 10:
            count += groups[j][1] - groups[j][0]
            j += 1
        lo, hi = groups[i][0], groups[j - 1][1]
        if 10 <= count <= 15 and not any(s < hi and lo < e for s, e in cards):
            lo = start if i == 0 else lo  # keep a leading '+' or '('
            windows.append((lo, hi))
            i = j
        else:
            i += 1
    return windows


def _phones_in(n: Normalized, start: int, end: int, region: str) -> list[Hit]:
    text = n.text
    window = text[start:end]
    if _BULLET_RE.search(window) is not None:
        window = window.translate(_PHONE_SEPARATORS)
    # Leniency.VALID: the number must be valid for its region (real area codes,
    # lengths). That keeps 555-01xx numbers (well formed, and still "a phone
    # number" in a post) and drops 1234567890, (555) 123-4567, IP addresses.
    # A number written with '+' and a country code is a phone number even when
    # its range is unassigned (+44 7700 900123): there it need only be possible.
    leniency = Leniency.POSSIBLE if window.startswith("+") else Leniency.VALID
    digits = sum(c.isdigit() for c in window)
    hits = []
    spans: list[tuple[int, int]]
    if leniency is Leniency.VALID:
        # The window holds one candidate: parsing it costs half as much as the matcher,
        # and a digit count no number of the region has costs nothing to rule out.
        ok = digits in _region_lengths(region) and _valid_number(window, region)
        spans = [(0, len(window))] if ok else []
    else:
        spans = [(m.start, m.end) for m in PhoneNumberMatcher(window, region, leniency=leniency)]
    for lo, hi in spans:
        if sum(c.isdigit() for c in window[lo:hi]) >= 7 and not _decimal_edge(window, lo, hi):
            # (and not the digits of a decimal number: 2.7182818284)
            hits.append(_hit(n, start + lo, start + hi, "phone", "a phone number"))
    if not hits and digits == 7 and _LOCAL_NUMBER.fullmatch(window) \
            and _PHONE_CUE.search(text, max(0, start - 30), start):
        # 555-0148: a local number, no area code; a phone number when introduced as one.
        hits.append(_hit(n, start, end, "phone", "a phone number"))
    return hits


# ---------------------------------------------------------------- payment card

_DIGITS = re.compile(r"\d+")
_NOT_A_CARD_BEFORE = re.compile(
    r"\b(?:order|invoice|inv|ticket|tkt|tracking|shipment|reference|ref|confirmation|case|serial|po|"
    r"isbn|imei|sku|account|acct|iban|routing)\b\W{0,3}(?:#|no\.?|number|num|id|is)?\W{0,3}$|#\s?$"
)
_EXPIRY = re.compile(r"\b(?:exp(?:iry|ires|iration)?\.?|valid thru|good thru)\W{0,3}(?:0[1-9]|1[0-2])\s?/\s?\d{2}(?:\d{2})?\b"
                     r"|\b(?:0[1-9]|1[0-2])/(?:2\d|\d{4})\b")


def detect_card(n: Normalized) -> list[Hit]:
    text = n.text
    hits = []
    for run_start, run_end, digits in _digit_runs(text):
        if digits < 13:
            continue
        for start, end in _card_spans(text, run_start, run_end):
            near = text[max(0, start - 60):end + 60]
            detail = "a payment card number with its expiry date" if _EXPIRY.search(near) else "a payment card number"
            hits.append(_hit(n, start, end, "card", detail))
    return hits


def _card_spans(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Card numbers in the run text[lo:hi]: consecutive digit groups, grouped like a card, Luhn-valid."""
    groups = [(m.start(), m.end()) for m in _DIGITS.finditer(text, lo, hi)]
    spans = []
    i = 0
    while i < len(groups):
        best = None
        sep = ""
        for j in range(i, min(len(groups), i + 5)):
            if j > i:
                between = text[groups[j - 1][1]:groups[j][0]]
                if between not in (" ", "-") or (sep and between != sep):
                    break
                sep = between
            lengths = [e - s for s, e in groups[i:j + 1]]
            if sum(lengths) > 19:
                break
            if sum(lengths) >= 13 and _grouped_like_a_card(lengths):
                start, end = groups[i][0], groups[j][1]
                digits = text[start:end].replace(sep, "") if sep else text[start:end]
                if digits[0] in "23456" and len(set(digits)) > 1 and _luhn_ok(digits):
                    best = (start, end, j)
        if best is not None and _standalone(text, best[0], best[1]) \
                and _NOT_A_CARD_BEFORE.search(text, max(0, best[0] - 40), best[0]) is None \
                and _NOT_A_CARD_BEFORE.search(text, max(0, lo - 40), lo) is None:
            spans.append(best[:2])
            i = best[2] + 1
        else:
            i += 1
    return spans


def _standalone(text: str, start: int, end: int) -> bool:
    """Not glued to a word ('INV4716…') nor the tail of a decimal ('0.4716…')."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "_.," or after.isalnum() or after == "_")


def _grouped_like_a_card(lengths: list[int]) -> bool:
    # Cards start 2-6 (Mastercard, Visa, Amex, Discover, JCB, UnionPay…) and are
    # written whole or in fours; American Express and Diners Club as 4-6-5 and 4-6-4.
    if len(lengths) == 1 or lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(g == 4 for g in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------- IBAN

# ISO 13616 registry: country → total IBAN length.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def detect_iban(n: Normalized) -> list[Hit]:
    text = n.text
    hits = []
    for run_start, _end, _digits in _digit_runs(text):
        # An IBAN opens with its country code and two check digits: 'de89…', 'gb82…'.
        start = run_start - 2
        if start < 0 or not text[run_start + 1:run_start + 2].isdigit():
            continue
        country = text[start:run_start].upper()
        length = _IBAN_LENGTHS.get(country)
        if length is None or start and text[start - 1].isascii() and text[start - 1].isalnum():
            continue
        end = _take_alnum(text, run_start + 2, length - 4)
        if end < 0:
            continue
        compact = text[start:end].replace(" ", "").upper()
        if _mod97(compact[4:] + compact[:4]) == 1:
            hits.append(_hit(n, start, end, "iban", f"a bank account number (IBAN, {country})"))
    return hits


def _take_alnum(text: str, i: int, count: int) -> int:
    """End of `count` letters/digits from i, single spaces allowed between; -1 unless it ends on a boundary."""
    n = len(text)
    while count:
        if i < n and text[i] == " " and i + 1 < n and text[i + 1].isascii() and text[i + 1].isalnum():
            i += 1
        if i >= n or not (text[i].isascii() and text[i].isalnum()):
            return -1
        i += 1
        count -= 1
    if i < n and text[i].isascii() and text[i].isalnum():
        return -1
    return i


def _mod97(s: str) -> int:
    total = 0
    for ch in s:
        v = int(ch, 36)  # digits stay, letters a=10 … z=35
        total = (total * (100 if v > 9 else 10) + v) % 97
    return total


# ---------------------------------------------------------------- national ids

_SSN_DASHED = re.compile(r"(\d{3})-(\d{2})-(\d{4})")
_SSN_LOOSE = re.compile(r"(\d{3})[ .]?(\d{2})[ .]?(\d{4})")
_SSN_CUE = re.compile(r"\b(?:ssn|ss#|ss no|social security(?: number| no\.?| #)?|soc\.? ?sec\.?)\W{0,20}"
                      r"(?:\w+\W{1,3}){0,3}$")
_SIN = re.compile(r"(\d{3})[ \-]?(\d{3})[ \-]?(\d{3})")
_SIN_CUE = re.compile(r"\b(?:sin|social insurance(?: number| no\.?)?)\W{0,20}(?:\w+\W{1,3}){0,3}$")
_NINO_DIGITS = re.compile(r"\d{2} ?\d{2} ?\d{2}")
_NINO = re.compile(r"(?<![a-z0-9])([a-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([a-d])(?![a-z0-9])")
_NINO_CUE = re.compile(r"\b(?:national insurance|ni|nino|nin)\b")
_NINO_BAD_PREFIXES = frozenset({"bg", "gb", "kn", "nk", "nt", "tn", "zz"})


def detect_national_id(n: Normalized) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    for start, end, digits in _digit_runs(text):
        if digits == 9 and _isolated(text, start, end):
            hit = _ssn_or_sin(n, start, end)
            if hit is not None:
                hits.append(hit)
        elif digits == 6 and _NINO_DIGITS.fullmatch(text, start, end):
            hit = _nino(n, start, end)
            if hit is not None:
                hits.append(hit)
    return hits


def _ssn_or_sin(n: Normalized, start: int, end: int) -> Hit | None:
    text = n.text
    m = _SSN_DASHED.fullmatch(text, start, end)
    if m is not None:
        area, group, serial = m.groups()
        if area[0] == "9" and _itin_group(group):
            return _hit(n, start, end, "itin", "a US taxpayer id (ITIN)")
        if _ssn_ok(area, group, serial):
            return _hit(n, start, end, "ssn", "a US social security number")
        return None
    # Nine digits without the dashes are an SSN or a SIN only when introduced as one.
    m = _SSN_LOOSE.fullmatch(text, start, end)
    before = max(0, start - 60)
    if m is not None and _ssn_ok(*m.groups()) and _SSN_CUE.search(text, before, start):
        return _hit(n, start, end, "ssn", "a US social security number")
    m = _SIN.fullmatch(text, start, end)
    if m is not None:
        digits = "".join(m.groups())
        if digits[0] not in "08" and _luhn_ok(digits) and _SIN_CUE.search(text, before, start):
            return _hit(n, start, end, "ca_sin", "a Canadian social insurance number")
    return None


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _itin_group(group: str) -> bool:
    g = int(group)
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


def _nino(n: Normalized, run_start: int, run_end: int) -> Hit | None:
    text = n.text
    m = _NINO.search(text, max(0, run_start - 3), min(len(text), run_end + 3))
    if m is None:
        return None
    prefix = m.group(1)
    if prefix[0] in "dfiquv" or prefix[1] in "dfioquv" or prefix in _NINO_BAD_PREFIXES:
        return None
    start, end = n.span(m.start(), m.end())
    written = n.original[start:end]
    # Written in capitals, as the id is, or introduced as one.
    if written == written.upper() or _NINO_CUE.search(text, max(0, m.start() - 60), m.end() + 60):
        return Hit(start, end, "uk_nino", "a UK National Insurance number")
    return None


# ---------------------------------------------------------------- helpers

def _hit(n: Normalized, start: int, end: int, kind: str, detail: str) -> Hit:
    s, e = n.span(start, end)
    return Hit(s, e, kind, detail)
