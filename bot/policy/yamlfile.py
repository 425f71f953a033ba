"""Read a YAML file into a pydantic model, reporting every problem with its file and line.

PyYAML's `construct` step throws away positions, and pydantic reports errors as a
`loc` path such as `('rules', 3, 'severty')`. This module keeps the composed node
tree next to the data, so any `loc` maps back to the line of the offending key.

Typical use (any model, not only the corpus ones):

    from bot.policy.yamlfile import load_yaml_model
    routing = load_yaml_model(root / "routing.yaml", RoutingFile, root)

When cross-references need checking after validation (a route naming an unknown
group), keep the source to place further problems on their lines:

    model, source = load_yaml_source(root / "routing.yaml", RoutingFile, root)
    problems = [source.problem(("routes", i, "groups"), "unknown group 'x'", "define it under groups:")
                for i, route in enumerate(model.routes) if ...]
    if problems:
        raise CorpusError(problems)
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.policy.errors import CorpusError, Problem

M = TypeVar("M", bound=BaseModel)
Loc = Sequence[str | int]

# libyaml is several times faster than the pure-Python parser and keeps node marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SYNTAX_HINT = (
    "check the indentation and quoting on this line and the one before it: indent with spaces, "
    "and quote a value that contains ': ' or starts with one of * & ! [ { @ ` |"
)


def relative_name(path: Path, root: Path) -> str:
    """The name problems show for `path`: relative to `root` when inside it, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def decode_utf8(raw: bytes, rel: str, *, line_offset: int = 0) -> str:
    """Decode a corpus file, turning a bad byte into a Problem with its line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1 + line_offset
        raise CorpusError([Problem(
            rel, line,
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file with UTF-8 encoding (most editors offer 'Save with encoding')",
        )]) from None
    return text.removeprefix("\ufeff")  # a BOM from Windows editors is not content


@dataclass
class YamlSource:
    """A parsed YAML document: its data plus the node tree that knows every line."""

    rel: str                 # file name shown in problems
    node: yaml.Node | None   # None for an empty document
    data: Any
    line_offset: int = 0     # lines before the YAML starts (front matter in a Markdown file)
    warnings: tuple[Problem, ...] = ()   # suspicious but loadable: text a comment swallowed

    def line(self, loc: Loc) -> int | None:
        """1-based line of the deepest node `loc` reaches (the key's line when it ends on a key)."""
        node, key = _walk(self.node, loc)
        target = key if key is not None else node
        if target is None:
            return 1 + self.line_offset if self.node is None else None
        return target.start_mark.line + 1 + self.line_offset

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        return Problem(self.rel, self.line(loc), message, hint)

    def item(self, loc: Loc) -> Any:
        """The data at `loc`, or None when it is not there."""
        value = self.data
        for part in loc:
            in_dict = isinstance(value, dict) and part in value
            in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if in_dict or in_list:
                value = value[part]
            else:
                return None
        return value


def parse_yaml_text(text: str, rel: str, *, line_offset: int = 0) -> YamlSource:
    """Parse one YAML document; syntax errors and duplicate keys raise CorpusError with lines."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        problems = _duplicate_keys(node, rel, line_offset)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise CorpusError([_syntax_problem(exc, rel, line_offset)]) from None
    except yaml.YAMLError as exc:  # errors without a position are rare, but still not a traceback
        raise CorpusError([Problem(rel, None, f"YAML error: {exc}", _SYNTAX_HINT)]) from None
    finally:
        loader.dispose()
    if problems:
        raise CorpusError(problems)
    return YamlSource(rel, node, data, line_offset, tuple(swallowed_by_comments(node, text, rel, line_offset)))


def parse_yaml_bytes(raw: bytes, rel: str, *, line_offset: int = 0) -> YamlSource:
    return parse_yaml_text(decode_utf8(raw, rel, line_offset=line_offset), rel, line_offset=line_offset)


def validate_source(source: YamlSource, model: type[M], *, what: str = "the file") -> M:
    """Validate parsed data against `model`; every pydantic error becomes a Problem on its line.

    An empty document validates as `{}` (so a model whose fields all have
    defaults accepts an empty file); a document that is not a mapping is a problem.
    """
    data = {} if source.data is None else source.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise CorpusError([Problem(
            source.rel, source.line(()),
            f"{what} must be a mapping of keys, but it is {kind}",
            f"write it as 'key: value' lines; the keys allowed here are {_names(model)}",
        )])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _without_echoes(exc.errors(include_url=False), model)
        raise CorpusError([_pydantic_problem(source, model, err) for err in errors]) from None


def load_yaml_source(path: Path, model: type[M], root: Path) -> tuple[M, YamlSource]:
    """Read, parse and validate `path`; return the model and its source (for further line lookups).

    Raises CorpusError whose problems name `path` relative to `root`, the line
    and a fix: unreadable or missing file, non-UTF-8 bytes, YAML syntax errors,
    duplicate keys, a top level that is not a mapping, unknown keys (with the
    allowed ones and the closest match), missing keys, wrong types or values.
    """
    rel = relative_name(path, root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError([Problem(rel, None, "the file does not exist", "create it or fix the path")]) from None
    except OSError as exc:
        raise CorpusError([Problem(rel, None, f"the file cannot be read: {exc.strerror}",
                                   "check its permissions")]) from None
    source = parse_yaml_bytes(raw, rel)
    return validate_source(source, model), source


def load_yaml_model(path: Path, model: type[M], root: Path) -> M:
    """Read `path` (YAML) into `model`, raising CorpusError with file-and-line problems.

    `root` only shapes the file name in problems (shown relative to it). Works
    for any pydantic model; models with `extra="forbid"` also get "unknown key"
    problems that list the allowed keys and suggest the closest one.
    """
    return load_yaml_source(path, model, root)[0]


# --- positions -------------------------------------------------------------------


def _walk(node: yaml.Node | None, loc: Loc) -> tuple[yaml.Node | None, yaml.Node | None]:
    """Follow `loc` down the node tree as far as it goes; return (node, key node of the last step)."""
    key: yaml.Node | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    node, key = v, k
                    break
            # else: a pydantic tag such as 'function-after[...]' that is not in the file; skip it
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node, key = node.value[part], None
    return node, key


# ' #' starts a YAML comment, so `fix: Add #employee to the post` loads as "Add". A comment
# whose '#' is glued to a word (#employee, #ad) after an unquoted value is almost always
# text that was meant to be part of the value.
_GLUED_COMMENT = re.compile(r"\s+#(?=[^\s#!])(\S+)")


def swallowed_by_comments(root: yaml.Node | None, text: str, rel: str, line_offset: int) -> list[Problem]:
    """Warnings for unquoted values whose line goes on with ' #word…', which YAML drops."""
    lines = text.splitlines()
    out: list[Problem] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and not node.style and node.value:
            end = node.end_mark
            if end.line >= len(lines):
                continue
            m = _GLUED_COMMENT.match(lines[end.line], end.column)
            if m:
                rest = lines[end.line][m.start():].strip()
                out.append(Problem(
                    rel, end.line + 1 + line_offset,
                    f"the text '{rest}' after the value '{node.value}' is read as a YAML comment, "
                    f"so the value is cut to '{node.value}'",
                    "quote the whole value (fix: \"Add #employee to the post\"), or put a space "
                    "after '#' if it really is a comment"))
    out.sort(key=lambda p: p.line or 0)
    return out


def _duplicate_keys(root: yaml.Node | None, rel: str, line_offset: int) -> list[Problem]:
    problems: list[Problem] = []
    seen_nodes: set[int] = set()  # aliases share nodes; visit each once
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value != "<<":
                    line = k.start_mark.line + 1 + line_offset
                    if k.value in first:
                        problems.append(Problem(
                            rel, line,
                            f"key '{k.value}' appears twice in the same mapping (first on line {first[k.value]})",
                            "YAML keeps only the last one; remove or rename one of them"))
                    else:
                        first[k.value] = line
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def _syntax_problem(exc: yaml.MarkedYAMLError, rel: str, line_offset: int) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 + line_offset if mark is not None else None
    what = exc.problem or "invalid YAML"
    message = f"YAML syntax error: {what}"
    if exc.context:
        message += f" ({exc.context})"
    hint = _SYNTAX_HINT
    if "escape" in what:
        hint = "write regular expressions in single quotes, e.g. '\\bword\\b' (double quotes treat \\ as an escape)"
    elif "expected a single document" in (exc.context or "") + what:
        hint = "keep one YAML document per file: remove the extra '---' line"
    elif "\\t" in what or "tab" in what:
        hint = "indent with spaces, not tabs"
    return Problem(rel, line, message, hint)


# --- pydantic errors -----------------------------------------------------------------


def _without_echoes(errors: list[Any], model: type[BaseModel]) -> list[Any]:
    """Drop "missing 'severity'" when the same mapping has the typo 'severty': one mistake, one problem."""
    typos: set[tuple[Any, ...]] = set()
    for err in errors:
        if err["type"] == "extra_forbidden" and err["loc"]:
            parent = tuple(err["loc"][:-1])
            fields = list(_owner_fields(model, parent))
            for close in difflib.get_close_matches(str(err["loc"][-1]), fields, n=1):
                typos.add((*parent, close))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in typos)]


def _owner_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    tp: Any = model
    for part in loc:
        tp = _strip_optional(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return []
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) in (list, tuple, set, frozenset):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return []
    tp = _strip_optional(tp)
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _pydantic_problem(source: YamlSource, model: type[BaseModel], err: Any) -> Problem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    entities, owner = _describe(source, model, loc)
    last = loc[-1] if loc else None
    ends_on_entity = bool(entities) and entities[-1][0] == len(loc) - 1
    inner = [text for step, text in entities if step < len(loc) - 1]
    where = f" in {inner[-1]}" if inner else ""
    line = source.line(loc)
    if kind == "extra_forbidden":
        fields = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(last), fields, n=1)
        hint = (f"did you mean '{close[0]}'? " if close else "") + (
            f"allowed keys are {_names(owner)}" if owner else "remove it")
        return Problem(source.rel, line, f"unknown key '{last}'{where}", hint)
    if kind == "missing":
        return Problem(source.rel, line, f"missing required key '{last}'{where}", f"add '{last}: …'")
    if ends_on_entity:
        subject = entities[-1][1] + where
    elif last is not None:
        subject = f"'{last}'{where}"
    else:
        subject = "the file"
    value = err.get("input")
    msg: str = err["msg"].removeprefix("Value error, ")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"use one of {expected}"
        return Problem(source.rel, line, f"{subject} is {value!r}, which is not allowed", hint)
    if value is None and kind.endswith("_type"):
        return Problem(source.rel, line, f"{subject} has no value", "write a value after the colon, or remove the key")
    return Problem(source.rel, line, f"{subject}: {msg}", _TYPE_HINTS.get(kind, f"fix the value of {subject}"))


_TYPE_HINTS = {
    "string_type": "write text; quote it if it looks like a number, a date or yes/no",
    "int_type": "write a whole number",
    "int_parsing": "write a whole number",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "list_type": "write a list, e.g. [a, b] or one '- item' per line",
    "tuple_type": "write a list, e.g. [a, b] or one '- item' per line",
    "dict_type": "write a mapping of 'key: value' lines",
    "model_type": "write a mapping of 'key: value' lines",
    "model_attributes_type": "write a mapping of 'key: value' lines",
    "greater_than_equal": "use a larger number",
    "value_error": "add or correct the key the message names",
}


def _names(model: type[BaseModel]) -> str:
    return ", ".join(f.alias or name for name, f in model.model_fields.items())


def _describe(source: YamlSource, model: type[BaseModel],
              loc: tuple[str | int, ...]) -> tuple[list[tuple[int, str]], type[BaseModel] | None]:
    """Name the list items and dict entries along `loc`: [(step, "rule 'privacy.email'"), ...].

    Also returns the model class that owns the last key of `loc` (for "allowed keys").
    Walks the model's type hints alongside the data, so it works for any schema.
    """
    tp: Any = model
    owner: type[BaseModel] | None = model
    field = ""
    entities: list[tuple[int, str]] = []
    data: Any = source.data
    for step, part in enumerate(loc):
        tp = _strip_optional(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            if not isinstance(part, str) or part not in tp.model_fields:
                break
            field, tp = part, tp.model_fields[part].annotation
        elif origin in (list, tuple, set, frozenset) and isinstance(part, int):
            item = data[part] if isinstance(data, list) and 0 <= part < len(data) else None
            name = (item.get("id") or item.get("name")) if isinstance(item, dict) else None
            label = f"'{name}'" if isinstance(name, str) else str(part + 1)
            if entities and entities[-1][0] == step - 1:  # a list inside a dict entry: "group 'legal' item 2"
                entities.append((step, f"{entities[-1][1]} item {label}"))
            else:
                entities.append((step, f"{_singular(field)} {label}"))
            tp = typing.get_args(tp)[0]
        elif origin is dict and isinstance(part, str):
            entities.append((step, f"{_singular(field)} '{part}'"))
            tp = typing.get_args(tp)[1]
        else:
            break
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            data = None
    return entities, owner


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word or "item"
