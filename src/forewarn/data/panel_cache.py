"""Validated panels kept on disk, so that each command does not validate the same file again.

Validation reads every field as text and checks it (a few tenths of a second for the EWP
panel); the typed frame it returns depends only on the file's bytes and on the code that
reads it. So the frame is stored under a key made of the file's SHA-256, a hash of the
source of :mod:`forewarn.data` (any change to the readers or the schema gives a new key),
and the forewarn and pandas versions, and read back in milliseconds. Pickle, as the results
cache uses, because it restores the frame exactly (dtypes, nullable integers, index) and
fastest; the folder is the user's own cache, written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import forewarn
from forewarn.files import load_pickle, source_hash, store_pickle

Validate = Callable[[Path], pd.DataFrame]


def validated(cache_dir: Path, source: Path, sha256: str, validate: Validate) -> pd.DataFrame:
    """``validate(source)``, or the frame it returned before for the same bytes and code."""
    path = cache_dir / "panels" / f"{_key(sha256)}.pkl"
    frame = _read(path)
    if frame is None:
        frame = validate(source)
        _write(path, frame)
    return frame


def _key(sha256: str) -> str:
    parts = (sha256, reader_version(), forewarn.__version__, pd.__version__)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def reader_version() -> str:
    """SHA-256 over the source files of :mod:`forewarn.data` (readers, schema, registry)."""
    return source_hash("forewarn.data")


def _read(path: Path) -> pd.DataFrame | None:
    frame = load_pickle(path)
    return frame if isinstance(frame, pd.DataFrame) else None


def _write(path: Path, frame: pd.DataFrame) -> None:
    """Store atomically; a cache folder that cannot be written only costs speed."""
    with contextlib.suppress(OSError):
        store_pickle(path, frame)
