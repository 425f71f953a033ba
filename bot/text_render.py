"""Plain-text rendering of a neutral Reply, shared by the CLI and the terminal chat.

Everything printed passes through `escape_controls`: a comment or draft cannot
drive the terminal (colours, cursor moves, title changes) with escape sequences.
"""

from __future__ import annotations

from bot.replies import Reply
from bot.validation import escape_controls

_MARK = {"allow": "✅", "review": "🟡", "block": "⛔"}


def render_text(reply: Reply) -> str:
    mark = _MARK.get(reply.verdict or "", "ℹ️" if reply.kind != "error" else "❗")
    lines = [f"{mark} {reply.title}"]
    if reply.body:
        lines.append(reply.body)
    for f in reply.findings:
        sev = "tip" if f.severity == "allow" else f.severity
        ident = f" (finding {f.id}, rule {f.rule})" if f.id else f" (rule {f.rule})"
        lines.append(f"  • [{sev}] {f.category}: {f.message}{ident}")
        if f.excerpt:
            lines.append(f"      found: “{_clip(f.excerpt)}”")
        lines.append(f"      fix: {f.fix}")
        lines.append(f"      policy: {f.citation.title} ({f.citation.policy}#{f.citation.section})"
                     + (f" {f.citation.url}" if f.citation.url else ""))
    for i, c in enumerate(reply.citations):
        label = "source" if i == 0 else "see also"
        lines.append(f"  {label}: {c.title} ({c.policy}#{c.section}, {c.category})"
                     + (f" {c.url}" if c.url else ""))
    for fact in reply.facts:
        lines.append(f"  {fact.label}: {fact.value}")
    approval = reply.approval
    if approval is not None and approval.sla_deadline is not None and not approval.final:
        lines.append(f"  Decide by: {approval.sla_deadline:%Y-%m-%d %H:%M} UTC")
    if reply.check_id is not None:
        lines.append(f"  check #{reply.check_id}")
    if reply.actions:
        lines.append("  next: " + " · ".join(a.label for a in reply.actions))
    return escape_controls("\n".join(lines))


def _clip(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
