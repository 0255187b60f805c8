"""An on-disk cache of computed results, keyed by everything that determines them.

A key is the SHA-256 of: the panel's SHA-256, the model's name and identity, the forewarn
version, a hash of the source of ``forewarn.models`` and ``forewarn.evaluation``, and the
call's own arguments. A registered model's identity is its class (a
:class:`~forewarn.models.registry.Factory`): its version and default parameters are in the
hashed source, so the key is made without importing it (or scikit-learn); any other model
is built once for its class version and parameter hash. Any change to data, parameters or
code gives a new key, so a cached result is always the one a fresh run would compute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import forewarn
from forewarn.files import load_pickle, source_hash, store_pickle
from forewarn.models.registry import Factory, ModelSpec

T = TypeVar("T")


@cache
def code_version() -> str:
    """SHA-256 over forewarn's version and the source files of the modelling and evaluation
    packages."""
    code = source_hash("forewarn.models", "forewarn.evaluation")
    return hashlib.sha256(f"{forewarn.__version__}\n{code}".encode()).hexdigest()


def result_key(spec: ModelSpec, panel_sha256: str, **arguments: Any) -> str:
    """The cache key of one computation with ``spec`` on a panel."""
    parts = {
        "model": spec.name,
        "outcome": spec.outcome,
        "features": f"{spec.features.__module__}.{spec.features.__qualname__}",
        **_identity(spec),
        "panel": panel_sha256,
        "code": code_version(),
        "arguments": arguments,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _identity(spec: ModelSpec) -> dict[str, str]:
    if isinstance(spec.make, Factory):
        return {"class": f"{spec.make.module}.{spec.make.name}"}
    model = spec.make()
    return {"version": model.version, "param_hash": model.param_hash}


def cached(cache_dir: Path, kind: str, key: str, compute: Callable[[], T]) -> T:
    """The stored result for ``key``, or ``compute()`` stored atomically then returned."""
    path = cache_dir / "results" / kind / f"{key}.pkl"
    if (stored := load_pickle(path)) is not None:
        return stored  # type: ignore[return-value]
    value = compute()
    store_pickle(path, value)
    return value
