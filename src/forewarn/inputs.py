"""Reading the files people give forewarn: text, JSON and TOML, strictly and in one line.

Every reader of a user's file (panel, assessments, rules, ladder, roles, mandates, vote
files, case files) goes through these functions, so the same input is judged the same way
everywhere:

* text is UTF-8; a leading byte-order mark (spreadsheet programs write one) is dropped; a
  NUL byte anywhere is refused, naming its line (a NUL silently cut ``0.9\\x007`` to ``0.9``
  in the C CSV parser, and PostgreSQL cannot store one);
* JSON refuses duplicate keys (the last one would silently win), ``NaN``/``Infinity`` (not
  JSON), and nesting deeper than :data:`MAX_DEPTH`;
* TOML refuses nesting deeper than :data:`MAX_DEPTH` (the parser would otherwise recurse
  until Python gives up).

Each function takes the :class:`~forewarn.errors.ForewarnError` subclass its caller
reports with (a data file's ``SchemaError``, a configuration file's ``ConfigError``) and the
label that names the file in the message.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forewarn.errors import ForewarnError

BOM = "\ufeff"
MAX_DEPTH = 64
"""How deeply JSON and TOML documents may nest (forewarn's own formats need four levels)."""
MAX_FILE_BYTES = 512 * 1024 * 1024
"""Larger files are refused before they are read (the panel is about 4 MB)."""

Failure = Callable[[str], ForewarnError]


def _failure(error: type[ForewarnError], label: str) -> Failure:
    return lambda problem: error(f"{label}: {problem}")


def read_bytes(path: Path, error: type[ForewarnError], label: str | None = None) -> bytes:
    """The bytes of ``path``; ``error`` naming it when it is missing, unreadable or huge."""
    fail = _failure(error, label or str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(f"{size} bytes: larger than {MAX_FILE_BYTES // 2**20} MiB")
        return path.read_bytes()
    except IsADirectoryError:
        raise fail("is a folder, not a file") from None
    except OSError as exc:
        raise fail(f"cannot read ({exc.strerror or exc})") from None


def decode(data: bytes, error: type[ForewarnError], label: str) -> str:
    """UTF-8 text without a leading byte-order mark; NUL bytes and bad UTF-8 refused."""
    fail = _failure(error, label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(f"line {line}: not UTF-8 text (byte {exc.start + 1})") from None
    text = text.removeprefix(BOM)
    nul = text.find("\x00")
    if nul >= 0:
        raise fail(f"line {text.count(chr(10), 0, nul) + 1}: contains a NUL byte")
    return text


def read_text(path: Path, error: type[ForewarnError], label: str | None = None) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    name = label or str(path)
    return decode(read_bytes(path, error, name), error, name)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(text: str, error: type[ForewarnError], label: str) -> Any:
    """Parse JSON strictly: duplicate keys, NaN/Infinity and deep nesting refused."""
    fail = _failure(error, label)
    if "\x00" in text:
        raise fail("contains a NUL byte")
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except _DuplicateKey as exc:
        raise fail(f"key {exc.key!r} appears twice in one object") from None
    except ValueError as exc:
        raise fail(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise fail(f"nested more than {MAX_DEPTH} levels deep") from None
    return _shallow_and_clean(doc, fail)


def _shallow_and_clean(doc: Any, fail: Failure) -> Any:
    """``doc`` once it is known to nest at most :data:`MAX_DEPTH` deep and hold no NUL."""
    if depth(doc) > MAX_DEPTH:
        raise fail(f"nested more than {MAX_DEPTH} levels deep")
    if _has_nul(doc):
        raise fail("a string contains a NUL character (\\u0000)")
    return doc


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_toml(text: str, error: type[ForewarnError], label: str) -> dict[str, Any]:
    """Parse TOML (which forbids duplicate keys itself); deep nesting refused."""
    fail = _failure(error, label)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise fail(f"nested more than {MAX_DEPTH} levels deep") from None
    _shallow_and_clean(doc, fail)
    return doc


def read_json(path: Path, error: type[ForewarnError], label: str | None = None) -> Any:
    """:func:`read_text` then :func:`parse_json`."""
    name = label or str(path)
    return parse_json(read_text(path, error, name), error, name)


def read_toml(path: Path, error: type[ForewarnError], label: str | None = None) -> dict[str, Any]:
    """:func:`read_text` then :func:`parse_toml`."""
    name = label or str(path)
    return parse_toml(read_text(path, error, name), error, name)
