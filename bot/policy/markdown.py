"""Policy Markdown → documents and sections.

Two steps, because section ids are unique across the whole corpus:

1. `parse_document` reads one file: optional YAML front matter, then ATX
   headings (`#`..`######`, not inside fenced code), each with the text up to
   the next heading. Heading attributes `{#id category=...}` are split off the
   title here.
2. `build_sections` takes every parsed file and assigns ids (explicit `#id`s
   first, then GitHub-style slugs made unique with -1, -2…) and categories
   (explicit > parent section > front matter > corpus.yaml heading pattern > general).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from bot.policy.errors import CorpusError, Problem
from bot.policy.models import Document, DocumentFrontMatter, Section
from bot.policy.yamlfile import YamlSource, parse_yaml_text, validate_source

DEFAULT_CATEGORY = "general"

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_ATTRS = re.compile(r"[ \t]*\{([^{}]*)\}$")
_ATTR_TOKEN = re.compile(r"""#([\w:.-]+)|\.([\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|[^\s"']+)""")
_ATTR_KEYS = ("category",)

# GitHub's anchor rules: rendered text, lower case, punctuation dropped, spaces -> '-'.
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_NOT_SLUG = re.compile(r"[^\w\- ]")


@dataclass
class Heading:
    level: int
    title: str                 # as written, attributes and closing #s removed
    line: int                  # 1-based
    body: list[str]            # lines up to the next heading
    attr_id: str | None = None
    attr_category: str | None = None


@dataclass
class ParsedDocument:
    path: str                  # relative to the corpus root
    front: DocumentFrontMatter
    front_source: YamlSource | None
    preamble: list[str]        # lines before the first heading (after front matter)
    preamble_line: int
    headings: list[Heading]
    problems: list[Problem] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem


def slugify(title: str) -> str:
    """GitHub-style anchor for a heading: 'Social media' -> 'social-media'."""
    text = _TAG.sub("", _LINK.sub(r"\1", title)).strip().lower()
    return _NOT_SLUG.sub("", text).replace(" ", "-")


def parse_document(text: str, path: str) -> ParsedDocument:
    """Parse one Markdown file. Problems (bad front matter, bad attributes) are collected, not raised."""
    lines = text.splitlines()
    problems: list[Problem] = []
    front, front_source, start = _front_matter(lines, path, problems)

    headings: list[Heading] = []
    preamble: list[str] = []
    body = preamble
    fence: str | None = None  # the opening fence while inside a code block
    for index in range(start, len(lines)):
        line = lines[index]
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence[0]) and set(stripped) == {fence[0]} and len(stripped) >= len(fence) \
                    and len(line) - len(line.lstrip(" ")) <= 3:
                fence = None
            body.append(line)
            continue
        if "`" in line or "~" in line:
            opened = _FENCE_OPEN.match(line)
            if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
                fence = opened.group(1)
                body.append(line)
                continue
        heading = _HEADING.match(line) if "#" in line else None
        if heading is None:
            body.append(line)
            continue
        parsed = _heading(heading, index + 1, path, problems)
        if parsed is None:  # an empty heading ('##' alone) names nothing; keep it as text
            body.append(line)
            continue
        headings.append(parsed)
        body = parsed.body
    blank = next((i for i, text in enumerate(preamble) if text.strip()), 0)
    return ParsedDocument(path, front, front_source, preamble, start + blank + 1, headings, problems)


def _front_matter(lines: list[str], path: str,
                  problems: list[Problem]) -> tuple[DocumentFrontMatter, YamlSource | None, int]:
    """Front matter is a YAML block between '---' lines at the very top of the file."""
    empty = DocumentFrontMatter()
    if not lines or lines[0].rstrip() != "---":
        return empty, None, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        problems.append(Problem(path, 1, "the front matter opened on line 1 is never closed",
                                "end it with a line containing only '---'"))
        return empty, None, 0
    try:
        source = parse_yaml_text("\n".join(lines[1:end]), path, line_offset=1)
        _keep_scalars_as_text(source)
        return validate_source(source, DocumentFrontMatter, what="the front matter"), source, end + 1
    except CorpusError as exc:
        problems.extend(exc.problems)
        return empty, None, end + 1


