"""Credentials in a draft: API keys and tokens, private keys, passwords, basic-auth URLs.

Token shapes come from the maintained `detect-secrets` plugins (their compiled
`denylist` regexes; calling its file scanner per draft would be far too slow).
On top of them: AWS secret keys and passwords written as assignments or in prose,
credentials in URLs, and tokens split by spaces, dots or line breaks to slip past
a filter. Placeholders (`<your-key-here>`, `${TOKEN}`, `xxxx`, `changeme`,
`...EXAMPLE`) are not secrets, and neither is talk about passwords.

Secrets are case-sensitive, so this detector reads the draft as written (with
invisible characters taken out), not the casefolded view.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from detect_secrets.plugins import (
    aws,
    azure_storage_key,
    discord,
    github_token,
    gitlab_token,
    mailchimp,
    npm,
    openai,
    pypi_token,
    sendgrid,
    slack,
    square_oauth,
    stripe,
    telegram_token,
    twilio,
)

from bot.checker.detectors import Hit
from bot.checker.normalize import INVISIBLE, Normalized


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ---------------------------------------------------------------- token shapes


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: str
    detail: str
    regex: re.Pattern[str]
    # The regex runs only when the draft contains one of these (checked in the
    # ASCII-lowercased draft): a substring test costs far less than a regex scan.
    needles: tuple[str, ...]
    # Most shapes are one unbroken token and are looked for only inside long
    # tokens of the draft; a pattern that spans words ('aws … key … "…"') is
    # looked for next to each of its needles instead.
    spans_words: bool = False


# detect-secrets plugins whose patterns name a token by its own shape, with the
# substrings each pattern cannot match without. (Cloudant, SoftLayer and IBM
# patterns are keyword soup that scans slowly and fits little that people post;
# Artifactory's matches ordinary capitalised words.)
_PLUGINS = [
    (aws.AWSKeyDetector, "aws_access_key", "an AWS access key", ("a3t", "abia", "acca", "akia", "asia", "aws")),
    (github_token.GitHubTokenDetector, "github_token", "a GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    (gitlab_token.GitLabTokenDetector, "gitlab_token", "a GitLab token", ("gl", "gr1348941")),
    (slack.SlackDetector, "slack_token", "a Slack token or webhook", ("xox", "hooks.slack.com")),
    (stripe.StripeDetector, "stripe_key", "a Stripe secret key", ("k_live_",)),
    (twilio.TwilioKeyDetector, "twilio_key", "a Twilio key", ("ac", "sk")),
    (sendgrid.SendGridDetector, "sendgrid_key", "a SendGrid API key", ("sg.",)),
    (discord.DiscordBotTokenDetector, "discord_token", "a Discord bot token", (".",)),
    (openai.OpenAIDetector, "openai_key", "an OpenAI API key", ("t3blbkfj",)),
    (azure_storage_key.AzureStorageKeyDetector, "azure_storage_key", "an Azure storage account key",
     ("accountkey=",)),
    (mailchimp.MailchimpDetector, "mailchimp_key", "a Mailchimp API key", ("-us",)),
    (npm.NpmDetector, "npm_token", "an npm token", ("_authtoken",)),
    (pypi_token.PypiTokenDetector, "pypi_token", "a PyPI token", ("pypi-",)),
    (square_oauth.SquareOAuthDetector, "square_secret", "a Square OAuth secret", ("sq0csp-",)),
    (telegram_token.TelegramBotTokenDetector, "telegram_token", "a Telegram bot token", (":",)),
]


def _plugin_shapes() -> list[_Shape]:
    shapes = []
    for cls, kind, detail, needles in _PLUGINS:
        for rx in getattr(cls, "denylist", ()):
            if rx.pattern.startswith("aws"):
                shapes.append(_Shape(kind, detail, rx, ("aws",), spans_words=True))
            else:
                shapes.append(_Shape(kind, detail, rx, needles))
    return shapes


# Shapes detect-secrets 1.5.0 does not know.
_EXTRA_SHAPES = [
    _Shape("github_token", "a GitHub token", re.compile(r"github_pat_[A-Za-z0-9_]{82}"), ("github_pat_",)),
    _Shape("slack_token", "a Slack app token", re.compile(r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{32,}"), ("xapp-",)),
    _Shape("openai_key", "an OpenAI API key", re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}"),
           ("sk-",)),
    _Shape("anthropic_key", "an Anthropic API key", re.compile(r"sk-ant-[a-z0-9]{2,8}-[A-Za-z0-9_\-]{40,}"),
           ("sk-ant-",)),
    _Shape("google_api_key", "a Google API key", re.compile(r"AIza[0-9A-Za-z_\-]{35}"), ("aiza",)),
    _Shape("huggingface_token", "a Hugging Face token", re.compile(r"hf_[A-Za-z]{34}"), ("hf_",)),
    _Shape("stripe_key", "a Stripe secret key", re.compile(r"(?:sk|rk)_live_[0-9a-zA-Z]{25,99}"), ("k_live_",)),
    _Shape("openai_key", "an OpenAI API key", re.compile(r"(?<![\w-])sk-[A-Za-z0-9]{48}(?![\w-])"), ("sk-",)),
    _Shape("npm_token", "an npm token", re.compile(r"(?<![\w-])npm_[A-Za-z0-9]{36}(?![\w-])"), ("npm_",)),
]

_SHAPES = _plugin_shapes() + _EXTRA_SHAPES
_WORD_SHAPES = [shape for shape in _SHAPES if shape.spans_words]
_TOKEN_SHAPES = [shape for shape in _SHAPES if not shape.spans_words]
# Which token shapes each needle calls for; one regex finds the needles in a token.
_SHAPES_BY_NEEDLE: dict[str, list[_Shape]] = {}
for _shape in _TOKEN_SHAPES:
    for _needle in _shape.needles:
        _SHAPES_BY_NEEDLE.setdefault(_needle, []).append(_shape)
# (A lookahead, so that overlapping needles are all found: 'sk' and 'k_live_' in 'sk_live_'.)
_NEEDLES = re.compile("(?=(" + "|".join(re.escape(x) for x in sorted(_SHAPES_BY_NEEDLE, key=len, reverse=True)) + "))")
# A stretch of token characters long enough to hold a credential.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.:]{16,}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# ---------------------------------------------------------------- assignments and prose

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----"
    r"(?P<body>[\sA-Za-z0-9+/=:,\-]*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    r"|(?=[^\sA-Za-z0-9+/=:,\-])|\Z)"
    r"|PuTTY-User-Key-File-[23]: \S+",
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_=\-]+\.eyJ[A-Za-z0-9_=\-]+(?:\.[A-Za-z0-9_\-+/=]*)?")
# The patterns below run on the ASCII-lowercased draft (same offsets) and open on
# a literal keyword, which the regex engine finds fast; values are read back
# from the draft as written, where case matters.
_AWS_SECRET = re.compile(
    r"secret[_\-\s]?(?:access[_\-\s]?)?key(?:[_\-\s]?id)?[\"']?\s*(?:[:=]|=>|:=|\s+is)\s*"
    r"[\"']?(?P<val>[a-z0-9/+]{40})(?![a-z0-9/+=])"
)
_BASIC_AUTH = re.compile(r"://(?P<user>[^:/?#\[\]@\s\"'<>]+):(?P<val>[^:/?#\[\]@\s\"'<>]+)@[\w.\-]+")
_PASSWORD = re.compile(
    r"p(?:ass(?:word|wd|phrase|code)?|wd|w|in(?:\s?code)?)(?P<end>)"
    r"(?:\s+(?:for|to|of|on|at)\b[^.\n:=]{0,40}?)?"
    r"[\"']?(?P<op>\s*(?:[:=]|=>|:=)\s*|\s+(?:is|was|=|:)\s+|\s+-\s+)"
    r"(?P<q>[\"'`]?)(?P<val>[^\s\"'`]{1,128})"
)
_GENERIC_TOKEN = re.compile(
    r"(?:token|secret|key|bearer)[\"']?(?:\s*(?:[:=]|=>|:=)\s*|\s+is\s+|\s+)[\"']?(?P<val>[a-z0-9_\-+/=.]{16,200})"
)
# Words that make a bare 'key' or 'token' the name of a credential: 'api key', 'access token'.
_KEY_QUALIFIERS = ("api", "access", "auth", "refresh", "client", "secret", "private", "session", "bearer",
                   "personal", "app", "bot", "service")


# A word that names whose or which password it is ("my", "the wifi", "admin").
_PASSWORD_OWNER = re.compile(
    r"\b(?:my|our|his|her|their|the|team|shared|new|wifi|wi-fi|guest|network|router|admin|root|account|"
    r"login|email|laptop|phone|server|db|database|vpn|office)\W{1,3}$"
)
# Things that have passwords, for 'the password for/to/of …' clauses.
_SYSTEM_NOUN = re.compile(
    r"\b(?:wifi|wi-fi|network|router|account|login|email|mail|laptop|phone|server|db|database|vpn|office|"
    r"admin|root|portal|dashboard|site|app|system|computer|machine|box|door|gate|alarm|safe|locker|"
    r"printer|console|cluster|repo|staging|prod|production|jenkins|aws|gcp|azure|slack|github|gitlab)\b")
_NOT_A_PASSWORD_WORD = _wordset(
    "incorrect wrong correct required optional invalid valid expired expiring weak strong too not case "
    "still reset changed saved stored hashed encrypted secure insecure empty blank missing different same "
    "also being going needed mandatory long short easy hard simple complex important hidden visible shown "
    "sent written printed taped literally something anything nothing what where changing rotating "
    "working broken locked unlocked protected compromised leaked known public private shared generated "
    "random unique always never usually probably older newer longer shorter just now only really "
    "basically somewhere written in the readme"
)
_ACCESS_CODE = re.compile(
    r"(?:(?:door|gate|alarm|access|entry|lock|keypad|building|garage|badge|locker|safe)\s(?:code|pin|combo)"
    r"|türcode|torcode|digicode|code de (?:la )?porte|código de (?:la )?puerta|código de acceso|código da porta)"
    r"(?:\s+(?:for|to|of|on|at)\b[^.\n:=]{0,30}?)?(?:\s*[:=]\s*|\s+(?:is|was)\s+)[\"'`]?(?P<val>[0-9#*](?:-?[0-9#*]){2,9})"
    r"(?![0-9])"
)
_PLACEHOLDER = re.compile(
    r"(?i)example|changeme|change_me|placeholder|dummy|redacted|sample|replace|insert|your[_\-]?|"
    r"xxx|\*\*\*|\.\.\.|…|^<.*>?$|^\$\{|^\$[A-Z_]+$|^%.*%$|^\{\{|^\[.*\]?$|^\(.*\)?$|^(?:test|fake|secret|"
    r"password|passwd|pass|pwd|token|key|none|null|nil|empty|hidden|required|optional)\d{0,3}$"
)
# A value in a provider's exact key format is treated as a key even when it says EXAMPLE or TEST:
# the AWS documentation keys look real to every reader, and a poster's "it's only the test
# account" is not something a reviewer can verify. Only filler that breaks the look counts here.
_SHAPE_PLACEHOLDER = re.compile(
    r"(?i)changeme|change_me|placeholder|redacted|replace|insert|your[_\-]?|xxx|\*\*\*|\.\.\.|…|^<.*>?$|^\$\{|^\{\{"
)
_TRAILING_PUNCT = ".,;:!?)]}>\"'»”’"

# ---------------------------------------------------------------- split tokens

# Strict shapes a re-joined token must match exactly (fullmatch).
_SPLIT_SHAPES = [
    ("slack_token", "a Slack token", re.compile(r"xox[abposre]-(?:\d{6,15}-){1,3}[A-Za-z0-9]{20,48}")),
    ("github_token", "a GitHub token", re.compile(r"gh[pousr]_[A-Za-z0-9]{36}")),
    ("gitlab_token", "a GitLab token", re.compile(r"glpat-[A-Za-z0-9_\-]{20}")),
    ("aws_access_key", "an AWS access key", re.compile(r"(?:AKIA|A3T[A-Z0-9]|ABIA|ACCA|ASIA)[A-Z0-9]{16}")),
    ("stripe_key", "a Stripe secret key", re.compile(r"[rs]k_live_[A-Za-z0-9]{24,99}")),
    ("openai_key", "an OpenAI API key", re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{40,164}")),
]
_SPLIT_START = re.compile(r"(?:xox[abposre]-|gh[pousr]_|glpat-|AKIA|A3T[A-Z0-9]|ABIA|ACCA|ASIA|"
                          r"[rs]k_live_|sk-)")
# An AWS key id written in groups: 'AKIA-BES0-JG92-PV33-LIDB', 'AKIA BES0 JG92 PV33 LIDB'.
_AWS_SEPARATED = re.compile(r"(?:AKIA|A3T[A-Z0-9]|ABIA|ACCA|ASIA)(?:[ \-.]?[A-Z0-9]){16}(?![A-Za-z0-9])")
_SPLIT_NEEDLES = ("xox", "gh", "glpat-", "a3t", "abia", "acca", "akia", "asia", "sk_live_", "rk_live_", "sk-")
_FRAGMENT = re.compile(r"[A-Za-z0-9_\-+/=]+")
_GAP = re.compile(r"(?:[ \t\r\n\u00a0]|\.|…|·|•){1,12}")
_MAX_FRAGMENTS = 8



def detect_secret(n: Normalized) -> list[Hit]:
    text = n.original
    removed = [m.start() for m in INVISIBLE.finditer(text)]
    if not removed:
        return _dedupe(_scan(text))
    # Scan the draft with invisible characters taken out, and map spans back.
    clean = INVISIBLE.sub("", text)

    def back(i: int) -> int:  # index in clean → index in text
        for r in removed:
            if r <= i:
                i += 1
        return i

    return _dedupe([Hit(back(h.start), back(h.end - 1) + 1, h.kind, h.detail) for h in _scan(clean)])


def _scan(text: str, depth: int = 0) -> list[Hit]:
    hits: list[Hit] = []
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lowercase to two ('İ'): keep offsets
        lower = text.translate(_ASCII_LOWER)
    hits.extend(_shape_hits(text, lower))
    if "PRIVATE KEY" in text or "PuTTY" in text:
        hits.extend(_private_key_hits(text))
    if "eyJ" in text:
        hits.extend(_jwt_hits(text))
    for pos in _positions(lower, ("secret",)):
        m = _AWS_SECRET.match(lower, pos)
        if m is not None:
            value = text[m.start("val"):m.end("val")]
            if _random_enough(value) and not _SHAPE_PLACEHOLDER.search(value):
                start = pos  # take in the name's prefix: AWS_SECRET_ACCESS_KEY
                while start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
                    start -= 1
                hits.append(Hit(start, m.end("val"), "aws_secret_key", "an AWS secret access key"))
    if "://" in text:
        hits.extend(_basic_auth_hits(text))
    hits.extend(_password_hits(text, lower))
    hits.extend(_credentials_in_passing(text, lower))
    hits.extend(_generic_token_hits(text, lower))
    if depth == 0:
        hits.extend(_encoded_hits(text))
    for pos in _positions(lower, _SPLIT_NEEDLES):
        if (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "_-")) \
                and _SPLIT_START.match(text, pos) is not None:
            hits.extend(_split_token_hits(text, pos))
            aws = _AWS_SEPARATED.match(text, pos)
            if aws is not None and _aws_key_in_groups(aws.group()):
                hits.append(Hit(pos, aws.end(), "aws_access_key", "an AWS access key, split up"))
    return hits


def _aws_key_in_groups(written: str) -> bool:
    groups = re.split(r"[ \-.]", written)
    if len(groups) < 2 or not any(c.isdigit() for c in written[4:]) or _PLACEHOLDER.search(written):
        return False
    # 'ASIA' is also a word: 'ASIA PACIFIC SUMMIT 2025' is capitals, not a key.
    return not written.startswith("ASIA") or sum(g.isalpha() for g in groups[1:]) <= 1


def _positions(lower: str, needles: tuple[str, ...]) -> list[int]:
    """Every index where one of the needles starts (str.find is much faster than a regex scan)."""
    out: list[int] = []
    for needle in needles:
        i = lower.find(needle)
        while i >= 0:
            out.append(i)
            i = lower.find(needle, i + 1)
    if len(needles) > 1:
        out.sort()
    return out


def _shape_hits(text: str, lower: str) -> Iterator[Hit]:
    for run in _LONG_TOKEN.finditer(text):
        lo, hi = run.span()
        wanted: dict[int, _Shape] = {}
        for needle in _NEEDLES.findall(lower, lo, hi):
            for shape in _SHAPES_BY_NEEDLE[needle]:
                wanted[id(shape)] = shape
        for shape in wanted.values():
            yield from _shape_matches(shape, text, lo, hi)
    for shape in _WORD_SHAPES:
        for pos in _positions(lower, shape.needles):
            yield from _shape_matches(shape, text, pos, min(len(text), pos + 120), first=True)


def _shape_matches(shape: _Shape, text: str, lo: int, hi: int, first: bool = False) -> Iterator[Hit]:
    for m in shape.regex.finditer(text, lo, hi):
        if first and m.start() != lo:
            return
        value = m.group()
        if len(value.strip()) < 20 or _SHAPE_PLACEHOLDER.search(value):
            continue
        start, end = m.span()
        # Some plugin patterns include the delimiter around the token.
        while start < end and not (text[start].isalnum() or text[start] in "_-"):
            start += 1
        while end > start and not (text[end - 1].isalnum() or text[end - 1] in "_-=/+"):
            end -= 1
        yield Hit(start, end, shape.kind, shape.detail)


def _generic_token_hits(text: str, lower: str) -> Iterator[Hit]:
    for pos in _positions(lower, ("token", "secret", "key", "bearer")):
        m = _GENERIC_TOKEN.match(lower, pos)
        if m is None:
            continue
        value = text[m.start("val"):m.end("val")].rstrip(_TRAILING_PUNCT)
        if not value or not _random_token(value) or _PLACEHOLDER.search(value):
            continue
        start = pos  # take in the name: NW_API_KEY, client_secret, 'api key'
        while start and (lower[start - 1].isalnum() or lower[start - 1] in "_-"):
            start -= 1
        if start == pos and start > 1 and lower[start - 1] == " ":
            word = lower[:start - 1].rsplit(None, 1)[-1] if lower[:start - 1].strip() else ""
            if word in _KEY_QUALIFIERS:
                start -= len(word) + 1
        if start == pos and lower.startswith("key", pos):
            continue  # a bare 'key' is a map key or a product key, not a named credential
        yield Hit(start, m.start("val") + len(value), "api_key", "an API key or token")


def _private_key_hits(text: str) -> Iterator[Hit]:
    for m in _PRIVATE_KEY.finditer(text):
        body = m.group("body")
        if body is not None and len(re.sub(r"[^A-Za-z0-9+/=]", "", body)) < 40:
            continue  # a header with no key under it, as in docs and talk
        yield Hit(m.start(), m.end(), "private_key", "a private key")


def _jwt_hits(text: str) -> Iterator[Hit]:
    for m in _JWT.finditer(text):
        head, payload = m.group().split(".")[:2]
        if _b64_json(head) and _b64_json(payload):
            yield Hit(m.start(), m.end(), "jwt", "a JSON Web Token")


def _b64_json(part: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False


def _basic_auth_hits(text: str) -> Iterator[Hit]:
    for m in _BASIC_AUTH.finditer(text):
        value = m.group("val")
        if _PLACEHOLDER.search(value) or value == m.group("user") \
                or _PLACEHOLDER.search(m.group("user")) and len(value) < 6:
            continue  # user:pass@, postgres:postgres@ are the stock examples
        yield Hit(m.start("user"), m.end("val"), "basic_auth", "a user name and password in a URL")


def _password_hits(text: str, lower: str) -> Iterator[Hit]:
    for pos in _positions(lower, ("pass", "pw", "pin")):
        if pos and lower[pos - 1].isalnum():
            continue  # inside a word: 'opinion', 'shopping'
        m = _PASSWORD.match(lower, pos)
        if m is None:
            continue
        key = lower[m.start():m.end("end")]
        if key == "pass" and m.group("op").strip() not in (":", "=", "=>", ":="):
            continue  # 'pass' alone only as an assignment: a boarding pass is no password
        value = text[m.start("val"):m.end("val")]
        quoted = bool(m.group("q")) and text.startswith(m.group("q"), m.end("val"))
        if not quoted:
            value = value.rstrip(_TRAILING_PUNCT)
        if not value or _PLACEHOLDER.search(value) or value.startswith(("/", "~", "http", "$(", "`")):
            continue
        if key.startswith("pin"):
            real = value.isdigit() and 4 <= len(value) <= 8
        elif quoted:
            real = len(value) >= 4
        else:
            clause = lower[m.end("end"):m.start("op")]
            real = _password_like(value) or (
                _named_word_password(lower, m.start(), value)
                # 'the password to my heart is …': a plain word needs a clause naming a system
                and (not clause.strip() or _SYSTEM_NOUN.search(clause) is not None))
        if real:
            yield Hit(m.start(), m.start("val") + len(value), "password", "a password")
    for pos in _positions(lower, (" code", " pin", " combo")):
        start = lower.rfind(" ", 0, pos) + 1
        m = _ACCESS_CODE.match(lower, start)
        if m is not None:
            yield Hit(start, m.end("val"), "access_code", "a door or access code")


# Credentials mentioned in passing, with no 'password' cue: "log in with admin / Winter2024!".
_LOGIN_CUE = re.compile(
    r"\b(?:log ?in|login|sign ?in|signin|user(?:name)?|usr|creds?|credentials|account|acct|wifi|wi-fi|ssid|"
    r"admin|root|u/p|user/pass|vpn|ssh|portal)\b")
_WORDISH = re.compile(r"\S{8,80}")          # whitespace-separated tokens long enough to be a password
_LEADING = "\"'([{<«“‘"
_CAN_START = re.compile(r"[A-Za-z0-9!$%&*+\-?^_~.]")
_NOT_IN_A_PASSWORD = re.compile(r"[=/\\:,;\"'`<>()\[\]{}|]")
_NOT_A_CREDENTIAL = re.compile(r"^(?:https?|www\.)|@.*\.|\.(?:com|org|net|io|dev|md|py|js|txt|pdf)$|^\d[\d.,:/-]*$|"
                               r"^[a-z]+(?:-[a-z]+)+$|^v?\d+(?:\.\d+)+|"
                               # number-word compounds: '20-second', '24-hour', 'covid-19', 'gpt-4o'
                               r"^\d+(?:[.,]\d+)?(?:-[a-z]+)+$|^[a-z]+-\d+[a-z]?$")
_CUE_WINDOW = 40


def _classes(value: str) -> int:
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


def _credentials_in_passing(text: str, lower: str) -> Iterator[Hit]:
    """Strong-looking passwords without a 'password' word: by strength, and near a login cue."""
    for m in _WORDISH.finditer(text):
        token = m.group()
        start = m.start() + len(token) - len(token.lstrip(_LEADING))
        value = token.lstrip(_LEADING).rstrip(_TRAILING_PUNCT)
        if len(value) < 8 or not any(c.isdigit() for c in value) or not _CAN_START.match(value):
            continue
        if _NOT_IN_A_PASSWORD.search(value) or _NOT_A_CREDENTIAL.search(value) or _PLACEHOLDER.search(value):
            continue
        classes = _classes(value)
        if classes < 3 or sum(c.isalpha() for c in value) < 2:
            continue
        cue = _LOGIN_CUE.search(lower, max(0, start - _CUE_WINDOW), start) is not None
        strong = classes == 4 and len(value) >= 10 and _entropy(value) >= 3.2
        if (cue and _entropy(value) >= 2.5) or strong:
            yield Hit(start, start + len(value), "password", "a password (by its strength and context)")


# Base64 that decodes to text carrying a secret: 'QUtJQTJF…' is an AWS key in disguise.
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")


def _encoded_hits(text: str) -> Iterator[Hit]:
    for m in _BASE64.finditer(text):
        raw = m.group()
        try:
            decoded = base64.b64decode(raw.replace("-", "+").replace("_", "/") + "=" * (-len(raw) % 4),
                                       validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if not decoded or sum(c.isprintable() or c.isspace() for c in decoded) < 0.95 * len(decoded):
            continue
        found = _scan(decoded, depth=1)
        if found:
            yield Hit(m.start(), m.end(), found[0].kind, f"{found[0].detail}, base64-encoded")


def _named_word_password(lower: str, start: int, value: str) -> bool:
    """'the wifi password is bluebird': a plain word, but said to be a particular password."""
    if not value.isalpha() or len(value) < 5 or value.lower() in _NOT_A_PASSWORD_WORD:
        return False
    return _PASSWORD_OWNER.search(lower, max(0, start - 25), start) is not None


def _password_like(value: str) -> bool:
    """A value someone would set as a password rather than an ordinary word."""
    if len(value) < 6:
        return False
    digit = any(c.isdigit() for c in value)
    symbol = any(not c.isalnum() for c in value)
    inner_upper = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return digit or symbol or inner_upper


def _random_enough(value: str) -> bool:
    classes = sum((any(c.isupper() for c in value), any(c.islower() for c in value),
                   any(c.isdigit() for c in value)))
    return classes >= 2 and _entropy(value) >= 3.5


def _random_token(value: str) -> bool:
    if value.lower().startswith("0x") or "." in value.strip(".") and not value.startswith("eyJ"):
        return False  # public addresses and dotted names (hosts, modules) are not tokens
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return has_digit and has_alpha and _entropy(value) >= 3.5


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    total = len(value)
    return -sum(k / total * math.log2(k / total) for k in counts.values())


def _split_token_hits(text: str, pos: int) -> Iterator[Hit]:
    """A token broken up by spaces, dots or line breaks: re-join the pieces and test the shape."""
    pieces: list[tuple[int, int]] = []  # spans in text of each fragment
    for _ in range(_MAX_FRAGMENTS):
        frag = _FRAGMENT.match(text, pos)
        if frag is None:
            break
        pieces.append(frag.span())
        gap = _GAP.match(text, frag.end())
        if gap is None:
            break
        pos = gap.end()
    if len(pieces) < 2:
        return  # not split: the plain scan sees it
    joined = ""
    for count, (a, b) in enumerate(pieces, start=1):
        frag_text = text[a:b]
        if count > 1 and not _random_fragment(frag_text, joined):
            return
        joined += frag_text
        hit = _split_shape(joined)
        if hit is not None:
            if count > 1:
                yield Hit(pieces[0][0], b, hit[0], hit[1] + ", split up")
            return


def _random_fragment(frag: str, prefix: str) -> bool:
    """A piece of a random token, not a word of the prose that follows it."""
    if len(frag) <= 3 and not frag.isalpha():
        return True
    if prefix[:1] == "A" and prefix[:4].isupper():  # AWS key ids: capitals and digits only
        return frag.isupper() or frag.isdigit() or frag.isalnum() and frag.upper() == frag
    return any(c.isdigit() for c in frag) or (any(c.isupper() for c in frag) and any(c.islower() for c in frag))


def _split_shape(joined: str) -> tuple[str, str] | None:
    for kind, detail, rx in _SPLIT_SHAPES:
        if rx.fullmatch(joined):
            if kind == "aws_access_key" and not any(c.isdigit() for c in joined[4:]):
                return None
            if _PLACEHOLDER.search(joined):
                return None
            return kind, detail
    return None


_GENERIC_KINDS = frozenset({"api_key", "password"})


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per stretch of text; a named token shape wins over a generic assignment."""
    ranked = sorted(hits, key=lambda h: (h.kind in _GENERIC_KINDS, h.start, h.start - h.end))
    out: list[Hit] = []
    for h in ranked:
        if not any(h.start < o.end and o.start < h.end for o in out):
            out.append(h)
    return sorted(out, key=lambda h: h.start)
