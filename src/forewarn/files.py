"""Files written whole or not at all, and the pickled entries of forewarn's caches.

The caches (validated panels, model results) are keyed by a hash of the code that made
them (:func:`source_hash`), so an entry is never stale; one that cannot be read any more
(cut short, or pickled by code that has gone) is removed and recomputed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, then a rename (a
    full disk leaves the old file, or none, never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_pickle(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` atomically (:func:`write_atomically`)."""
    write_atomically(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def load_pickle(path: Path) -> object | None:
    """What ``path`` holds, or None when it is missing; an entry that cannot be read is
    removed (and None returned) so that it is recomputed."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            value: object = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        path.unlink(missing_ok=True)
        return None
    return value


@cache
def source_hash(*packages: str) -> str:
    """SHA-256 over the names and bytes of the Python source files of ``packages``."""
    digest = hashlib.sha256()
    for package in packages:
        for item in sorted(resources.files(package).iterdir(), key=lambda p: p.name):
            if item.name.endswith(".py"):
                digest.update(item.name.encode())
                digest.update(item.read_bytes())
    return digest.hexdigest()