def _keep_scalars_as_text(source: YamlSource) -> None:
    """`version: 1.10` or `effective: 2024-01-01` mean text to an author, not a float or a date."""
    if not isinstance(source.data, dict) or not isinstance(source.node, yaml.MappingNode):
        return
    for key, value in source.node.value:
        if isinstance(value, yaml.ScalarNode) and key.value in source.data:
            current: Any = source.data[key.value]
            if current is not None and not isinstance(current, str):
                source.data[key.value] = value.value


def _heading(match: re.Match[str], line_no: int, path: str, problems: list[Problem]) -> Heading | None:
    level = len(match.group(1))
    content = match.group(2) or ""
    attr_id = attr_category = None
    attrs = _ATTRS.search(content)
    if attrs and _is_attribute_list(attrs.group(1)):
        content = content[: attrs.start()]
        attr_id, attr_category = _attributes(attrs.group(1), line_no, path, problems)
    content = _CLOSING_HASHES.sub("", content).strip()
    if not content:
        if attrs and (attr_id or attr_category):
            problems.append(Problem(path, line_no, "the heading has attributes but no title",
                                    "write the heading text before the {…} attributes"))
        return None
    return Heading(level, content, line_no, [], attr_id, attr_category)


def _is_attribute_list(inner: str) -> bool:
    """'{#id category=x}' is an attribute list; '{placeholder}' in a heading is just text."""
    rest = _ATTR_TOKEN.sub("", inner)
    return bool(inner.strip()) and not rest.strip() and _ATTR_TOKEN.search(inner) is not None


def _attributes(inner: str, line_no: int, path: str, problems: list[Problem]) -> tuple[str | None, str | None]:
    attr_id: str | None = None
    values: dict[str, str] = {}
    for token in _ATTR_TOKEN.finditer(inner):
        ident, _css_class, key, value = token.groups()
        if ident is not None:
            if attr_id is not None:
                problems.append(Problem(path, line_no, f"the heading has two ids, '#{attr_id}' and '#{ident}'",
                                        "keep one {#id} per heading"))
            attr_id = attr_id or ident
        elif key is not None:
            if key not in _ATTR_KEYS:
                close = difflib.get_close_matches(key, _ATTR_KEYS, n=1)
                problems.append(Problem(
                    path, line_no, f"unknown heading attribute '{key}'",
                    (f"did you mean '{close[0]}='? " if close else "")
                    + "a heading accepts {#id category=...}; remove the others"))
            values[key] = value.strip("\"'")
    return attr_id, values.get("category")


