"""Neutral replies → Block Kit (pure). Built with slack_sdk's block models, cut to Slack's limits.

Slack refuses a message outright when one limit is broken, so every text is cut here, at a word
boundary with an ellipsis, before it reaches a block: header 150 characters, section text 3,000,
a field 2,000, a button label 75 and value 2,000, 10 fields per section, 10 context elements,
25 elements per actions block, 50 blocks per message (100 in a modal or App Home). User text is
escaped (&, <, >) so a draft can never mention @channel or forge a link.
Buttons carry the core's ids as compact JSON (`{"check_id": 12}`), never the draft.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.replies import Action, ApprovalView, Citation, Reply, ReplyFinding

HEADER_MAX, SECTION_MAX, FIELD_MAX, FIELDS_MAX = 150, 3000, 2000, 10
BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, ACTIONS_MAX, CONTEXT_MAX = 75, 2000, 25, 10
MESSAGE_BLOCKS_MAX, VIEW_BLOCKS_MAX, FALLBACK_MAX = 50, 100, 3000
MODAL_TITLE_MAX, INPUT_MAX = 24, 3000
QUOTE_MAX = 700            # a finding's excerpt or a policy quote: enough to recognise it
DRAFT_MAX = 2800           # the draft on an approval card, in one section

ACTION_PREFIX = "steward:"
# The buttons app.py answers; a reply's other actions are not drawn (a button must never do nothing).
BUTTONS = frozenset({"submit", "dispute", "ask", "approve", "reject", "changes", "unvote", "comment", "withdraw",
                     "resubmit", "uphold", "false_positive"})
VERDICT_ICON = {"allow": ":white_check_mark:", "review": ":warning:", "block": ":no_entry:"}
KIND_ICON = {"answer": ":books:", "not_covered": ":grey_question:", "error": ":x:", "notice": ":information_source:",
             "list": ":clipboard:", "submission": ":inbox_tray:"}
VOTE_WORDS = {"approve": "approved", "reject": "rejected", "changes": "asked for changes"}

# Modal callback ids and block ids (app.py routes on them; translate.py reads them back).
DISPUTE_VIEW, CHANGES_VIEW, CHECK_VIEW = "steward_dispute", "steward_changes", "steward_check"
COMMENT_VIEW = "steward_comment"
NOTE_BLOCK, NOTE_INPUT = "note", "note_input"


def cut(text: str, limit: int) -> str:
    """At most `limit` characters: whole words where possible, an ellipsis when cut."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    if not text[limit - 1].isspace() and space > limit * 0.6:     # mid-word: back to the last whole word
        head = head[:space]
    return head.rstrip() + "…"


