"""Reading request bodies and uploads through the stages' own file parsers.

The stages parse files (assessment CSV/JSON, mandate records) with all their checks and
one-line errors. The API writes what it received to a private temporary folder and calls
the same parser, so a body and a file are judged by the same rules; error messages name the
upload, not the temporary path.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from forewarn.api.errors import PayloadTooLarge
from forewarn.errors import ForewarnError

T = TypeVar("T")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def parse_bytes(data: bytes, suffix: str, shown_as: str, parser: Callable[[Path], T]) -> T:
    """``parser(path)`` on a temporary file holding ``data``; errors name ``shown_as``."""
    with tempfile.TemporaryDirectory(prefix="forewarn-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return parser(path)
        except ForewarnError as exc:
            raise type(exc)(str(exc).replace(str(path), shown_as)) from None


def parse_json(document: Any, shown_as: str, parser: Callable[[Path], T]) -> T:
    """``parser`` on ``document`` written as a ``.json`` file."""
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return parse_bytes(data, ".json", shown_as, parser)


def read_limited(stream: BinaryIO, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The whole upload; 413 when it is larger than ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the upload is larger than {limit / 2**20:g} MiB")
    return data