def _text(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


# --- corpus-wide ids and categories -------------------------------------------------


@dataclass
class _Open:
    """A heading on the path from the document root to the current one."""

    level: int
    id: str
    category: str
    inherited: bool   # False when the category is only the 'general' fallback


def build_sections(
    parsed: list[ParsedDocument],
    categories: tuple[str, ...],
    heading_categories: list[tuple[re.Pattern[str], str]],
) -> tuple[dict[str, Document], dict[str, Section], list[Problem]]:
    """Assign corpus-unique ids and categories; returns documents, sections (in file order), problems."""
    problems: list[Problem] = [p for doc in parsed for p in doc.problems]
    explicit = _explicit_ids(parsed, problems)
    doc_ids = _document_ids(parsed, problems)
    used: set[str] = set(explicit)
    documents: dict[str, Document] = {}
    sections: dict[str, Section] = {}
    known = set(categories)

    def unique(base: str) -> str:
        base = base or "section"
        candidate, n = base, 0
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        return candidate

    for doc, doc_id in zip(parsed, doc_ids, strict=True):
        front = doc.front
        if front.category is not None and front.category not in known:
            problems.append(Problem(doc.path, front_line(doc, "category"),
                                    *unknown_category(front.category, categories, "in the front matter")))
        title = front.title or _document_title(doc)
        pending_preamble = _text(doc.preamble)
        made: list[Section] = []
        stack: list[_Open] = []

        common = {"doc_id": doc_id, "doc_title": title, "path": doc.path,
                  "version": front.version or "", "owner": front.owner or ""}

        if pending_preamble and not (doc.headings and doc.headings[0].level == 1):
            # Text before the first heading that is not a title section of its own: give it one.
            category, inherited = _fallback_category(title, front.category, heading_categories)
            made.append(Section(id=unique(slugify(doc_id)), title=title, level=1, line=doc.preamble_line,
                                text=pending_preamble, category=category, parent=None, **common))
            pending_preamble = ""

        for heading in doc.headings:
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            parent = stack[-1] if stack else None
            if heading.attr_category is not None:
                if heading.attr_category not in known:
                    problems.append(Problem(doc.path, heading.line, *unknown_category(
                        heading.attr_category, categories, f"on heading '{heading.title}'")))
                category, inherited = heading.attr_category, True
            elif parent is not None and parent.inherited:
                category, inherited = parent.category, True
            else:
                category, inherited = _fallback_category(heading.title, front.category, heading_categories)
            section_id = heading.attr_id if heading.attr_id is not None else unique(slugify(heading.title))
            text = _text(heading.body)
            if pending_preamble:  # the title section owns the introduction written above it
                text = f"{pending_preamble}\n\n{text}".strip("\n")
                pending_preamble = ""
            made.append(Section(id=section_id, title=heading.title, level=heading.level, line=heading.line,
                                text=text, category=category, parent=parent.id if parent else None, **common))
            stack.append(_Open(heading.level, section_id, category, inherited))

        for s in made:
            if s.id not in sections:  # a duplicate explicit id is already a problem
                sections[s.id] = s
        documents[doc_id] = Document(id=doc_id, title=title, path=doc.path, version=front.version or "",
                                     owner=front.owner or "", section_ids=tuple(s.id for s in made))
    return documents, sections, problems


def front_line(doc: ParsedDocument, key: str) -> int:
    if doc.front_source is None:
        return 1
    return doc.front_source.line((key,)) or 1


def _fallback_category(title: str, front_category: str | None,
                       heading_categories: list[tuple[re.Pattern[str], str]]) -> tuple[str, bool]:
    if front_category is not None:
        return front_category, True
    for pattern, category in heading_categories:
        if pattern.search(title):
            return category, True
    return DEFAULT_CATEGORY, False


def _document_title(doc: ParsedDocument) -> str:
    for heading in doc.headings:
        if heading.level == 1:
            return heading.title
    if doc.headings:
        return doc.headings[0].title
    return doc.stem.replace("-", " ").replace("_", " ").strip().capitalize() or doc.stem


def _explicit_ids(parsed: list[ParsedDocument], problems: list[Problem]) -> dict[str, tuple[str, int]]:
    where: dict[str, tuple[str, int]] = {}
    for doc in parsed:
        for heading in doc.headings:
            if heading.attr_id is None:
                continue
            if heading.attr_id in where:
                first_path, first_line = where[heading.attr_id]
                problems.append(Problem(
                    doc.path, heading.line,
                    f"section id '{heading.attr_id}' is used twice (first at {first_path}:{first_line})",
                    "section ids are unique in the corpus: change one of the {#id} attributes"))
            else:
                where[heading.attr_id] = (doc.path, heading.line)
    return where


def _document_ids(parsed: list[ParsedDocument], problems: list[Problem]) -> list[str]:
    """Front-matter id, else the file stem; a stem shared by two files falls back to the path."""
    stems: dict[str, int] = {}
    for doc in parsed:
        if doc.front.id is None:
            stems[doc.stem] = stems.get(doc.stem, 0) + 1
    ids: list[str] = []
    first: dict[str, str] = {}
    for doc in parsed:
        if doc.front.id is not None:
            doc_id = doc.front.id
        elif stems[doc.stem] == 1:
            doc_id = doc.stem
        else:
            doc_id = str(PurePosixPath(doc.path).with_suffix(""))
        if doc_id in first:
            problems.append(Problem(
                doc.path, front_line(doc, "id") if doc.front.id is not None else None,
                f"document id '{doc_id}' is also used by {first[doc_id]}",
                "give each document its own 'id:' in the front matter"))
        else:
            first[doc_id] = doc.path
        ids.append(doc_id)
    return ids


def unknown_category(category: str, categories: tuple[str, ...], where: str) -> tuple[str, str]:
    """Message and hint for a category the corpus does not define (shared with the rules checks)."""
    close = difflib.get_close_matches(category, categories, n=1)
    return (f"unknown category '{category}' {where}",
            (f"did you mean '{close[0]}'? " if close else "")
            + f"use one of {', '.join(categories)}, or add it to 'categories' in corpus.yaml")
