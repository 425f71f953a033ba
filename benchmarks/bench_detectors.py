"""Median time of normalize + every built-in detector on a short and a long draft.

Run: .venv/bin/python benchmarks/bench_detectors.py
Targets: <= 300 µs for a 280-character draft, <= 3 ms for a 5,000-character one.
"""

from __future__ import annotations

import random
import re
import statistics
import time

from bot.checker.detectors import DETECTORS
from bot.checker.normalize import normalize

# Realistic drafts: prose with numbers, a little non-ASCII (emoji, a dash, a
# bullet), and the things the detectors look for.
SHORT = (
    "If anyone wants to reach our new hire Priya directly, her personal email is "
    "priya.raman82@gmail.com and her cell is (206) 555-0148 😊 Order #4471-2290-1183 arrived — "
    "v2.10.3 shipped on 2024-11-14 at 18:30, room 4.12. pw is Summer2024! token: xoxb-2847561930 ok, "
    "see you at the 4th floor"
)[:280]

PARAGRAPHS = [
    "Meetup reminder: Seattle Rust Users, Thu 2024-11-14, 18:30, room 4.12 at the Central Library. "
    "Talk: \"Zero-cost async in practice\". Free, all welcome! 🎉",
    "Our kiddo's school bake sale raised $1,240 today! Thank you, neighbors 🍪 Happy Pi Day: my side "
    "project just hit version 3.14.159, see https://github.com/tomasz-dev/pi-timer/releases",
    "PSA for devs: never commit your .env file. Add it to .gitignore and use a secrets manager. "
    "A password manager + 2FA will save you from most account takeovers.",
    "Need a ride from SEA on Tuesday? Tom said to text him: 206•555•0172 📞 or mail jane dot doe at "
    "gmail dot com. Customer card on file was 4716 5653 2228 2962, exp 08/27.",
    "lol finally fixed the deploy script:\nexport AWS_ACCESS_KEY_ID=AKIABES0JG92PV33LIDB\n"
    "export NW_API_KEY=<your-key-here>\n./deploy.sh prod — Order #4471-2290-1183, ticket 55512345.",
    "Excited to share that I passed the AWS Solutions Architect exam today! Q3 volunteer day: 42 "
    "Northwinders planted 300 trees in Discovery Park 🌳 Thanks @SeattleParks for hosting!",
]

def _vary_digits(text: str, seed: int) -> str:
    """The same paragraph with other digits, so that no number repeats across copies."""
    rng = random.Random(seed)
    return re.sub(r"\d", lambda m: str(rng.randrange(10)) if rng.random() < 0.5 else m.group(), text)


LONG = ""
copy = 0
while len(LONG) < 5000:
    LONG += " ".join(PARAGRAPHS) if copy == 0 else _vary_digits(" ".join(PARAGRAPHS), copy)
    LONG += "\n\n"
    copy += 1
LONG = LONG[:5000]


def run_all(text: str) -> int:
    n = normalize(text)
    return sum(len(detect(n)) for detect in DETECTORS.values())


def median_us(text: str, rounds: int) -> float:
    # Vary the text a little per round so per-text caches cannot hide the cost.
    variants = [text[:-1] + chr(ord("a") + i % 26) for i in range(rounds)]
    times = []
    for v in variants:
        start = time.perf_counter()
        run_all(v)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def per_detector_us(text: str, rounds: int) -> dict[str, float]:
    out: dict[str, list[float]] = {"normalize": [], **{name: [] for name in DETECTORS}}
    for i in range(rounds):
        variant = text[:-1] + chr(ord("a") + i % 26)
        start = time.perf_counter()
        n = normalize(variant)
        out["normalize"].append(time.perf_counter() - start)
        for name, detect in DETECTORS.items():
            start = time.perf_counter()
            detect(n)
            out[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) * 1e6 for name, times in out.items()}


def main() -> None:
    for text in (SHORT, LONG):
        run_all(text)  # warm up: compiled patterns, phonenumbers metadata
    short_us = median_us(SHORT, 2000)
    long_us = median_us(LONG, 300)
    ascii_long = LONG.encode("ascii", "ignore").decode()
    ascii_us = median_us(ascii_long, 300)
    print(f"normalize + {len(DETECTORS)} detectors, median:")
    print(f"  {len(SHORT):>5} chars: {short_us:8.1f} µs   (target <= 300 µs)")
    print(f"  {len(LONG):>5} chars: {long_us:8.1f} µs   (target <= 3000 µs)")
    print(f"  {len(ascii_long):>5} chars, ASCII only: {ascii_us:8.1f} µs")
    for label, text in (("280", SHORT), ("5000", LONG)):
        parts = per_detector_us(text, 200)
        print(f"  breakdown, {label} chars: " + ", ".join(f"{k} {v:.0f}" for k, v in parts.items()))


if __name__ == "__main__":
    main()