def escape(text: str) -> str:
    """Slack's three control characters; everything else shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str, limit: int = QUOTE_MAX) -> str:
    return "\n".join("> " + line for line in escape(cut(text, limit)).splitlines() or [""])


def _md(text: str, limit: int = SECTION_MAX) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(text, limit))


def _section(text: str, **kw: Any) -> SectionBlock:
    return SectionBlock(text=_md(text), **kw)


def _context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[_md(p, SECTION_MAX) for p in parts[:CONTEXT_MAX] if p])


def action_id(action_name: str, n: int = 0) -> str:
    return f"{ACTION_PREFIX}{action_name}" + (f":{n}" if n else "")


def button(action: Action, n: int = 0) -> ButtonElement:
    value = json.dumps(action.args, separators=(",", ":"), sort_keys=True) if action.args else action.value
    if len(value) > BUTTON_VALUE_MAX:            # never expected: args are ids
        raise ValueError(f"button value for {action.id} is {len(value)} characters")
    style = action.style if action.style in ("primary", "danger") else None
    return ButtonElement(text=PlainTextObject(text=cut(action.label, BUTTON_TEXT_MAX)), action_id=action_id(action.id, n),
                         value=value or action.id, style=style)


def citation_line(c: Citation) -> str:
    title = escape(cut(c.title or c.section, 200))
    link = f"<{c.url}|{title}>" if c.url else f"*{title}*"
    return f":bookmark: {link}" + (f"\n{quote(c.quote)}" if c.quote else "")


def finding_block(f: ReplyFinding, dispute: Action | None, n: int) -> SectionBlock:
    icon = VERDICT_ICON.get(f.severity, ":warning:")
    text = f"{icon} *{escape(f.message)}*"
    if f.excerpt:
        text += f"\n{quote(f.excerpt, 300)}"
    if f.fix:
        text += f"\n_Fix:_ {escape(f.fix)}"
    text += "\n" + citation_line(f.citation)
    accessory = button(dispute, n) if dispute is not None else None
    return _section(text, accessory=accessory)


def _facts(reply: Reply) -> list[Block]:
    fields = [_md(f"*{escape(cut(f.label, 200))}*\n{escape(f.value)}", FIELD_MAX) for f in reply.facts]
    return [SectionBlock(fields=fields[i:i + FIELDS_MAX]) for i in range(0, len(fields), FIELDS_MAX)]


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def approval_blocks(view: ApprovalView) -> list[Block]:
    """Quorum, votes, what is still needed and the deadline: the live part of a card."""
    lines = []
    for q in view.quorum:
        who = f" ({', '.join(escape(a) for a in q.approvers)})" if q.approvers else ""
        mark = ":white_check_mark:" if q.given >= q.needed else ":hourglass_flowing_sand:"
        lines.append(f"{mark} *{escape(q.label)}*: {q.given} of {q.needed}{who}")
    for v in view.votes:
        note = f": {escape(cut(v.note, 300))}" if v.note else ""
        lines.append(f"• {escape(v.who)} {VOTE_WORDS.get(v.value, v.value)}{note}")
    out: list[Block] = [_section("\n".join(lines))] if lines else []
    status = [f"*{escape(view.state_label)}* · #{view.submission_id} version {view.version}"]
    if view.waiting_on:
        status.append("Waiting on " + escape(", ".join(view.waiting_on)))
    if view.sla_deadline is not None and not view.final:
        status.append(f"Due {_when(view.sla_deadline)}")
    out.append(_context(" · ".join(status)))
    return out


def reply_blocks(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS_MAX) -> list[dict[str, Any]]:
    """The whole reply as Block Kit dicts, never more than `max_blocks`."""
    icon = VERDICT_ICON.get(reply.verdict or "", KIND_ICON.get(reply.kind, ""))
    head: list[Block] = [HeaderBlock(text=PlainTextObject(text=cut(reply.title, HEADER_MAX), emoji=True))]
    body: list[Block] = []
    if reply.report is not None:
        body += report_blocks(reply)
    elif reply.body:
        text = quote(reply.body, DRAFT_MAX) if reply.kind == "submission" else escape(reply.body)
        body.append(_section(f"{icon} {text}" if icon and reply.kind != "submission" else text))
    disputes = {str(a.args.get("finding_id")): a for a in reply.actions if a.id == "dispute"}
    items: list[Block] = [finding_block(f, disputes.get(f.id), n) for n, f in enumerate(reply.findings)]
    items += [_section(citation_line(c)) for c in reply.citations]
    tail: list[Block] = _facts(reply)
    if reply.approval is not None:
        tail += approval_blocks(reply.approval)
    actions = [a for a in reply.actions if a.id in BUTTONS and a.id != "dispute"]
    if reply.kind == "check" and reply.findings:
        c = reply.findings[0].citation
        actions.append(Action(id="ask", label="Ask about this policy",
                              args={"section": c.section, "title": cut(c.title or c.section, 100)}))
    buttons = [button(a) for a in actions][:ACTIONS_MAX]
    if buttons:
        tail.append(ActionsBlock(elements=buttons))
    if reply.corpus_version:
        tail.append(_context(f"Policy version {escape(reply.corpus_version)}"))
    room = max_blocks - len(head) - len(body) - len(tail)
    if len(items) > room:
        hidden = len(items) - (room - 1)
        items = [*items[:room - 1], _context(f"…and {hidden} more not shown here")]
    if reply.findings or reply.citations:
        items.insert(0, DividerBlock())
        if len(head) + len(body) + len(items) + len(tail) > max_blocks:
            items.pop(0)
    return [b.to_dict() for b in (*head, *body, *items, *tail)]


def report_blocks(reply: Reply) -> list[Block]:
    """A /coe report: each section's figures as fields (with the change), tables as aligned text."""
    report = reply.report
    assert report is not None
    out: list[Block] = [_context(escape(report.summary))] if report.summary else []
    for section in report.sections:
        fields = [_md(f"*{escape(f.label)}*\n{escape(f.display())}{escape(f.change_label())}", FIELD_MAX)
                  for f in section.figures][:FIELDS_MAX]
        out.append(SectionBlock(text=_md(f"*{escape(section.title)}*"), fields=fields or None))
        for table in section.tables:
            out.append(_section(f"*{escape(table.title)}*\n" + (_aligned(table) if table.rows else escape(table.empty))))
        if section.notes:
            out.append(_context(*(escape(n) for n in section.notes)))
    return out



def _aligned(table: Any) -> str:
    rows = [tuple(str(c) for c in table.columns),
            *(tuple("" if v is None else str(v) for v in row) for row in table.rows)]
    widths = [min(30, max(len(r[i]) for r in rows)) for i in range(len(table.columns))]
    lines = ["  ".join(cut(v, widths[i]).ljust(widths[i]) for i, v in enumerate(r)).rstrip() for r in rows]
    return "```" + cut("\n".join(lines), SECTION_MAX - 200) + "```"


