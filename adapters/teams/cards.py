"""Neutral replies → Adaptive Cards (schema 1.5, what Teams renders). Pure functions, no SDK.

Every button is an `Action.Execute` (a universal action): Teams sends it back as an
`adaptiveCard/action` invoke carrying `verb` and `data`, and the bot answers with the
card to show in its place. Approval cards carry `refresh.userIds`, so Teams asks the
bot for each listed viewer's own card: an approver sees the vote buttons, everybody
else a read-only card. Text that came from a person (drafts, notes, comments) is
escaped so that it can never turn into a link or formatting on the card.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from bot.replies import Action, ApprovalView, Attachment, Citation, Reply, ReplyFinding

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
REFRESH_USER_LIMIT = 60          # Teams honours at most 60 ids in refresh.userIds
MAX_TEXT = 4000                  # keep each block well inside Teams' 28 KB card budget
DATA_MARK = "steward"            # every Action.Execute's data carries it, so foreign invokes are told apart

_COLOR = {"allow": "good", "review": "warning", "block": "attention"}
_ICON = {"allow": "✅", "review": "🟡", "block": "⛔"}
_MARKDOWN = re.compile(r"([\\`*_\[\]()<>|~])")           # what Teams' markdown subset acts on
_LIST_MARK = re.compile(r"^(\s*)([-+]|\d+\.)(\s)", re.M)      # a line that would become a list item
# Buttons that need a few words from the person before they are sent.
_NEEDS_TEXT = {"dispute": ("reason", "Why is this finding wrong?", True),
               "changes": ("note", "What should change?", True),
               "reject": ("note", "Why? (optional)", False)}


def escape(text: str) -> str:
    """Text a person wrote, shown literally: no markdown, no links."""
    def unlist(m: re.Match[str]) -> str:
        mark = m.group(2)
        return m.group(1) + (mark[:-1] + "\\." if mark.endswith(".") else "\\" + mark) + m.group(3)

    return _LIST_MARK.sub(unlist, _MARKDOWN.sub(r"\\\1", text))


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": clip(text), "wrap": True, **style}


def card(reply: Reply, *, viewer_actions: bool = True, refresh_user_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """The Adaptive Card for a reply. `viewer_actions=False` draws the read-only card that
    people outside `refresh_user_ids` see."""
    body: list[dict[str, Any]] = [_header(reply)]
    if reply.report is not None:
        body += _report(reply)
    elif reply.body:
        body.append(_text(escape(reply.body)))
    body += [_finding(f) for f in reply.findings]
    body += _citations(reply.citations)
    if reply.facts:
        body.append({"type": "FactSet", "facts": [{"title": escape(f.label), "value": escape(clip(f.value, 500))}
                                                  for f in reply.facts]})
    if reply.approval is not None:
        body += _approval(reply.approval)
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    actions = [_action(a) for a in reply.actions] if viewer_actions else []
    if actions:
        out["actions"] = actions
    if reply.approval is not None and not reply.approval.final:
        # each listed viewer's Teams client asks for their own card (with the buttons they may use)
        out["refresh"] = {
            "action": {"type": "Action.Execute", "verb": "refresh", "title": "Refresh",
                       "data": _data("refresh", {"submission_id": reply.approval.submission_id,
                                                 "version": reply.approval.version})},
            "userIds": list(refresh_user_ids[:REFRESH_USER_LIMIT]),
        }
    return out


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}


def message(reply: Reply, **kwargs: Any) -> dict[str, Any]:
    """A message activity carrying the reply's card (and a plain summary for notifications)."""
    return {"type": "message", "text": summary(reply),
            "attachments": [attachment(card(reply, **kwargs))]}


def summary(reply: Reply) -> str:
    """One line for toasts, the activity feed and clients that cannot draw cards."""
    mark = _ICON.get(reply.verdict or "", "")
    return clip(f"{mark} {reply.title}".strip(), 300)


def _header(reply: Reply) -> dict[str, Any]:
    style: dict[str, Any] = {"size": "Medium", "weight": "Bolder"}
    if reply.verdict:
        style["color"] = _COLOR[reply.verdict]
    elif reply.kind == "error":
        style["color"] = "attention"
    mark = _ICON.get(reply.verdict or "", "")
    return _text(f"{mark} {escape(reply.title)}".strip(), **style)


def _finding(f: ReplyFinding) -> dict[str, Any]:
    severity = "tip" if f.severity == "allow" else f.severity
    items = [_text(f"**{escape(f.category)}** · {severity}: {escape(f.message)}", spacing="Small")]
    if f.excerpt:
        items.append(_text(f"Found: “{escape(clip(f.excerpt, 300))}”", isSubtle=True, spacing="None"))
    if f.fix:
        items.append(_text(f"Fix: {escape(f.fix)}", spacing="None"))
    items.append(_text(f"Policy: {_cite(f.citation)}", size="Small", isSubtle=True, spacing="None"))
    return {"type": "Container", "separator": True, "items": items}


def _cite(c: Citation) -> str:
    label = escape(c.title)
    return f"[{label}]({c.url})" if c.url.startswith("https://") else label


