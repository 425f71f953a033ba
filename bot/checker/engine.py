"""The checker: run a corpus's rules over a draft and aggregate one verdict.

Rules are compiled once per corpus (`Checker(corpus)`). `check(text)` normalises the
draft once, finds every rule's literals in one pass (bot/checker/prefilter.py) and
runs only the patterns that can match, on the normalised text and on two views that
reveal obfuscation (leetspeak folded, spaced-out letters joined). Spans are always
mapped back to the draft as written.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.checker.baseline import baseline_rules
from bot.checker.detectors import DETECTORS, Hit
from bot.checker.detectors.bidi import displayed
from bot.checker.normalize import Normalized, normalize
from bot.checker.patterns import LazyPattern, compile_any, compile_each, terms_regex
from bot.checker.prefilter import LiteralIndex, PatternSet, Scan
from bot.checker.result import CheckResult, Finding, PolicyRef, Suppression, strictest
from bot.policy.models import DISCLOSURE, PUBLIC_SOURCE, SEVERITY_RANK, ContextGroup, Corpus, Lexicon, Rule

if TYPE_CHECKING:
    from bot.checker.learned import Judgement, LearnedLayer

MAX_FINDINGS_PER_RULE = 5
LEARNED_RULE = "learned"


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    ref: PolicyRef
    patterns: PatternSet | None          # phrase / lexicon / disclosure
    detector: Callable[[Normalized], list[Hit]] | None
    except_near: LazyPattern | None


def _context_regexes(corpus: Corpus) -> dict[str, PatternSet]:
    lex = corpus.lexicon
    groups: dict[str, ContextGroup] = {
        PUBLIC_SOURCE: ContextGroup(terms=("public_sources",)),
        DISCLOSURE: ContextGroup(terms=("disclosure_markers",)),
    }
    for name, group in corpus.contexts.items():
        # A corpus extends the built-in groups rather than replacing them.
        base = groups.get(name, ContextGroup())
        groups[name] = ContextGroup(patterns=base.patterns + group.patterns, terms=base.terms + group.terms)
    out: dict[str, PatternSet] = {}
    for name, group in groups.items():
        sources = [terms_regex(lex.term_list(t) or ()) for t in group.terms]
        out[name] = PatternSet(compile_each([*group.patterns, *sources], lex))
    return out


def _compile_rule(rule: Rule, corpus: Corpus, ref: PolicyRef | None = None) -> _Compiled:
    lex: Lexicon = corpus.lexicon
    if ref is None:
        section = corpus.sections[rule.section]
        ref = PolicyRef(id=section.doc_id, title=section.title, section=section.id)
    sources: tuple[str, ...] = ()
    if rule.kind == "phrase":
        sources = rule.patterns
    elif rule.kind == "lexicon":
        sources = tuple(terms_regex(lex.term_list(t) or ()) for t in rule.terms)
    elif rule.kind == "disclosure":
        sources = rule.patterns or ("{products}",)
    patterns = PatternSet(compile_each(sources, lex)) if sources else None
    detector = DETECTORS[rule.detector] if rule.detector else None
    return _Compiled(rule, ref, patterns, detector, compile_any(rule.except_near, lex))


class _Draft:
    """One draft under check: its views and a cache of context matches."""

    __slots__ = ("norm", "_contexts", "_ctx_cache", "_scan", "_folded", "_despaced")

    def __init__(self, text: str, contexts: dict[str, PatternSet], literals: LiteralIndex) -> None:
        self.norm = n = normalize(text)
        self._contexts = contexts
        self._ctx_cache: dict[str, list[tuple[int, int]]] = {}
        self._scan = literals.scan(n.text)
        # Views that reveal obfuscated words. Leetspeak folded ('m0r0ns') has the text's
        # length and differs only around a few tokens, so it is searched in windows around
        # them. Letters spaced apart joined up ('s h u t  u p') is rarer and shorter; it
        # carries an index back to the text.
        leet = ([m.start() for m in _LEET.finditer(n.text) if n.folded[m.start()] != m.group()]
                if n.folded != n.text else [])
        self._folded = [(lo, hi, literals.scan(n.folded[lo:hi])) for lo, hi in _windows(leet, len(n.text))]
        despaced = _despace(n.folded)
        self._despaced: list[tuple[str, list[int], int, int, Scan]] = []
        if despaced is not None:
            view, index, joined = despaced
            self._despaced = [(view, index, lo, hi, literals.scan(view[lo:hi]))
                              for lo, hi in _windows(joined, len(view))]

    def spans(self, patterns: PatternSet) -> list[tuple[int, int]]:
        """Matches in the normalised text, plus those that only an alternate view reveals."""
        found = patterns.spans(self.norm.text, self._scan)

        def add(s: int, e: int) -> None:
            if not any(a < e and s < b for a, b in found):
                found.append((s, e))

        for lo, hi, scan in self._folded:
            for s, e in patterns.spans(self.norm.folded, scan, lo, hi):
                add(s, e)
        for view, index, lo, hi, scan in self._despaced:
            for s, e in patterns.spans(view, scan, lo, hi):
                add(index[s], index[e - 1] + 1)
        return found

    def context(self, name: str) -> list[tuple[int, int]]:
        if name not in self._ctx_cache:
            patterns = self._contexts.get(name)
            self._ctx_cache[name] = self.spans(patterns) if patterns is not None else []
        return self._ctx_cache[name]

    def near(self, name: str, span: tuple[int, int], window: int | None) -> bool:
        hits = self.context(name)
        if window is None:
            return bool(hits)
        lo, hi = span[0] - window, span[1] + window
        return any(s < hi and e > lo for s, e in hits)


_FOLD_WINDOW = 100  # chars of context a pattern may need around a changed token
_LEET = re.compile(r"[0134579@$]")
# Three or more single letters separated by single spaces: 'k e s t r e l'. A shorter
# run counts only as the next word of one ('s h u t  u p').
_SPACED = re.compile(r"(?<![\w'’])(?:[^\W\d_] ){2,}[^\W\d_](?![\w'’])")
_SPACED_NEXT = re.compile(r"(?:[^\W\d_] )+[^\W\d_](?![\w'’])")


def _despace(view: str) -> tuple[str, list[int], list[int]] | None:
    """Join letters written apart ('s h u t  u p' → 'shut up'), or None when there are none.

    Returns the joined view, for each of its characters its offset in `view`, and
    where in the joined view the joined words are.
    """
    first = _SPACED.search(view)
    if first is None:
        return None
    parts: list[str] = []
    index: list[int] = []
    joined: list[int] = []
    i = 0
    m: re.Match[str] | None = first
    while m is not None:
        parts.append(view[i:m.start()])
        index.extend(range(i, m.start()))
        joined.append(len(index))
        parts.append(view[m.start():m.end():2])    # letter, space, letter, …
        index.extend(range(m.start(), m.end(), 2))
        i = m.end()
        gap = len(view) - i - len(view[i:].lstrip(" "))
        follow = _SPACED_NEXT.match(view, i + gap) if gap > 1 else None
        if follow is not None:                      # the next word, two spaces on
            parts.append(" ")
            index.append(i)
            i += gap
            m = follow
        else:
            m = _SPACED.search(view, i)
    parts.append(view[i:])
    index.extend(range(i, len(view)))
    return "".join(parts), index, joined


def _windows(positions: list[int], length: int) -> list[tuple[int, int]]:
    """Merged windows of context around the positions where a view differs from the text."""
    windows: list[tuple[int, int]] = []
    for i in positions:
        lo, hi = max(0, i - _FOLD_WINDOW), min(length, i + _FOLD_WINDOW)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return windows


def _drop_nested(findings: list[Finding]) -> list[Finding]:
    """Drop a finding inside another of the same category ('Kestrel' within 'Project Kestrel')."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.span[0] - f.span[1])):
        if not any(k.category == f.category and k.span[0] <= f.span[0] and f.span[1] <= k.span[1]
                   for k in kept):
            kept.append(f)
    return kept


