"""How `steward check FILE…` reports: linter lines, one JSON document, or SARIF 2.1.0.

Text is `path:line:col: verdict rule message`, the shape editors and CI annotators
already parse (Vale, flake8, ruff). Lines and columns count from 1; columns count
characters (Unicode code points), which SARIF is told through `columnKind`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.checker.result import CheckResult, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"block": "error", "review": "warning", "allow": "note"}


@dataclass(frozen=True, slots=True)
class Checked:
    """One input that was checked: where it came from, its text and the result."""

    path: str
    text: str
    result: CheckResult


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset; a column counts characters."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def text_lines(checked: Sequence[Checked]) -> list[str]:
    out = []
    for item in checked:
        for f in item.result.findings:
            line, col = position(item.text, f.span[0])
            out.append(f"{item.path}:{line}:{col}: {f.severity} {f.rule} {f.message}")
    return out


def _finding_json(text: str, f: Finding) -> dict[str, Any]:
    (line, col), (end_line, end_col) = position(text, f.span[0]), position(text, f.span[1])
    return {**f.to_json(), "line": line, "column": col, "end_line": end_line, "end_column": end_col}


def json_report(checked: Sequence[Checked], verdict: str) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "files": [{"path": c.path, "verdict": c.result.verdict, "corpus_version": c.result.corpus_version,
                   "findings": [_finding_json(c.text, f) for f in c.result.findings]} for c in checked],
    }


def sarif_report(checked: Sequence[Checked], *, version: str, section_url: dict[str, str]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; each rule once in the driver, each finding a result.

    `section_url` maps a section id to where the policy is published (empty if nowhere).
    """
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}
    results = []
    for item in checked:
        for f in item.result.findings:
            if f.rule not in rules:
                rule: dict[str, Any] = {
                    "id": f.rule,
                    "shortDescription": {"text": f.message},
                    "help": {"text": f"{f.policy.title}: {f.fix}" if f.fix else f.policy.title},
                    "properties": {"category": f.category, "section": f.policy.section},
                }
                if section_url.get(f.policy.section):
                    rule["helpUri"] = section_url[f.policy.section]
                index[f.rule] = len(rules)
                rules[f.rule] = rule
            (line, col), (end_line, end_col) = position(item.text, f.span[0]), position(item.text, f.span[1])
            results.append({
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message} (policy: {f.policy.title})" + (f" Fix: {f.fix}" if f.fix else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": item.path},
                    "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col},
                }}],
                "properties": {"verdict": f.severity, "category": f.category},
            })
    corpus_versions = sorted({c.result.corpus_version for c in checked})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "steward", "version": version, "rules": list(rules.values())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"corpusVersions": corpus_versions},
        }],
    }
