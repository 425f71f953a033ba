"""A report as plain text: the terminal chat, logs, and e-mail fall-backs."""

from __future__ import annotations

from bot.reports.model import Figure, Report, Table


def change(fig: Figure) -> str:
    t = fig.trend
    if t is None or t.previous is None or t.change is None:
        return ""
    if t.change == 0:
        return "no change"
    sign = "+" if t.change > 0 else "−"
    amount = abs(t.change)
    shown = f"{amount:.1f} h" if fig.unit == "h" else (f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.1f}")
    return f"{sign}{shown}" + (f" ({t.change_pct:+.0f}%)" if t.change_pct is not None else "")


def cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(table: Table) -> list[str]:
    lines = [f"{table.title}:"]
    if not table.rows:
        return [*lines, f"  {table.empty}"]
    cells = [[cell(v) for v in row] for row in table.rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(table.columns)]
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(table.columns, widths, strict=True)).rstrip())
    for row in cells:
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return lines


def render_text(report: Report) -> str:
    lines = [report.title, "=" * len(report.title)]
    if report.summary:
        lines.append(report.summary)
    for section in report.sections:
        lines += ["", section.title, "-" * len(section.title)]
        width = max((len(f.label) for f in section.figures), default=0)
        for fig in section.figures:
            delta = change(fig)
            lines.append(f"{fig.label:<{width}}  {fig.display():>10}" + (f"   {delta} vs previous" if delta else ""))
        for table in section.tables:
            lines += _table(table)
        lines += [f"Note: {n}" for n in section.notes]
    return "\n".join(lines) + "\n"