def _category_refs(corpus: Corpus) -> dict[str, PolicyRef]:
    """The section each category's findings cite: the one its rules cite most, else its first section."""
    refs: dict[str, PolicyRef] = {}
    cited = Counter((r.category, r.section) for r in corpus.rules if r.section in corpus.sections)
    for (category, section_id), _ in cited.most_common():
        if category not in refs:
            s = corpus.sections[section_id]
            refs[category] = PolicyRef(id=s.doc_id, title=s.title, section=s.id)
    for s in corpus.sections.values():
        refs.setdefault(s.category, PolicyRef(id=s.doc_id, title=s.title, section=s.id))
    return refs


class Checker:
    """Compiled rules of one corpus. Thread-safe: `check` keeps its state per call."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._contexts = _context_regexes(corpus)
        self._rules = [_compile_rule(r, corpus) for r in corpus.rules if r.enabled]
        self._rules += [_compile_rule(r, corpus, ref) for r, ref in baseline_rules(corpus)]
        self._literals = LiteralIndex([*self._contexts.values(),
                                       *(c.patterns for c in self._rules if c.patterns is not None)])
        self.learned: LearnedLayer | None = None
        if corpus.examples:
            # numpy is imported only for a corpus that has examples to learn from.
            from bot.checker.learned import LearnedLayer
            self._category_refs = _category_refs(corpus)
            self._settles = {r.id: frozenset(r.settles) for r in corpus.rules if r.settles}
            self.learned = LearnedLayer.for_corpus(corpus, lambda t: self._rule_findings(t, ())[1])

    def _rule_findings(self, text: str, suppressions: Sequence[Suppression]) -> tuple[_Draft, str, list[Finding]]:
        draft = _Draft(text, self._contexts, self._literals)
        findings: list[Finding] = []
        for compiled in self._rules:
            findings.extend(self._run(compiled, draft))
        shown = displayed(text)
        if shown is not None:
            # Read text behind a right-to-left override as people will see it.
            view, index = shown
            draft = _Draft(view, self._contexts, self._literals)
            seen = {(f.rule, f.span) for f in findings}
            for compiled in self._rules:
                for f in self._run(compiled, draft):
                    covered = [index[i] for i in range(f.span[0], min(f.span[1], len(index)))]
                    if not covered:
                        continue
                    span = (min(covered), max(covered) + 1)
                    if (f.rule, span) not in seen and compiled.rule.detector != "bidi":
                        seen.add((f.rule, span))
                        findings.append(dataclasses.replace(f, span=span))
        if suppressions:
            findings = [f for f in findings
                        if not any(s.silences(f, text[f.span[0]:f.span[1]]) for s in suppressions)]
        return draft, strictest([f.severity for f in findings]), findings

    def check(self, text: str, suppressions: Sequence[Suppression] = ()) -> CheckResult:
        draft, verdict, findings = self._rule_findings(text, suppressions)
        if self.learned is not None:
            settled = frozenset(f.category for f in findings if f.severity == "review").union(
                *(self._settles.get(f.rule, ()) for f in findings))
            judgement = self.learned.judge(draft.norm.folded, verdict, settled) if text.strip() else None
            if judgement is not None:
                finding = self._learned_finding(judgement, text)
                # A category an approver already cleared on this draft is not raised again by the model.
                if not any(s.silences(finding, text) for s in suppressions) and \
                        judgement.category not in self._silenced_categories(text, suppressions):
                    findings.append(finding)
        findings = _drop_nested(findings)
        findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.span[0]))
        return CheckResult(
            verdict=strictest([f.severity for f in findings]),
            findings=tuple(findings),
            corpus_version=self.corpus.version,
            categories=tuple(dict.fromkeys(f.category for f in findings if f.severity != "allow")),
        )

    def _silenced_categories(self, text: str, suppressions: Sequence[Suppression]) -> set[str]:
        if not suppressions:
            return set()
        _, _, unsilenced = self._rule_findings(text, ())
        return {f.category for f in unsilenced if any(s.silences(f, text[f.span[0]:f.span[1]]) for s in suppressions)}

    def _learned_finding(self, j: Judgement, text: str) -> Finding:
        start = len(text) - len(text.lstrip())
        span = (start, max(start, len(text.rstrip())))
        evidence: dict[str, object] = {"score": round(j.probability, 3)}
        message = (f"Learned judgement, not a rule: this draft reads like the examples the CoE marked "
                   f"'{j.severity}' for {j.category} (score {j.probability:.2f}).")
        if j.example is not None:
            quoted = j.example.text if len(j.example.text) <= 140 else j.example.text[:139] + "…"
            message += f" Most similar example ({j.example.id}, {j.example.verdict}): “{quoted}”"
            evidence["example"] = {"id": j.example.id, "text": j.example.text, "verdict": j.example.verdict,
                                   "similarity": round(j.similarity, 3)}
        ref = self._category_refs.get(j.category) or next(iter(self._category_refs.values()))
        return Finding(j.category, j.severity, f"{LEARNED_RULE}.{j.category}", message, span, ref,
                       "An approver should weigh this. If the draft is fine, dispute the finding: "
                       "the decision becomes a candidate example for the CoE.", evidence)

    def _run(self, c: _Compiled, draft: _Draft) -> Iterable[Finding]:
        rule = c.rule
        if c.detector is not None:
            if self._cancelled(rule, draft):
                return []
            # Detectors report spans in the original text; their context is the whole draft.
            hits = [(h.start, h.end) for h in c.detector(draft.norm)]
            return self._emit(c, draft, hits, original_spans=True)
        assert c.patterns is not None
        # The rule's own patterns first: most drafts match none, and then the contexts that
        # would cancel it ('unless') are never computed.
        spans = draft.spans(c.patterns)
        if not spans or self._cancelled(rule, draft):
            return []
        return self._emit(c, draft, spans, original_spans=False)

    @staticmethod
    def _cancelled(rule: Rule, draft: _Draft) -> bool:
        if any(draft.near(name, (0, 0), None) for name in rule.unless):
            return True
        return rule.kind == "disclosure" and draft.near(DISCLOSURE, (0, 0), None)

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
    def _excepted(rx: LazyPattern, draft: _Draft, span: tuple[int, int], near: int,
                  original_spans: bool) -> bool:
        views = ((draft.norm.original.lower(),) if original_spans
                 else (draft.norm.text, draft.norm.folded))
        for view in views:
            lo, hi = max(0, span[0] - near), min(len(view), span[1] + near)
            for m in rx.finditer(view, lo, hi):
                if m.end() > m.start():
                    return True
        return False

