"""The checker: run a corpus's rules over a draft and aggregate one verdict.

Rules are compiled once per corpus (`Checker(corpus)`); `check(text)` then costs
one normalisation plus a regex pass per rule. Phrase and lexicon rules match the
normalised text and, when it differs, its leetspeak-folded twin; spans are always
mapped back to the draft as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.checker.detectors import DETECTORS, Hit
from bot.checker.normalize import Normalized, normalize
from bot.checker.patterns import compile_any, terms_regex
from bot.checker.result import CheckResult, Finding, PolicyRef, Suppression, strictest
from bot.policy.models import SEVERITY_RANK, ContextGroup, Corpus, Lexicon, Rule

MAX_FINDINGS_PER_RULE = 5

# Context groups every corpus has, derived from its lexicon; a corpus may redefine them.
PUBLIC_SOURCE = "public_source"
DISCLOSURE = "disclosure"


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    ref: PolicyRef
    regex: re.Pattern[str] | None        # phrase / lexicon / disclosure
    detector: Callable[[Normalized], list[Hit]] | None
    except_near: re.Pattern[str] | None


def _context_regexes(corpus: Corpus) -> dict[str, re.Pattern[str]]:
    lex = corpus.lexicon
    groups: dict[str, ContextGroup] = {
        PUBLIC_SOURCE: ContextGroup(terms=("public_sources",)),
        DISCLOSURE: ContextGroup(terms=("disclosure_markers",)),
    }
    for name, group in corpus.contexts.items():
        # A corpus extends the built-in groups rather than replacing them.
        base = groups.get(name, ContextGroup())
        groups[name] = ContextGroup(patterns=base.patterns + group.patterns, terms=base.terms + group.terms)
    out: dict[str, re.Pattern[str]] = {}
    for name, group in groups.items():
        sources = [terms_regex(lex.term_list(t) or ()) for t in group.terms]
        rx = compile_any([*group.patterns, *sources], lex)
        if rx is not None:
            out[name] = rx
    return out


def _compile_rule(rule: Rule, corpus: Corpus) -> _Compiled:
    lex: Lexicon = corpus.lexicon
    section = corpus.sections[rule.section]
    ref = PolicyRef(id=section.doc_id, title=section.title, section=section.id)
    regex = None
    if rule.kind == "phrase":
        regex = compile_any(rule.patterns, lex)
    elif rule.kind == "lexicon":
        regex = compile_any([terms_regex(lex.term_list(t) or ()) for t in rule.terms], lex)
    elif rule.kind == "disclosure":
        regex = compile_any(rule.patterns or ("{products}",), lex)
    detector = DETECTORS[rule.detector] if rule.detector else None
    return _Compiled(rule, ref, regex, detector, compile_any(rule.except_near, lex))


class _Draft:
    """One draft under check: its views and a cache of context matches."""

    __slots__ = ("norm", "views", "_contexts", "_ctx_cache")

    def __init__(self, text: str, contexts: dict[str, re.Pattern[str]]) -> None:
        self.norm = normalize(text)
        n = self.norm
        self.views = (n.text,) if n.folded == n.text else (n.text, n.folded)
        self._contexts = contexts
        self._ctx_cache: dict[str, list[tuple[int, int]]] = {}

    def spans(self, regex: re.Pattern[str]) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for view in self.views:
            for m in regex.finditer(view):
                if m.end() > m.start() and not any(s < m.end() and m.start() < e for s, e in found):
                    found.append((m.start(), m.end()))
        return found

    def context(self, name: str) -> list[tuple[int, int]]:
        if name not in self._ctx_cache:
            rx = self._contexts.get(name)
            self._ctx_cache[name] = self.spans(rx) if rx is not None else []
        return self._ctx_cache[name]

    def near(self, name: str, span: tuple[int, int], window: int | None) -> bool:
        hits = self.context(name)
        if window is None:
            return bool(hits)
        lo, hi = span[0] - window, span[1] + window
        return any(s < hi and e > lo for s, e in hits)


class Checker:
    """Compiled rules of one corpus. Thread-safe: `check` keeps its state per call."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._contexts = _context_regexes(corpus)
        self._rules = [_compile_rule(r, corpus) for r in corpus.rules if r.enabled]

    def check(self, text: str, suppressions: Sequence[Suppression] = ()) -> CheckResult:
        draft = _Draft(text, self._contexts)
        findings: list[Finding] = []
        for compiled in self._rules:
            findings.extend(self._run(compiled, draft))
        if suppressions:
            findings = [f for f in findings
                        if not any(s.silences(f, text[f.span[0]:f.span[1]]) for s in suppressions)]
        findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.span[0]))
        return CheckResult(
            verdict=strictest([f.severity for f in findings]),
            findings=tuple(findings),
            corpus_version=self.corpus.version,
            categories=tuple(dict.fromkeys(f.category for f in findings if f.severity != "allow")),
        )

    def _run(self, c: _Compiled, draft: _Draft) -> Iterable[Finding]:
        rule = c.rule
        if any(draft.near(name, (0, 0), None) for name in rule.unless):
            return []
        if rule.kind == "disclosure" and draft.near(DISCLOSURE, (0, 0), None):
            return []
        if c.detector is not None:
            # Detectors report spans in the original text; their context is the whole draft.
            hits = [(h.start, h.end) for h in c.detector(draft.norm)]
            return self._emit(c, draft, hits, original_spans=True)
        assert c.regex is not None
        return self._emit(c, draft, draft.spans(c.regex), original_spans=False)

    def _emit(self, c: _Compiled, draft: _Draft, spans: list[tuple[int, int]],
              original_spans: bool) -> list[Finding]:
        rule, out = c.rule, []
        window = None if original_spans else rule.window
        for span in spans:
            probe = (0, 0) if original_spans else span
            if not all(draft.near(g, probe, window) for g in rule.requires):
                continue
            if rule.requires_any and not any(draft.near(g, probe, window) for g in rule.requires_any):
                continue
            if c.except_near is not None and self._excepted(c.except_near, draft, span, rule.near,
                                                            original_spans):
                continue
            severity = rule.severity
            if rule.public_severity and draft.near(PUBLIC_SOURCE, (0, 0), None):
                severity = rule.public_severity
            where = span if original_spans else draft.norm.span(*span)
            out.append(Finding(rule.category, severity, rule.id, rule.message, where, c.ref, rule.fix))
            if len(out) >= MAX_FINDINGS_PER_RULE:
                break
        return out

    @staticmethod
    def _excepted(rx: re.Pattern[str], draft: _Draft, span: tuple[int, int], near: int,
                  original_spans: bool) -> bool:
        views = (draft.norm.original.lower(),) if original_spans else draft.views
        for view in views:
            lo, hi = max(0, span[0] - near), min(len(view), span[1] + near)
            for m in rx.finditer(view, lo, hi):
                if m.end() > m.start():
                    return True
        return False

