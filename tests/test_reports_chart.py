"""The weekly chart is a valid PNG of a sane size, drawn headless, with or without data."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import date, timedelta

from bot.reports.chart import render_png
from bot.reports.model import Chart, WeekPoint


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82"), "PNG is truncated"
    return width, height


def test_chart_is_a_valid_png_of_sane_size() -> None:
    points = tuple(WeekPoint(week=date(2026, 1, 5) + timedelta(weeks=i), allow=100 + i, review=20, block=i % 3,
                             median_decision_hours=None if i == 4 else 3.5 + i) for i in range(13))
    data = render_png(Chart(title="Drafts checked and median time to decision", points=points))
    assert png_size(data) == (900, 450)
    assert 10_000 < len(data) < 500_000


def test_empty_chart_still_draws() -> None:
    points = (WeekPoint(week=date(2026, 1, 5)), WeekPoint(week=date(2026, 1, 12)))
    width, height = png_size(render_png(Chart(title="Nothing", points=points)))
    assert (width, height) == (900, 450)


def test_reports_do_not_load_matplotlib_until_a_chart_is_drawn() -> None:
    code = "import bot.reports, bot.reports.service, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
