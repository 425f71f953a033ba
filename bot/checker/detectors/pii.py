"""Detectors of other people's personal data: e-mail, phone, card, IBAN, national ids.

They read the normalised view (`Normalized.text`: NFKC, casefolded, invisible
characters removed) and report spans in the draft as written. Each one prefers a
missed oddity to a false alarm on everyday text: numbers that are orders,
tickets, versions, dates, prices or rooms are not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from bot.checker.detectors import Hit
from bot.checker.normalize import Normalized

# ---------------------------------------------------------------- e-mail

_LOCAL = r"[a-z0-9](?:[a-z0-9._%+\-]{0,63}[a-z0-9_%+\-])?"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?"
_EMAIL = re.compile(
    rf"(?<![\w.%+\-@])({_LOCAL})@((?:{_LABEL}\.)+([a-z]{{2,24}}))(?![\w\-@])(?!\.[a-z0-9])"
)
# Common top-level domains: an address typed with spaces or words in it must end in one.
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|dev|app|me|info|biz|us|uk|ca|de|fr|es|it|nl|be|ch|at|se|no|"
    "dk|fi|pl|pt|ie|au|nz|in|jp|cn|kr|br|mx|ru|za|sg|hk|tw|il|tr|gr|cz|hu|ro|ua|ar|cl|eu|xyz|online|"
    "site|tech|email|cloud|ly|gg|tv|fm|ac|id|my|ph|vn|th|pk|ng|ke|eg|sa|ae|lu|is|ee|lv|lt|sk|si|hr|rs|bg"
)
_AT_WORD = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s*[\[({<]\s*@\s*[\])}>]\s*|\s+at\s+)"
_AT_ANY = rf"(?:{_AT_WORD}|\s*@\s*)"
_DOT_WORD = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_DOT_ANY = rf"(?:{_DOT_WORD}|\s*\.\s*)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.@])([a-z0-9][a-z0-9_%+\-]*(?:(?:\.|{_DOT_WORD})[a-z0-9_%+\-]+){{0,3}})"
    rf"({_AT_ANY})"
    rf"((?:{_LABEL}{_DOT_ANY}){{1,3}}(?:{_TLDS}))(?![\w\-])"
)
_OBFUSCATION_CUE = re.compile(r"\bat\b|\[|\(|\{|<|@\s|\s@|\s\.|\.\s")
# A word before a bare ' at ' that makes it prose ("look at google dot com").
_PROSE_BEFORE_AT = frozenset(
    "look looking looked me us him her them you it this that is are was were be been am here there "
    "home work working worked meet meeting see seen good great best bad back out up down stay staying "
    "arrive arrived available online find found live lives living hired start started job jobs intern "
    "read shop buy apply visit sign register order or and but not also now just only all anyone someone "
    "everyone people team we i they he she one time noon night sale point aim aimed laugh laughing "
    "stare staring hello hi hey email mail message contact reach reachable anything".split()
)
# Image names like logo@2x.png are not addresses, nor are tld-less code strings.
_FILE_TLDS = frozenset("png jpg jpeg gif svg webp ico bmp tiff pdf".split())


def detect_email(n: Normalized) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            if m.group(3) in _FILE_TLDS or text.startswith(":", m.end()) and m.group(1) == "git":
                continue
            hits.append(_hit(n, m.start(), m.end(), "email", "an e-mail address"))
    if _OBFUSCATION_CUE.search(text) is not None and ("at" in text or "@" in text):
        for m in _OBFUSCATED.finditer(text):
            if any(h_overlaps(n, h, m.start(), m.end()) for h in hits):
                continue
            if _plausible_obfuscation(m):
                hits.append(_hit(n, m.start(), m.end(), "email", "an e-mail address written to dodge filters"))
    return hits


def _plausible_obfuscation(m: re.Match[str]) -> bool:
    local, at, domain = m.group(1), m.group(2), m.group(3)
    if "@" in at:
        # A real '@' with spaces: only spaced-out dots make it unusual, and a handle
        # ("@jane") has no local part, so the regex never starts there.
        return bool(re.search(r"\s\.|\.\s|dot", domain)) or at.strip() != "@"
    if at.strip() == "at":
        # A bare ' at ': the domain must be spelled with ' dot ' too, and the word
        # before it must not be ordinary prose.
        last = re.split(r"\.|\s+dot\s+|[\[({<]\s*dot\s*[\])}>]", local)[-1]
        return " dot " in domain and local not in _PROSE_BEFORE_AT and last not in _PROSE_BEFORE_AT
    return True  # [at], (at), {at}, <at>: nobody writes that in prose


def h_overlaps(n: Normalized, h: Hit, start: int, end: int) -> bool:
    s, e = n.span(start, end)
    return s < h.end and h.start < e


# ---------------------------------------------------------------- phone

DEFAULT_PHONE_REGION = "US"
# Separators people use to write a number past a filter; read as '-' by the phone
# detector only (the same length, so offsets hold).
_PHONE_SEPARATORS = str.maketrans({c: "-" for c in "•·∙‧・･⋅◦‐‑‒–—"})
_PHONE_CANDIDATE = re.compile(r"(?<![\w.,/:\-])(?:\+\s?)?\(?\d[\d \t().\-/]{5,24}\d\)?(?![\w\-]|[.,:]\d)")
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
        return _detect_phone(n, region)

    return detect


def detect_phone(n: Normalized) -> list[Hit]:
    return _detect_phone(n, DEFAULT_PHONE_REGION)


def _detect_phone(n: Normalized, region: str) -> list[Hit]:
    text = n.text
    if sum(map(str.isdigit, text)) < 7 if len(text) < 200 else not re.search(r"\d.{0,8}\d.{0,8}\d", text):
        return []
    view = text.translate(_PHONE_SEPARATORS)
    cards = _card_spans(text)
    hits: list[Hit] = []
    for cand in _PHONE_CANDIDATE.finditer(view):
        digits = sum(c.isdigit() for c in cand.group())
        if digits < 7 or digits > 15:
            continue
        lo = max(0, cand.start() - 1)
        window = view[lo:cand.end() + 1]
        # Leniency.VALID: the number must be valid for its region (real area codes,
        # lengths). That keeps 555-01xx numbers (well formed, and still "a phone
        # number" in a post) and drops 1234567890, (555) 123-4567, IP addresses.
        for match in PhoneNumberMatcher(window, region, leniency=Leniency.VALID):
            start, end = lo + match.start, lo + match.end
            if any(s < end and start < e for s, e in cards):
                continue
            if _NOT_A_PHONE_BEFORE.search(view, max(0, start - 40), start) is not None:
                continue
            hits.append(_hit(n, start, end, "phone", "a phone number"))
    return hits


# ---------------------------------------------------------------- payment card

_CARD = re.compile(r"(?<![\w\-])(?<!\d[ \-])(?:\d[ \-]?){12,18}\d(?![ \-]?\d)(?![\w\-])")
_NOT_A_CARD_BEFORE = re.compile(
    r"\b(?:order|invoice|inv|ticket|tkt|tracking|shipment|reference|ref|confirmation|case|serial|po|"
    r"isbn|imei|sku|account|acct|iban|routing)\b\W{0,3}(?:#|no\.?|number|num|id|is)?\W{0,3}$|#\s?$"
)
_EXPIRY = re.compile(r"\b(?:exp(?:iry|ires|iration)?\.?|valid thru|good thru)\W{0,3}(?:0[1-9]|1[0-2])\s?/\s?\d{2}(?:\d{2})?\b"
                     r"|\b(?:0[1-9]|1[0-2])/(?:2\d|\d{4})\b")


def detect_card(n: Normalized) -> list[Hit]:
    hits = []
    for start, end in _card_spans(n.text):
        near = n.text[max(0, start - 60):end + 60]
        detail = "a payment card number with its expiry date" if _EXPIRY.search(near) else "a payment card number"
        hits.append(_hit(n, start, end, "card", detail))
    return hits


def _card_spans(text: str) -> list[tuple[int, int]]:
    if sum(map(str.isdigit, text[:20000])) < 13:
        return []
    spans = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        if not 13 <= len(digits) <= 19 or digits[0] not in "23456" or len(set(digits)) < 3:
            continue
        if not _grouped_like_a_card(raw) or not _luhn_ok(digits):
            continue
        if _NOT_A_CARD_BEFORE.search(text, max(0, m.start() - 40), m.start()) is not None:
            continue
        spans.append((m.start(), m.end()))
    return spans


def _grouped_like_a_card(raw: str) -> bool:
    seps = set(re.findall(r"\D", raw))
    if not seps:
        return True
    if len(seps) > 1:
        return False
    groups = [len(g) for g in re.split(r"\D", raw)]
    if groups in ([4, 6, 5], [4, 6, 4]):  # American Express, Diners Club
        return True
    return all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4


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
_IBAN_START = re.compile(r"(?<![a-z0-9])([a-z]{2})(\d{2})(?=[ ]?[a-z0-9])")


def detect_iban(n: Normalized) -> list[Hit]:
    text = n.text
    hits = []
    for m in _IBAN_START.finditer(text):
        length = _IBAN_LENGTHS.get(m.group(1).upper())
        if length is None:
            continue
        end = _take_alnum(text, m.end(), length - 4)
        if end < 0:
            continue
        compact = text[m.start():end].replace(" ", "").upper()
        if _mod97(compact[4:] + compact[:4]) == 1:
            hits.append(_hit(n, m.start(), end, "iban", f"a bank account number (IBAN, {compact[:2]})"))
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

_SSN_DASHED = re.compile(r"(?<![\w\-])(\d{3})-(\d{2})-(\d{4})(?![\w\-]|[.,]\d)")
_SSN_LOOSE = re.compile(r"(?<![\w\-])(\d{3})[ .]?(\d{2})[ .]?(\d{4})(?![\w\-]|[.,]\d)")
_SSN_CUE = re.compile(r"\b(?:ssn|ss#|ss no|social security(?: number| no\.?| #)?|soc\.? ?sec\.?)\W{0,20}"
                      r"(?:\w+\W{1,3}){0,3}$")
_NINO = re.compile(r"(?<![a-z0-9])([a-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([a-d])(?![a-z0-9])")
_NINO_CUE = re.compile(r"\b(?:national insurance|ni number|ni no|nino|nin)\b")
_NINO_BAD_PREFIXES = frozenset({"bg", "gb", "kn", "nk", "nt", "tn", "zz"})
_SIN = re.compile(r"(?<![\w\-])(\d{3})[ \-]?(\d{3})[ \-]?(\d{3})(?![\w\-]|[.,]\d)")
_SIN_CUE = re.compile(r"\b(?:sin|social insurance(?: number| no\.?)?)\W{0,20}(?:\w+\W{1,3}){0,3}$")


def detect_national_id(n: Normalized) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    if sum(map(str.isdigit, text[:20000])) >= 6:
        hits.extend(_ssn_hits(n))
        hits.extend(_sin_hits(n, hits))
    hits.extend(_nino_hits(n))
    return hits


def _ssn_hits(n: Normalized) -> list[Hit]:
    text = n.text
    hits = []
    seen: set[int] = set()
    for m in _SSN_DASHED.finditer(text):
        area, group, serial = m.groups()
        if area[0] == "9" and _itin_group(group):
            hits.append(_hit(n, m.start(), m.end(), "itin", "a US taxpayer id (ITIN)"))
        elif _ssn_ok(area, group, serial):
            hits.append(_hit(n, m.start(), m.end(), "ssn", "a US social security number"))
        seen.add(m.start())
    for m in _SSN_LOOSE.finditer(text):
        if m.start() in seen or not _ssn_ok(*m.groups()):
            continue
        if _SSN_CUE.search(text, max(0, m.start() - 60), m.start()) is not None:
            hits.append(_hit(n, m.start(), m.end(), "ssn", "a US social security number"))
    return hits


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _itin_group(group: str) -> bool:
    g = int(group)
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


def _sin_hits(n: Normalized, found: list[Hit]) -> list[Hit]:
    text = n.text
    hits = []
    for m in _SIN.finditer(text):
        digits = "".join(m.groups())
        if digits[0] in "08" or not _luhn_ok(digits):
            continue
        start, end = n.span(m.start(), m.end())
        if any(h.start < end and start < h.end for h in found):
            continue
        if _SIN_CUE.search(text, max(0, m.start() - 60), m.start()) is not None:
            hits.append(Hit(start, end, "ca_sin", "a Canadian social insurance number"))
    return hits


def _nino_hits(n: Normalized) -> list[Hit]:
    text = n.text
    hits = []
    for m in _NINO.finditer(text):
        prefix = m.group(1)
        if prefix[0] in "dfiquv" or prefix[1] in "dfioquv" or prefix in _NINO_BAD_PREFIXES:
            continue
        start, end = n.span(m.start(), m.end())
        written = n.original[start:end]
        # Written in capitals, as the id is, or introduced as one.
        if written == written.upper() or _NINO_CUE.search(text, max(0, m.start() - 60), m.start()):
            hits.append(Hit(start, end, "uk_nino", "a UK National Insurance number"))
    return hits


# ---------------------------------------------------------------- helpers

def _hit(n: Normalized, start: int, end: int, kind: str, detail: str) -> Hit:
    s, e = n.span(start, end)
    return Hit(s, e, kind, detail)
