"""Plain-text rendering of a neutral Reply, shared by the CLI and the terminal chat."""

from __future__ import annotations

from bot.replies import Reply

_MARK = {"allow": "✅", "review": "🟡", "block": "⛔"}


def render_text(reply: Reply) -> str:
    mark = _MARK.get(reply.verdict or "", "ℹ️" if reply.kind != "error" else "❗")
    lines = [f"{mark} {reply.title}"]
    if reply.body:
        lines.append(reply.body)
    for f in reply.findings:
        sev = "tip" if f.severity == "allow" else f.severity
        lines.append(f"  • [{sev}] {f.category}: {f.message}")
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
    if reply.actions:
        lines.append("  next: " + " · ".join(a.label for a in reply.actions))
    return "\n".join(lines)


def _clip(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
