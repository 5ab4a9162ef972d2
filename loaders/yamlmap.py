"""YAML documents that remember the line of every value, and JSON Schema errors that name it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import yaml

from .errors import InputError, read_source

if TYPE_CHECKING:
    import jsonschema

KeyPath = tuple[str | int, ...]
#: libyaml's loader when PyYAML was built with it (ten times faster on large manifests), else the pure one.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LineMap:
    """1-based line numbers of every value (by path) and of every mapping key."""

    values: dict[KeyPath, int] = field(default_factory=dict)
    keys: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int:
        """The line of the value at ``path``, else of its nearest ancestor."""
        p = tuple(path)
        while p and p not in self.values:
            p = p[:-1]
        return self.values.get(p, 1)

    def key_line(self, path: KeyPath, key: str) -> int:
        """The line where ``key`` is written in the mapping at ``path``."""
        return self.keys.get((*path, key), self.line(path))


@dataclass
class YamlDocument:
    """A parsed YAML file and where each of its values stands."""

    source: str
    data: Any
    lines: LineMap

    def error(self, path: KeyPath, message: str, key: str | None = None) -> InputError:
        """An :class:`InputError` placed at the value at ``path`` (or at ``key`` inside it)."""
        line = self.lines.key_line(path, key) if key is not None else self.lines.line(path)
        return InputError(self.source, message, f"line {line}")


def read_yaml(path: str | Path) -> YamlDocument:
    """Read one YAML document from ``path`` with the line of every value; bad YAML names its line."""
    source = str(path)
    try:
        text = read_source(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, "not UTF-8 text: this is not a YAML manifest", f"byte {exc.start}") from None
    if not text.strip():
        raise InputError(source, "empty file: no YAML document", "line 1")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(source, "binary data, not a YAML manifest", f"line {line}")
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(source, "empty file: no YAML document", "line 1")
        data = loader.construct_document(node)
        lines = LineMap()
        _walk(node, (), lines, loader, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(source, f"invalid YAML: {exc.problem or exc.context}", place) from None
    except yaml.YAMLError as exc:
        raise InputError(source, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDocument(source, data, lines)


def _walk(node: yaml.Node, path: KeyPath, lines: LineMap, loader: yaml.SafeLoader, source: str,
          within: frozenset[int] = frozenset()) -> None:
    lines.values[path] = node.start_mark.line + 1
    if isinstance(node, yaml.CollectionNode):
        if id(node) in within:   # an alias inside the value it names: the value would never end
            raise InputError(source, "a YAML alias (*name) inside the value it refers to",
                             f"line {node.start_mark.line + 1}")
        within = within | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) or key is None:
                raise InputError(source, "mapping keys must be plain text", f"line {line}")
            if key in seen:
                raise InputError(source, f"duplicate key {key!r} (first written at line {seen[key]})", f"line {line}")
            seen[key] = line
            lines.keys[(*path, str(key))] = line
            _walk(value_node, (*path, str(key)), lines, loader, source, within)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, loader, source, within)


@cache
def schema(name: str) -> dict[str, Any]:
    """The packaged JSON Schema ``inventory/schemas/<name>.schema.json``."""
    text = resources.files("flowaudit.inventory").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _fast_validator(name: str) -> jsonschema_rs.Draft202012Validator:
    """The compiled (Rust) validator of schema ``name``: it only tells whether a document is valid."""
    return jsonschema_rs.Draft202012Validator(schema(name))


def validate(doc: YamlDocument, schema_name: str) -> None:
    """Check ``doc`` against a packaged schema; the first error in file order raises, naming its line.

    A valid document is passed by the compiled validator (a hundred times faster on a large manifest);
    any other, or one holding values JSON has no type for (a YAML date), is checked again by ``jsonschema``,
    whose errors say where and what.
    """
    try:
        if _fast_validator(schema_name).is_valid(doc.data):
            return
    except ValueError:   # a value JSON has no type for: jsonschema below names it
        pass
    import jsonschema  # imported only for a document that may be invalid

    validator = jsonschema.Draft202012Validator(schema(schema_name))
    placed = [_place(doc, e) for e in validator.iter_errors(doc.data)]
    if placed:
        line, message = min(placed, key=lambda p: p[0])
        raise InputError(doc.source, message, f"line {line}")


def _place(doc: YamlDocument, error: jsonschema.ValidationError) -> tuple[int, str]:
    """The line and message of one schema error, in words a manifest author understands."""
    path = tuple(error.absolute_path)
    if error.validator in ("anyOf", "oneOf") and error.context and all(
            e.validator == "type" and tuple(e.absolute_path) == path for e in error.context):
        expected = " or ".join(dict.fromkeys(_type_words(e.validator_value) for e in error.context))
        return doc.lines.line(path), f"{_dotted(path)}: expected {expected}, found {_kind(error.instance)}"
    error = _deepest(error)
    path = tuple(error.absolute_path)
    where = _dotted(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [str(k) for k in error.instance if k not in allowed]
        if extra:
            return (doc.lines.key_line(path, extra[0]),
                    f"unknown key {extra[0]!r} in {where} (known keys: {', '.join(allowed)})")
    if error.validator == "type":
        return doc.lines.line(path), f"{where}: expected {_type_words(error.validator_value)}, " \
                                     f"found {_kind(error.instance)}"
    message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    return doc.lines.line(path), f"{where}: {message}"


_TYPE_WORDS = {"string": "text", "array": "a list", "object": "a mapping", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "nothing"}


def _type_words(types: str | list[str]) -> str:
    return " or ".join(_TYPE_WORDS.get(t, t) for t in ([types] if isinstance(types, str) else types))


def _kind(value: Any) -> str:
    """How a YAML value reads: a mapping, a list, text, a number..."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    return "nothing" if value is None else "text"


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For anyOf/oneOf failures, the sub-error that got furthest into the value (a type mismatch last)."""
    if not error.context:
        return error
    best = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return _deepest(best)


def _dotted(path: KeyPath) -> str:
    """``systems[2].collects[0]`` for a path, ``the document`` for the root."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the document"


def top_level_keys(path: str | Path) -> set[str]:
    """The keys written at column 0 of a YAML file (a cheap look for telling manifest kinds apart)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return set()
    return set(re.findall(r"^([A-Za-z_][\w-]*)[ \t]*:", head, re.M))