def fallback_text(reply: Reply) -> str:
    """The notification text (and what screen readers say first)."""
    return escape(cut(f"{reply.title}: {reply.body}" if reply.body else reply.title, FALLBACK_MAX - 200))


def message(reply: Reply) -> dict[str, Any]:
    """chat.postMessage / chat.update / chat.postEphemeral / response_url arguments for a reply."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply)}


def _modal(callback_id: str, title: str, blocks: Sequence[Block | dict[str, Any]], *, submit: str | None = None,
           private_metadata: str = "") -> dict[str, Any]:
    view = View(type="modal", callback_id=callback_id, title=PlainTextObject(text=cut(title, MODAL_TITLE_MAX)),
                close=PlainTextObject(text="Close"), blocks=list(blocks)[:VIEW_BLOCKS_MAX],
                submit=PlainTextObject(text=submit) if submit else None, private_metadata=private_metadata)
    return view.to_dict()


def reply_modal(reply: Reply) -> dict[str, Any]:
    return _modal(CHECK_VIEW, "Steward", reply_blocks(reply, max_blocks=VIEW_BLOCKS_MAX))


def working_modal(what: str) -> dict[str, Any]:
    """Opened at once (a trigger id lives 3 seconds), then updated with the result."""
    return _modal(CHECK_VIEW, "Steward", [_context(f":hourglass_flowing_sand: {escape(what)}…")])


def note_modal(callback_id: str, title: str, label: str, private_metadata: str, *, optional: bool = False,
               hint: str = "") -> dict[str, Any]:
    field = InputBlock(block_id=NOTE_BLOCK, label=PlainTextObject(text=label), optional=optional,
                       element=PlainTextInputElement(action_id=NOTE_INPUT, multiline=True, max_length=INPUT_MAX),
                       hint=PlainTextObject(text=hint) if hint else None)
    return _modal(callback_id, title, [field], submit="Send", private_metadata=private_metadata)


def dispute_modal(finding: ReplyFinding | None, finding_id: str) -> dict[str, Any]:
    hint = f"About: {cut(finding.message, 140)}" if finding else ""
    return note_modal(DISPUTE_VIEW, "Dispute a finding", "Why is this finding wrong?", finding_id, hint=hint)


def changes_modal(submission_id: int, version: int) -> dict[str, Any]:
    return note_modal(CHANGES_VIEW, f"Request changes #{submission_id}", "What should change?",
                      f"{submission_id}:{version}")


def comment_modal(submission_id: int) -> dict[str, Any]:
    return note_modal(COMMENT_VIEW, f"Comment on #{submission_id}", "Your comment", str(submission_id),
                      hint="The requester and the approvers see it.")


def home_view(recent: Sequence[ApprovalView], pending: Sequence[ApprovalView], *, is_coe: bool,
              policy_url: str = "", now: datetime | None = None) -> dict[str, Any]:
    """App Home: my submissions, my queue (with one-click votes), CoE links, the policy."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Steward"))]
    blocks.append(_section("Check a draft with `/canipost`, ask with `/policy`, or message me directly."
                           + (f" Read the <{policy_url}|social media policy>." if policy_url else "")))
    if pending:
        blocks += [DividerBlock(), _section(f"*Waiting for your decision ({len(pending)})*")]
        for v in pending[:15]:
            age = f", waiting {_age(v, now)}" if now is not None else ""
            line = f"#{v.submission_id} from {escape(v.requester)} · version {v.version}{age}"
            if v.waiting_on:
                line += f"\nStill needed: {escape(', '.join(v.waiting_on))}"
            blocks.append(_section(line))
            args: dict[str, int | str] = {"submission_id": v.submission_id, "version": v.version}
            blocks.append(ActionsBlock(elements=[
                button(Action(id="approve", label="Approve", style="primary", args=args)),
                button(Action(id="changes", label="Request changes", args=args)),
                button(Action(id="reject", label="Reject", style="danger", args=args))]))
    blocks += [DividerBlock(), _section("*Your recent submissions*")]
    lines = [f"#{v.submission_id} (version {v.version}): {escape(v.state_label)}" for v in recent[:20]]
    blocks.append(_section("\n".join(lines) if lines else "Nothing sent for approval yet."))
    if is_coe:
        blocks += [DividerBlock(), _section("*CoE*: `/coe` runs the reports; `/coe pending` lists what waits.")]
    return View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX]).to_dict()


def _age(view: ApprovalView, now: datetime) -> str:
    if view.sla_deadline is None:
        return "open"
    hours = (view.sla_deadline - now).total_seconds() / 3600
    return f"due in {hours:.0f} h" if hours >= 0 else f"overdue by {-hours:.0f} h"
