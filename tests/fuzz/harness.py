"""A reusable harness for fuzzing the files forewarn reads.

The promise it checks: whatever the bytes of a file, its reader either succeeds or raises
a :class:`~forewarn.errors.ForewarnError` whose message is one line, never any other
exception. Inputs are mutations of a valid sample (so they get past the first checks and
reach the deep ones): characters inserted, deleted or replaced, lines dropped, doubled or
swapped, tokens replaced by troublemakers (NUL, a byte-order mark, huge or negative
numbers, NaN, deep nesting, stray quotes), the text cut short, and bytes that are not
UTF-8. Structured formats also get documents generated from scratch (:func:`json_values`).

To fuzz a new kind of file (event files, say), add a module to ``tests/fuzz/``::

    from hypothesis import given

    from .harness import FUZZ, check_reader, file_inputs

    SAMPLE = "date,province,deaths\n2024-01-03,Darfur,12\n"  # a small valid file

    @FUZZ
    @given(data=file_inputs(SAMPLE))
    def test_event_files(tmp_path_factory, data):
        check_reader(read_events, data, tmp_path_factory, suffix=".csv")

and, for a reader that writes (an import), check that a failure leaves the database as it
was, as ``test_imports.py`` does.

The number of examples per test is ``FOREWARN_FUZZ_EXAMPLES`` (default 120, enough for CI
to stay within a minute or two); under ``CI=true`` the examples are derandomised, so a run
is reproducible.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from forewarn.errors import ForewarnError

EXAMPLES = int(os.environ.get("FOREWARN_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)  # fmt: skip
"""Hypothesis settings for every fuzz test: bounded, no example database written."""

TROUBLE = (
    "\x00", "\ufeff", "\r", "\n", '"', "'", ",", ";", "=", "[", "]", "{", "}", "\\", "#",
    "-1", "0", "1e309", "-1e309", "NaN", "nan", "inf", "99999999999", "2**63",
    "9999-99-99", "0000-00-00", "2999-01-01", "1900-01-01", "true", "null", "",
    "[" * 200, "{" * 200, "\u2028", "é", "😀", "x" * 5000,
)  # fmt: skip
"""Tokens that have broken parsers before."""
TOKEN = re.compile(r'[A-Za-z0-9_.\-]+|"[^"\n]*"')


def _replace_token(text: str, index: int, new: str) -> str:
    found = list(TOKEN.finditer(text))
    if not found:
        return text + new
    match = found[index % len(found)]
    return text[: match.start()] + new + text[match.end() :]


def _edit_lines(text: str, index: int, how: int) -> str:
    lines = text.split("\n")
    at = index % len(lines)
    if how == 0:
        del lines[at]
    elif how == 1:
        lines.insert(at, lines[at])
    else:
        other = (at + 1) % len(lines)
        lines[at], lines[other] = lines[other], lines[at]
    return "\n".join(lines)


@st.composite
def mutated(draw: st.DrawFn, sample: str) -> str:
    """``sample`` after one to four random edits."""
    text = sample
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["token", "char", "lines", "cut", "insert"]))
        index = draw(st.integers(0, 10_000))
        if kind == "token":
            trouble = st.sampled_from(TROUBLE) | st.text(max_size=12)
            text = _replace_token(text, index, draw(trouble))
        elif kind == "char" and text:
            at = index % len(text)
            text = text[:at] + draw(st.text(max_size=3)) + text[at + 1 :]
        elif kind == "lines":
            text = _edit_lines(text, index, draw(st.integers(0, 2)))
        elif kind == "cut":
            text = text[: index % (len(text) + 1)]
        else:
            at = index % (len(text) + 1)
            text = text[:at] + draw(st.sampled_from(TROUBLE)) + text[at:]
    return text


def file_inputs(sample: str) -> st.SearchStrategy[bytes]:
    """Bytes of a file: mostly mutations of ``sample``, some not UTF-8, some random."""
    text = mutated(sample).map(lambda t: t.encode("utf-8"))
    broken = st.tuples(mutated(sample), st.binary(min_size=1, max_size=8), st.integers(0, 9999))
    spliced = broken.map(lambda t: _splice(t[0].encode("utf-8"), t[1], t[2]))
    return st.one_of(text, text, text, spliced, st.binary(max_size=300))


def _splice(data: bytes, junk: bytes, at: int) -> bytes:
    at = at % (len(data) + 1)
    return data[:at] + junk + data[at:]


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents (for structure-aware fuzzing of JSON formats)."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=max_leaves,
    )


def one_line(error: ForewarnError) -> str:
    """The error's message, checked to be one non-empty line of sensible length."""
    message = str(error)
    assert message.strip(), f"{type(error).__name__} with an empty message"
    assert "\n" not in message and "\r" not in message, message
    assert len(message) < 6000, message[:200]
    return message


def check_reader(
    read: Callable[[Path], Any],
    data: bytes,
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
) -> Any:
    """``read(path)`` on a file holding ``data``: its result, or the ForewarnError it
    raised (checked to be one line). Any other exception fails the test."""
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    try:
        return read(path)
    except ForewarnError as error:
        one_line(error)
        return error
