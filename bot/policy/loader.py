"""Load a corpus folder into a validated `Corpus`, or raise one CorpusError listing every problem.

Layout (docs/corpus-format.md): `*.md` at any depth, optional `corpus.yaml`,
`rules/*.yaml`, `lexicon.yaml`, `vocabulary.yaml`. `routing.yaml` belongs to the
approval workflow and is loaded there; provenance notes at the root are not policy.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.policy.errors import CorpusError, Problem
from bot.policy.markdown import ParsedDocument, build_sections, parse_document, unknown_category
from bot.policy.models import (
    BUILTIN_CONTEXTS,
    DEFAULT_CATEGORIES,
    PLACEHOLDER_ALIASES,
    ContextGroup,
    Corpus,
    CorpusManifest,
    Example,
    Lexicon,
    Rule,
    RuleFile,
    Section,
    Vocabulary,
)
from bot.policy.yamlfile import YamlSource, decode_utf8, parse_yaml_bytes, validate_source

M = TypeVar("M", bound=BaseModel)

# Files at the corpus root that are about the corpus, not policy: never read, never hashed.
IGNORED_ROOT_FILES = frozenset({"source.md", "readme.md", "routing.yaml"})
IGNORED_ROOT_PREFIXES = ("license",)   # LICENSE, LICENSE.md, LICENSE.txt …

MANIFEST_FILE = "corpus.yaml"
LEXICON_FILE = "lexicon.yaml"
VOCABULARY_FILE = "vocabulary.yaml"
RULES_DIR = "rules"
EXAMPLES_DIR = "examples"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_BUILTIN_LISTS = ("company_names", "company_domains", "public_sources", "products",
                  "unreleased_products", "code_names", "competitors", "disclosure_markers")


def is_ignored(rel: PurePosixPath) -> bool:
    """Hidden files and folders, and provenance/workflow files at the root, are not policy."""
    if any(part.startswith(".") for part in rel.parts):
        return True
    if len(rel.parts) == 1:
        name = rel.name.lower()
        return name in IGNORED_ROOT_FILES or name.startswith(IGNORED_ROOT_PREFIXES)
    return False


def load_corpus(path: str | Path) -> Corpus:
    """Read, validate and hash the corpus in folder `path`.

    Raises CorpusError with every problem found (file, line, fix) when anything
    is wrong; never returns a half-valid corpus.
    """
    return _Loader(Path(path)).load()


@dataclass
class _RuleSource:
    rule: Rule
    index: int
    source: YamlSource


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.read: dict[str, bytes] = {}   # every file read, for the version hash

    # --- reading ---------------------------------------------------------------------

    def load(self) -> Corpus:
        if not self.root.exists():
            raise CorpusError([Problem(str(self.root), None, "the corpus folder does not exist",
                                       "point POLICY_DIR or --corpus at a folder of Markdown policies")])
        if not self.root.is_dir():
            raise CorpusError([Problem(str(self.root), None, "the corpus path is a file, not a folder",
                                       "point POLICY_DIR or --corpus at the folder that holds the .md files")])

        manifest_model, manifest_src = self._yaml(MANIFEST_FILE, CorpusManifest)
        manifest = manifest_model or CorpusManifest()
        categories = tuple(dict.fromkeys((*DEFAULT_CATEGORIES, *manifest.categories)))
        heading_patterns = self._heading_patterns(manifest, manifest_src, categories)

        parsed = self._markdown()
        documents, sections, problems = build_sections(parsed, categories, heading_patterns)
        self.problems.extend(problems)
        if not parsed:
            self.problems.append(Problem(
                str(self.root), None, "no Markdown policy documents (*.md) found in the corpus folder",
                "add at least one .md file; its headings become the policy sections"))
        elif not sections:
            self.problems.append(Problem(
                str(self.root), None, "the Markdown files contain no text or headings",
                "write the policy in the .md files; each heading starts a section"))

        lexicon = self._lexicon()
        vocabulary = self._yaml(VOCABULARY_FILE, Vocabulary)[0] or Vocabulary()
        rules, contexts, context_src = self._rules()
        self._check_contexts(contexts, context_src, lexicon)
        self._check_rules(rules, sections, contexts, lexicon, categories)
        examples = self._examples(categories)

        if self.problems:
            raise CorpusError(self.problems)
        return Corpus(
            root=str(self.root), version=self._version(), manifest=manifest, documents=documents,
            sections=sections, rules=[r.rule for r in rules], contexts=contexts, lexicon=lexicon,
            vocabulary=vocabulary, categories=categories, examples=tuple(examples),
            warnings=tuple(self.warnings))

    def _bytes(self, rel: str) -> bytes | None:
        try:
            raw = (self.root / rel).read_bytes()
        except OSError as exc:
            self.problems.append(Problem(rel, None, f"the file cannot be read: {exc.strerror}",
                                         "check that it exists and is readable"))
            return None
        self.read[rel] = raw
        return raw

    def _yaml(self, rel: str, model: type[M]) -> tuple[M | None, YamlSource | None]:
        if not (self.root / rel).is_file():
            return None, None
        raw = self._bytes(rel)
        if raw is None:
            return None, None
        try:
            source = parse_yaml_bytes(raw, rel)
            self.warnings.extend(source.warnings)
            return validate_source(source, model), source
        except CorpusError as exc:
            self.problems.extend(exc.problems)
            return None, None

    def _lexicon(self) -> Lexicon:
        """lexicon.yaml plus any lexicon-*.yaml (third-party names, political actors…), merged."""
        extra = sorted(p.name for p in self.root.glob("lexicon-*.yaml") if p.is_file())
        parts = [m for m in (self._yaml(name, Lexicon)[0] for name in [LEXICON_FILE, *extra]) if m is not None]
        if not parts:
            return Lexicon()
        merged: dict[str, object] = {}
        lists: dict[str, tuple[str, ...]] = {}
        for part in parts:
            for field in Lexicon.model_fields:
                value = getattr(part, field)
                if field == "lists":
                    for name, terms in value.items():
                        lists[name] = (*lists.get(name, ()), *terms)
                else:
                    merged[field] = (*merged.get(field, ()), *value)  # type: ignore[misc]
        return Lexicon.model_validate({**merged, "lists": lists})

    def _markdown(self) -> list[ParsedDocument]:
        rels: list[str] = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # never descend into .git and the like
            base = PurePosixPath(Path(folder).relative_to(self.root).as_posix())
            rels += [(base / n).as_posix() for n in names
                     if n.endswith(".md") and not is_ignored(base / n) and os.path.isfile(os.path.join(folder, n))]
        rels.sort()
        parsed: list[ParsedDocument] = []
        for rel in rels:
            raw = self._bytes(rel)
            if raw is None:
                continue
            try:
                text = decode_utf8(raw, rel)
            except CorpusError as exc:
                self.problems.extend(exc.problems)
                continue
            parsed.append(parse_document(text, rel))
        return parsed

    def _rules(self) -> tuple[list[_RuleSource], dict[str, ContextGroup], dict[str, YamlSource]]:
        rules_dir = self.root / RULES_DIR
        files = sorted(p for p in rules_dir.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.is_file()) \
            if rules_dir.is_dir() else []
        rules: list[_RuleSource] = []
        contexts: dict[str, ContextGroup] = {}
        context_src: dict[str, YamlSource] = {}
        first_rule: dict[str, tuple[str, int | None]] = {}
        for path in files:
            rule_file, source = self._yaml(f"{RULES_DIR}/{path.name}", RuleFile)
            if rule_file is None or source is None:
                continue
            for name, group in rule_file.contexts.items():
                if name in contexts:
                    other = context_src[name]
                    self.problems.append(source.problem(
                        ("contexts", name),
                        f"context group '{name}' is defined twice (first at {other.rel}:{other.line(('contexts', name))})",
                        "context groups are shared by all rules files: keep one definition or rename one"))
                    continue
                contexts[name] = group
                context_src[name] = source
            for index, rule in enumerate(rule_file.rules):
                if rule.id in first_rule:
                    first_path, first_line = first_rule[rule.id]
                    self.problems.append(source.problem(
                        ("rules", index, "id"),
                        f"rule id '{rule.id}' is used twice (first at {first_path}:{first_line})",
                        "rule ids name findings and reports, so each must be unique: rename one"))
                    continue
                first_rule[rule.id] = (source.rel, source.line(("rules", index, "id")))
                rules.append(_RuleSource(rule, index, source))
        return rules, contexts, context_src

    def _examples(self, categories: tuple[str, ...]) -> list[Example]:
        """Labelled drafts, one JSON object a line, in `examples/*.jsonl`."""
        folder = self.root / EXAMPLES_DIR
        if not folder.is_dir():
            return []
        out: list[Example] = []
        seen: dict[str, str] = {}
        for path in sorted(p for p in folder.glob("*.jsonl") if p.is_file()):
            rel = f"{EXAMPLES_DIR}/{path.name}"
            raw = self._bytes(rel)
            if raw is None:
                continue
            try:
                text = decode_utf8(raw, rel)
            except CorpusError as exc:
                self.problems.extend(exc.problems)
                continue
            for n, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                example = self._example(rel, n, line, categories)
                if example is None:
                    continue
                if example.id in seen:
                    self.problems.append(Problem(
                        rel, n, f"example id '{example.id}' is used twice (first at {seen[example.id]})",
                        "give each example its own id; disputes and candidates refer to it"))
                    continue
                seen[example.id] = f"{rel}:{n}"
                out.append(example)
        return out

    def _example(self, rel: str, n: int, line: str, categories: tuple[str, ...]) -> Example | None:
        hint = ('write one JSON object a line: {"id": "ex-1", "text": "…", "verdict": "allow|review|block", '
                '"categories": ["privacy"], "note": "why"}')
        try:
            example = Example.model_validate_json(line)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            message = err["msg"] if err["type"] != "json_invalid" else f"not JSON ({err['msg']})"
            self.problems.append(Problem(rel, n, f"{where + ': ' if where else ''}{message}", hint))
            return None
        for category in example.categories:
            if category not in categories:
                message, fix = unknown_category(category, categories, f"in example '{example.id}'")
                self.problems.append(Problem(rel, n, message, fix))
                return None
        if example.verdict != "allow" and not example.categories:
            # Still useful: it teaches the verdict, though no category's section can be cited for it.
            self.warnings.append(Problem(
                rel, n, f"example '{example.id}' is '{example.verdict}' but names no categories",
                "add the categories it is about (e.g. \"categories\": [\"privacy\"])"))
        return example

    def _version(self) -> str:
        """Content hash over every file read: same bytes → same version, any change → a new one."""
        digest = hashlib.sha256()
        for rel in sorted(self.read):
            raw = self.read[rel]
            digest.update(rel.encode("utf-8") + b"\0" + str(len(raw)).encode("ascii") + b"\0")
            digest.update(raw)
        return digest.hexdigest()[:12]

    # --- cross-checks ------------------------------------------------------------------

    def _heading_patterns(self, manifest: CorpusManifest, source: YamlSource | None,
                          categories: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
        out: list[tuple[re.Pattern[str], str]] = []
        for pattern, category in manifest.heading_categories.items():
            loc = ("heading_categories", pattern)
            if category not in categories:
                self._add(source, loc, MANIFEST_FILE, *unknown_category(
                    category, categories, f"for heading pattern '{pattern}'"))
            try:
                out.append((re.compile(pattern, re.IGNORECASE), category))
            except re.error as exc:
                self._add(source, loc, MANIFEST_FILE, f"heading pattern '{pattern}' does not compile: {_re_msg(exc)}",
                          "fix the regular expression (escape literal brackets, parentheses and dots with \\)")
        return out

    def _check_contexts(self, contexts: dict[str, ContextGroup], sources: dict[str, YamlSource],
                        lexicon: Lexicon) -> None:
        for name, group in contexts.items():
            source = sources[name]
            owner = f"context group '{name}'"
            for j, term in enumerate(group.terms):
                self._check_term(source, ("contexts", name, "terms", j), term, owner, lexicon)
            for j, pattern in enumerate(group.patterns):
                self._check_pattern(source, ("contexts", name, "patterns", j), pattern, owner, lexicon)

    def _check_rules(self, rules: list[_RuleSource], sections: dict[str, Section],
                     contexts: dict[str, ContextGroup], lexicon: Lexicon, categories: tuple[str, ...]) -> None:
        groups = sorted({*BUILTIN_CONTEXTS, *contexts})
        for item in rules:
            rule, source, i = item.rule, item.source, item.index
            owner = f"rule '{rule.id}'"
            if rule.category not in categories:
                message, hint = unknown_category(rule.category, categories, f"in {owner}")
                self.problems.append(source.problem(("rules", i, "category"), message, hint))
            for j, settled in enumerate(rule.settles):
                if settled not in categories:
                    message, hint = unknown_category(settled, categories, f"in {owner}'s settles")
                    self.problems.append(source.problem(("rules", i, "settles", j), message, hint))
            if sections and rule.section not in sections:
                close = difflib.get_close_matches(rule.section, list(sections), n=3, cutoff=0.5)
                hint = (f"did you mean {_quoted(close)}? " if close else "") + (
                    "cite a section id: a heading's {#id} attribute or its slug")
                self.problems.append(source.problem(
                    ("rules", i, "section"), f"{owner} cites section '{rule.section}', which no document defines",
                    hint))
            for key in ("requires", "requires_any", "unless"):
                for j, name in enumerate(getattr(rule, key)):
                    if name not in contexts and name not in BUILTIN_CONTEXTS:
                        close = difflib.get_close_matches(name, groups, n=1)
                        self.problems.append(source.problem(
                            ("rules", i, key, j), f"{owner} {key.replace('_', ' ')} unknown context group '{name}'",
                            (f"did you mean '{close[0]}'? " if close else "")
                            + f"define it under 'contexts:' in a rules file; known groups are {', '.join(groups)}"))
            for j, term in enumerate(rule.terms):
                self._check_term(source, ("rules", i, "terms", j), term, owner, lexicon)
            for key in ("patterns", "except_near"):
                for j, pattern in enumerate(getattr(rule, key, ())):
                    self._check_pattern(source, ("rules", i, key, j), pattern, owner, lexicon)

    def _check_term(self, source: YamlSource, loc: tuple[str | int, ...], name: str, owner: str,
                    lexicon: Lexicon) -> None:
        if lexicon.term_list(name) is not None:
            return
        names = [*_BUILTIN_LISTS, *lexicon.lists]
        close = difflib.get_close_matches(name, names, n=1)
        self.problems.append(source.problem(
            loc, f"{owner} uses lexicon list '{name}', which lexicon.yaml does not define",
            (f"did you mean '{close[0]}'? " if close else "")
            + f"use one of {', '.join(names)}, or add '{name}' under 'lists:' in lexicon.yaml"))

    def _check_pattern(self, source: YamlSource, loc: tuple[str | int, ...], pattern: str, owner: str,
                       lexicon: Lexicon) -> None:
        if "\b" in pattern:
            self.problems.append(source.problem(
                loc, f"a pattern in {owner} contains a backspace character where '\\b' was meant",
                "write regular expressions in single quotes: '\\bword\\b' (in double quotes \\b is a backspace)"))
            return
        unknown = [m.group(1) for m in _PLACEHOLDER.finditer(pattern) if _placeholder(m.group(1), lexicon) is None]
        for name in unknown:
            list_name = PLACEHOLDER_ALIASES.get(name, name)
            names = [n for n in (*_BUILTIN_LISTS, *PLACEHOLDER_ALIASES, *lexicon.lists) if n != name]
            close = [] if name in PLACEHOLDER_ALIASES else difflib.get_close_matches(name, names, n=1)
            self.problems.append(source.problem(
                loc, f"pattern '{pattern}' in {owner} uses placeholder '{{{name}}}', which names no lexicon list",
                (f"did you mean '{{{close[0]}}}'? " if close else "")
                + f"add '{list_name}' under 'lists:' in lexicon.yaml, or write \\{{ for a literal brace"))
        # Placeholders expand to a group of terms; a stand-in group keeps the regex shape the same.
        shaped = _PLACEHOLDER.sub(lambda m: "(?:x)" if _placeholder(m.group(1), lexicon) is not None
                                  else m.group(0), pattern)
        try:
            re.compile(shaped, re.IGNORECASE)
        except re.error as exc:
            self.problems.append(source.problem(
                loc, f"pattern '{pattern}' in {owner} does not compile: {_re_msg(exc)}",
                "fix the regular expression: escape literal ( ) [ ] . ? + * with \\, and close every group"))

    def _add(self, source: YamlSource | None, loc: tuple[str | int, ...], rel: str, message: str,
             hint: str) -> None:
        self.problems.append(source.problem(loc, message, hint) if source else Problem(rel, None, message, hint))


def _placeholder(name: str, lexicon: Lexicon) -> tuple[str, ...] | None:
    found = lexicon.term_list(name)
    if found is None and name in PLACEHOLDER_ALIASES:
        found = lexicon.term_list(PLACEHOLDER_ALIASES[name])
    return found


def _re_msg(exc: re.error) -> str:
    return f"{exc.msg} at position {exc.pos}" if exc.pos is not None else exc.msg


def _quoted(names: list[str]) -> str:
    return " or ".join(f"'{n}'" for n in names)
