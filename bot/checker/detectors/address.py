"""Street addresses where someone lives: '42 Maple Street', '1234 Oak Ave Apt 5'.

A candidate is a house number, one to three name words and a street suffix from the
USPS and Royal Mail lists below. It counts as personal data when it says where a person
lives: an apartment or flat number, or a word about a home nearby ('my place', 'lives at',
'come over'). An office, venue or shop address is public and stays allowed.

Why not `usaddress`: it labels the parts of a string already known to be an address
(a CRF over every token) and cannot find one inside prose; it would still need this
candidate search first, then adds a millisecond a call and only knows US forms.
"""

from __future__ import annotations

import re

from bot.checker.detectors import Hit
from bot.checker.normalize import Normalized

_SUFFIXES = tuple(
    ["street", "st", "avenue", "ave", "av", "road", "rd", "lane", "ln", "drive", "dr", "court", "ct", "boulevard", "blvd", "way", "place", "pl", "terrace", "ter", "circle", "cir", "crescent", "cres", "close", "square", "sq", "highway", "hwy", "parkway", "pkwy", "alley", "aly", "trail", "trl", "row", "mews", "grove", "gr", "gardens", "gdns", "walk", "path", "pike", "loop", "run", "point", "pt", "heights", "hts", "hill", "ridge", "park", "esplanade", "embankment", "wharf", "quay", "parade", "broadway", "causeway", "expressway", "expy", "freeway", "fwy", "turnpike", "tpke"]
)
_UNIT = r"(?:(?:apt|apartment|unit|suite|ste|flat|floor|fl)\b\.?\s*#?\s*\w{1,5}|(?:#|no\.?)\s*\d{1,5})\b"
_ADDRESS = re.compile(
    r"(?<![\w.,/:-])(?P<num>\d{1,5}[a-z]?)(?:\s*[-–]\s*\d{1,5})?,?\s+"
    r"(?P<name>(?:(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\.?\s+)?[a-z][a-z'’.-]*(?:\s+[a-z][a-z'’.-]*){0,2})\s+"
    rf"(?P<suffix>{'|'.join(_SUFFIXES)})\b\.?"
    rf"(?P<unit>,?\s+{_UNIT})?"
)
# Words around an address that say a person lives there.
_HOME = re.compile(
    r"\b(?:my|our|his|her|their|your|mum'?s|mom'?s|dad'?s|parents'?|grandma'?s|friend'?s) "
    r"(?:place|house|home|flat|apartment|apt|condo|address|crib|new place|door)\b"
    r"|\b(?:lives?|living|live|moved|moving|stay(?:s|ing)?) (?:at|to|on|in|into)\b"
    r"|\b(?:a|the|new|his|her|their|\w+'s) (?:place|house|home|flat|apartment|condo) (?:at|on)\b"
    r"|\b(?:closed on|bought|rents?|renting|come over|swing by|drop by|housewarming|home address|house party|"
    r"sleepover|at home)\b"
    # an ID document read out, or a named private person: 'DL says …', 'Mrs. Okafor on Elm St'
    r"|\b(?:dl|licen[cs]e|id|wallet|passport) (?:says|shows|reads|lists)\b|\b(?:mr|mrs|ms|miss|dr)\.? [a-z]+"
)
_HOME_UNIT = re.compile(r"\b(?:apt|apartment|flat)\b")   # a suite or floor is an office
_NOT_A_STREET_BEFORE = re.compile(r"(?:\b(?:version|v|page|p|chapter|room|gate|terminal|booth|hall|stand|level|"
                                  r"route|highway|exit)\s*$)")
_WINDOW = 80


def detect_address(n: Normalized) -> list[Hit]:
    text = n.text
    hits: list[Hit] = []
    for m in _ADDRESS.finditer(text):
        if m.group("name").split()[0] in _SUFFIXES:
            continue
        if _NOT_A_STREET_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue
        lo, hi = max(0, m.start() - _WINDOW), min(len(text), m.end() + _WINDOW)
        unit = m.group("unit") or ""
        if _HOME_UNIT.search(unit) or _HOME.search(text, lo, hi):
            s, e = n.span(m.start(), m.end())
            hits.append(Hit(s, e, "address", "a street address where someone lives"))
    return hits
