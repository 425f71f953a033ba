"""The weekly chart: checks by verdict (stacked bars) and median time to decision (line, hours).

matplotlib is imported here only, when a chart is asked for, with the headless
Agg backend: a process that never draws a chart never loads it.
"""

from __future__ import annotations

import io
import math

from bot.reports.model import Chart

COLOURS = {"allow": "#4c9f70", "review": "#e0a030", "block": "#c8553d"}
LABELS = {"allow": "Fine to post", "review": "Needs review", "block": "Blocked"}
LINE = "#2f4b7c"


def render_png(chart: Chart, *, width: float = 9.0, height: float = 4.5, dpi: int = 100) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    labels = [p.week.strftime("%d %b") for p in chart.points]
    xs = list(range(len(chart.points)))
    bottom = [0] * len(xs)
    for verdict in ("allow", "review", "block"):
        values = [getattr(p, verdict) for p in chart.points]
        ax.bar(xs, values, bottom=bottom, color=COLOURS[verdict], label=LABELS[verdict], width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("Drafts checked per week")
    years = sorted({p.week.year for p in chart.points})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}" if years else ""
    ax.set_xlabel(f"Week starting (Monday, UTC){', ' + span if span else ''}")
    ax.set_xticks(xs, labels, rotation=45 if len(xs) > 8 else 0, ha="right" if len(xs) > 8 else "center")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.spines[["top"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)

    # A week without decisions is a gap in the line (NaN), not a slope drawn across it.
    hours = [p.median_decision_hours if p.median_decision_hours is not None else math.nan for p in chart.points]
    handles, names = ax.get_legend_handles_labels()
    if any(not math.isnan(h) for h in hours):
        ax2 = ax.twinx()
        line = ax2.plot(xs, hours, color=LINE, marker="o", linewidth=2, label="Median time to decision (h)")
        ax2.set_ylabel("Median hours to decision", color=LINE)
        ax2.tick_params(axis="y", colors=LINE)
        ax2.set_ylim(bottom=0)
        ax2.yaxis.set_major_locator(MaxNLocator(nbins=6))
        ax2.spines[["top"]].set_visible(False)
        handles += line
        names.append("Median time to decision (h)")
    if not any(bottom):
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.text(0.5, 0.5, "No checks in this period", transform=ax.transAxes, ha="center", va="center",
                color="#666666")
    ax.set_title(chart.title, fontsize=11, loc="left")
    fig.legend(handles, names, loc="outside lower center", ncols=len(names), frameon=False, fontsize=9)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
