"""Neutral Reply → an HTML fragment for the web chat. Pure: no I/O, no policy logic.

Every piece of text from a reply (draft, titles, findings, notes, names) goes through
`html.escape`, so a draft like `<img src=x onerror=…>` shows as text. Buttons carry the
action's id and its typed args as JSON in data attributes; the page sends them back as they are.

    render_reply(reply, draft=None)        the card (a check reply takes the draft to underline spans)
    render_message(message, viewer_email)  a stored chat message: a user's bubble or a bot card
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from html import escape
from typing import Any

from bot.replies import Action, ApprovalView, Reply, ReplyFinding

VERDICT_LABELS = {"allow": "Fine to post", "review": "Needs review", "block": "Don't post"}
KIND_LABELS = {"answer": "Answer", "not_covered": "Not covered", "notice": "Notice", "error": "Problem",
               "list": "List", "submission": "Approval"}
# Actions that take words from the card's text box (a note, a comment, a reason).
TAKES_TEXT = {"approve": "optional", "reject": "optional", "changes": "optional", "comment": "required",
              "dispute": "required", "uphold": "optional", "false_positive": "optional"}
TEXT_LABELS = {"check": "Reason, if you dispute a finding", "submission": "Note or comment"}
STATE_CLASSES = {"approved": "allow", "posted": "allow", "rejected": "block", "changes_requested": "review",
                 "withdrawn": "muted", "expired": "muted", "superseded": "muted", "submitted": "review"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def underline(text: str, findings: Iterable[ReplyFinding]) -> str:
    """The text, escaped, with each finding's span wrapped in <mark>. Overlapping or invalid spans
    are clipped so the text is always shown whole and in order."""
    spans = sorted((f.span[0], f.span[1], f) for f in findings if 0 <= f.span[0] < f.span[1] <= len(text))
    out, pos = [], 0
    for start, end, finding in spans:
        if start < pos:
            start = pos
        if start >= end:
            continue
        out.append(_e(text[pos:start]))
        out.append(f'<mark class="hit hit-{_e(finding.severity)}" title="{_e(finding.message)}">'
                   f'{_e(text[start:end])}</mark>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def _finding(f: ReplyFinding, dispute: Action | None) -> str:
    cite = f.citation
    title = _e(cite.title or cite.section)
    link = f'<a href="{_e(cite.url)}">{title}</a>' if cite.url.startswith(("https://", "http://")) else title
    parts = [f'<li class="finding sev-{_e(f.severity)}">',
             f'<p class="finding-head"><span class="sev">{_e(f.severity)}</span> '
             f'<q class="excerpt">{_e(f.excerpt)}</q> {_e(f.message)}</p>',
             f'<p class="cite">Policy: {link}</p>']
    if cite.quote:
        parts.append(f'<blockquote class="quote">{_e(cite.quote)}</blockquote>')
    if f.fix:
        parts.append(f'<p class="fix"><strong>Fix:</strong> {_e(f.fix)}</p>')
    if dispute is not None:
        parts.append(_button(dispute, label="This finding is wrong"))
    parts.append("</li>")
    return "".join(parts)


def _args(action: Action) -> dict[str, int | str]:
    """The typed args; an action that only carries a `value` (a dispute's id) sends that."""
    return dict(action.args) if action.args or not action.value else {"value": action.value}


def _button(action: Action, label: str | None = None) -> str:
    needs = TAKES_TEXT.get(action.id, "")
    attrs = f' data-text="{needs}"' if needs else ""
    return (f'<button type="button" class="btn btn-{_e(action.style)}" data-action="{_e(action.id)}" '
            f'data-args="{_e(json.dumps(_args(action), sort_keys=True))}"{attrs}>{_e(label or action.label)}</button>')


def _approval(view: ApprovalView) -> str:
    rows = []
    for q in view.quorum:
        done = q.given >= q.needed
        who = f" ({_e(', '.join(q.approvers))})" if q.approvers else ""
        rows.append(f'<li class="{"met" if done else "open"}"><span class="tick" aria-hidden="true">'
                    f'{"✔" if done else "○"}</span> {_e(q.label)}: {q.given} of {q.needed}{who}</li>')
    votes = [f'<li><strong>{_e(v.who)}</strong> {_e({"approve": "approved", "reject": "rejected", "changes": "asked for changes"}[v.value])}'
             + (f': <q>{_e(v.note)}</q>' if v.note else "") + "</li>" for v in view.votes]
    html = [f'<div class="approval"><p class="state state-{_e(STATE_CLASSES.get(view.state, "muted"))}">'
            f'#{view.submission_id} · version {view.version} · <strong>{_e(view.state_label)}</strong></p>']
    if rows:
        html.append(f'<ul class="quorum" aria-label="Approvals needed">{"".join(rows)}</ul>')
    if votes:
        html.append(f'<ul class="votes" aria-label="Votes">{"".join(votes)}</ul>')
    html.append("</div>")
    return "\n".join(html)


def _is_draft(reply: Reply) -> bool:
    """A submission card's body is the draft itself (its hash is the approval's), or a message."""
    return (reply.kind == "submission" and reply.approval is not None and bool(reply.body)
            and hashlib.sha256(reply.body.encode("utf-8")).hexdigest() == reply.approval.text_hash)


def _report(reply: Reply) -> str:
    """A /coe report: each section's figures (with their change) and tables; the chart inline; an
    export as a download link (data: URL, so nothing is stored on the server)."""
    report = reply.report
    assert report is not None
    html = [f'<p class="card-body">{_e(report.summary)}</p>'] if report.summary else []
    for section in report.sections:
        html.append(f'<section class="report-section"><h4>{_e(section.title)}</h4>')
        if section.figures:
            html.append('<dl class="facts">' + "".join(
                f"<dt>{_e(f.label)}</dt><dd>{_e(f.display())}{_e(f.change_label())}</dd>" for f in section.figures)
                + "</dl>")
        for table in section.tables:
            if not table.rows:
                html.append(f'<p class="muted">{_e(table.title)}: {_e(table.empty)}</p>')
                continue
            head = "".join(f'<th scope="col">{_e(c)}</th>' for c in table.columns)
            rows = "".join("<tr>" + "".join(f"<td>{_e('' if v is None else v)}</td>" for v in row) + "</tr>"
                           for row in table.rows)
            html.append(f'<table class="report-table"><caption>{_e(table.title)}</caption>'
                        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        html += [f'<p class="muted">{_e(n)}</p>' for n in section.notes]
        html.append("</section>")
    for a in reply.attachments:
        data = base64.b64encode(a.data).decode()
        if a.mime == "image/png":
            html.append(f'<img class="chart" alt="{_e(a.title or "chart")}" src="data:image/png;base64,{data}">')
        else:
            html.append(f'<p><a download="{_e(a.name)}" href="data:{_e(a.mime)};base64,{data}">'
                        f"Download {_e(a.name)}</a></p>")
    return "\n".join(html)



def render_reply(reply: Reply, *, draft: str | None = None) -> str:
    """One card. `draft`: the text a check reply is about (its spans are underlined)."""
    tone = reply.verdict or {"error": "block", "not_covered": "muted"}.get(reply.kind, "info")
    if reply.approval is not None:
        tone = STATE_CLASSES.get(reply.approval.state, tone)
    badge = VERDICT_LABELS.get(reply.verdict or "", "") if reply.kind == "check" else KIND_LABELS.get(reply.kind, "")
    if reply.approval is not None:
        badge = reply.approval.state_label.capitalize()
    html = [f'<article class="card card-{_e(reply.kind)} tone-{_e(tone)}">',
            '<header class="card-head">']
    if badge:
        html.append(f'<span class="badge badge-{_e(tone)}">{_e(badge)}</span>')
    html.append(f'<h3 class="card-title">{_e(reply.title)}</h3></header>')
    shown = draft if reply.kind == "check" else (reply.body if _is_draft(reply) else None)
    if reply.kind == "submission" and shown:
        html.append(f'<blockquote class="draft">{underline(shown, reply.findings)}</blockquote>')
    elif reply.report is not None:
        html.append(_report(reply))
    elif reply.body:
        html.append(f'<p class="card-body">{_e(reply.body)}</p>')
    if reply.kind == "check" and shown:
        html.append(f'<blockquote class="draft" aria-label="Your draft">{underline(shown, reply.findings)}'
                    "</blockquote>")
    disputes = {str(a.args.get("finding_id")): a for a in reply.actions if a.id == "dispute"}
    if reply.findings:
        html.append('<ul class="findings">' + "".join(_finding(f, disputes.get(f.id)) for f in reply.findings)
                    + "</ul>")
    if reply.citations:
        html.append('<ul class="citations">')
        for c in reply.citations:
            html.append(f'<li><p class="cite">{_e(c.title or c.section)}</p>'
                        + (f'<blockquote class="quote">{_e(c.quote)}</blockquote>' if c.quote else "") + "</li>")
        html.append("</ul>")
    if reply.approval is not None:
        html.append(_approval(reply.approval))
    facts = [f for f in reply.facts if reply.approval is None or f.label in ("Needs", "Comments")]
    if facts:
        html.append('<dl class="facts">' + "".join(f"<dt>{_e(f.label)}</dt><dd>{_e(f.value)}</dd>" for f in facts)
                    + "</dl>")
    buttons = [a for a in reply.actions if a.id != "dispute" or str(a.args.get("finding_id")) not in
               {f.id for f in reply.findings}]
    needs_text = any(a.id in TAKES_TEXT for a in reply.actions)
    if buttons or needs_text:
        html.append('<div class="actions">')
        if needs_text:
            label = TEXT_LABELS.get(reply.kind, "Note")
            html.append(f'<label class="note"><span>{_e(label)}</span>'
                        f'<input type="text" name="note" maxlength="4000" autocomplete="off"></label>')
        html.append("".join(_button(a) for a in buttons))
        html.append("</div>")
    html.append("</article>")
    return "\n".join(html)


def render_message(message: dict[str, Any], *, reactions: bool = False) -> str:
    """A stored message: {message_id, channel, author, kind, text, reply, draft, thread_of}.
    `reactions`: show ✅/❌ on an approval card still open (the approvers' channel)."""
    mid = _e(message["message_id"])
    head = (f'<div class="msg msg-{"user" if message["author"] != "steward" else "bot"}" id="m-{mid}" '
            f'data-message-id="{mid}" data-channel="{_e(message["channel"])}">')
    if message["author"] != "steward":
        return (head + f'<p class="who">{_e(message.get("author_name") or message["author"])}</p>'
                f'<p class="bubble">{_e(message.get("text") or "")}</p></div>')
    reply = Reply.model_validate(message["reply"])
    body = render_reply(reply, draft=message.get("draft"))
    if reactions and reply.approval is not None and not reply.approval.final and reply.approval.state == "submitted":
        body += ('<div class="reactions" role="group" aria-label="React">'
                 '<button type="button" class="react" data-react="approve" aria-label="React ✅ to approve">✅</button>'
                 '<button type="button" class="react" data-react="reject" aria-label="React ❌ to reject">❌</button>'
                 "</div>")
    thread = "".join(render_message(m) for m in message.get("replies", ()))
    if thread:
        body += f'<div class="thread" aria-label="Thread">{thread}</div>'
    return head + f'<p class="who">Steward{_e(" · " + message["kind"].replace("_", " ")) if message.get("kind") else ""}</p>' + body + "</div>"