def _citations(citations: tuple[Citation, ...]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for i, c in enumerate(citations):
        items = [_text(("Source: " if i == 0 else "See also: ") + _cite(c), weight="Bolder" if i == 0 else "Default")]
        if c.quote and i == 0:
            items.append(_text(f"“{escape(clip(c.quote, 1500))}”", isSubtle=True, spacing="None"))
        blocks.append({"type": "Container", "separator": i == 0, "items": items})
    return blocks


def _approval(a: ApprovalView) -> list[dict[str, Any]]:
    facts = [("Submission", f"#{a.submission_id}, version {a.version}"),
             ("State", a.state_label or a.state),
             ("Requested by", a.requester)]
    if a.route:
        facts.append(("Route", ", ".join(a.route)))
    for q in a.quorum:
        facts.append((q.label, f"{q.given} of {q.needed} approvals"))
    if a.waiting_on and not a.final:
        facts.append(("Waiting on", ", ".join(a.waiting_on)))
    if a.sla_deadline is not None and not a.final:
        facts.append(("Decide by", a.sla_deadline.strftime("%Y-%m-%d %H:%M UTC")))
    blocks: list[dict[str, Any]] = [{"type": "FactSet", "separator": True,
                                     "facts": [{"title": escape(t), "value": escape(v)} for t, v in facts]}]
    for v in a.votes:
        line = f"{_VOTE_MARK[v.value]} {escape(v.who)} · {v.at.strftime('%Y-%m-%d %H:%M')}"
        if v.note:
            line += f" — {escape(clip(v.note, 500))}"
        blocks.append(_text(line, size="Small", spacing="None"))
    return blocks


MAX_IMAGE_BYTES = 20_000        # a chart travels inside the card (a data URI): keep the card under 28 KB
MAX_TABLE_ROWS = 15


def _report(reply: Reply) -> list[dict[str, Any]]:
    """A /coe report: its summary, each section's figures (with the change) and tables, the chart."""
    report = reply.report
    assert report is not None
    blocks: list[dict[str, Any]] = []
    if report.summary:
        blocks.append(_text(escape(report.summary), isSubtle=True))
    for section in report.sections:
        items: list[dict[str, Any]] = [_text(escape(section.title), weight="Bolder")]
        if section.figures:
            items.append({"type": "FactSet", "facts": [
                {"title": escape(f.label), "value": escape(f.display() + f.change_label())} for f in section.figures]})
        for table in section.tables:
            items += _table(table)
        items += [_text(escape(n), size="Small", isSubtle=True, spacing="None") for n in section.notes]
        blocks.append({"type": "Container", "separator": True, "items": items})
    blocks += [_image(a) for a in reply.attachments if a.mime == "image/png"]
    blocks += [_text(f"📎 {escape(a.name)} ({len(a.data):,} bytes)", size="Small")
               for a in reply.attachments if a.mime != "image/png"]
    return blocks



def _table(table: Any) -> list[dict[str, Any]]:
    """Teams' Table element needs schema 1.5 hosts; a ColumnSet per row renders everywhere."""
    head = [_text(escape(table.title), size="Small", weight="Bolder", spacing="Small")]
    if not table.rows:
        return head + [_text(escape(table.empty), size="Small", isSubtle=True, spacing="None")]
    rows = [table.columns, *table.rows[:MAX_TABLE_ROWS]]
    lines = [{"type": "ColumnSet", "spacing": "None", "columns": [
        {"type": "Column", "width": "stretch", "items": [_text(escape("" if v is None else str(v)), size="Small",
                                                               weight="Bolder" if i == 0 else "Default")]}
        for v in row]} for i, row in enumerate(rows)]
    more = len(table.rows) - MAX_TABLE_ROWS
    if more > 0:
        lines.append(_text(f"… and {more} more", size="Small", isSubtle=True, spacing="None"))
    return head + lines


def _image(a: Attachment) -> dict[str, Any]:
    if len(a.data) > MAX_IMAGE_BYTES:
        return _text("The chart is too large for a Teams card; `steward report show --chart FILE` draws it.",
                     size="Small", isSubtle=True)
    return {"type": "Image", "url": "data:image/png;base64," + base64.b64encode(a.data).decode(),
            "altText": escape(a.title or "chart"), "size": "Stretch"}


_VOTE_MARK = {"approve": "✅ approved", "reject": "❌ rejected", "changes": "📝 asked for changes"}


def _data(verb: str, args: dict[str, Any]) -> dict[str, Any]:
    return {DATA_MARK: 1, "action": verb, **args}


def _action(a: Action) -> dict[str, Any]:
    execute: dict[str, Any] = {"type": "Action.Execute", "title": clip(a.label, 80), "verb": a.id,
                               "data": _data(a.id, dict(a.args))}
    if a.style == "primary":
        execute["style"] = "positive"
    elif a.style == "danger":
        execute["style"] = "destructive"
    if a.id not in _NEEDS_TEXT:
        return execute
    field, placeholder, required = _NEEDS_TEXT[a.id]
    entry: dict[str, Any] = {"type": "Input.Text", "id": field, "isMultiline": True, "maxLength": 4000,
                             "placeholder": placeholder, "label": placeholder}
    if required:
        entry.update(isRequired=True, errorMessage="A few words, please.")
    execute["title"] = "Send"
    return {"type": "Action.ShowCard", "title": clip(a.label, 80),
            "card": {"type": "AdaptiveCard", "body": [entry], "actions": [execute]}}
