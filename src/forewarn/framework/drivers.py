"""Model drivers in the Framework's terms: predictor → risk factor(s), and risk-factor profiles.

A profile splits a forecast's per-predictor contributions (log-odds, relative to the
training mean) among the risk factors their predictors measure. A predictor mapped to
several factors shares its contribution equally among them. ``raising`` is each factor's
share of all risk-raising contributions (it sums to 1 with "structural"); ``net`` is the
factor's signed total on the log-odds scale.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from forewarn.data.schema import PREDICTORS
from forewarn.errors import ConfigError

STRUCTURAL = "structural"


@dataclass(frozen=True)
class DriverMap:
    """What each predictor measures."""

    labels: Mapping[str, str]
    factors: Mapping[str, tuple[str, ...]]


@cache
def load_driver_map() -> DriverMap:
    """The packaged predictor → risk factor mapping (validated against the 39 predictors)."""
    source = resources.files("forewarn.framework") / "data" / "drivers.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))["predictor"]
    missing = sorted(set(PREDICTORS) - set(doc))
    if missing:
        raise ConfigError(f"{source}: predictor {missing[0]!r} has no risk-factor mapping")
    return DriverMap(
        {p: str(v["label"]) for p, v in doc.items()},
        {p: tuple(v["factors"]) for p, v in doc.items()},
    )


def predictor_of(feature: str) -> str | None:
    """The panel predictor a model feature is built from (longest name it contains)."""
    if feature in PREDICTORS:
        return feature
    found = [p for p in PREDICTORS if p in feature]
    return max(found, key=len) if found else None


def factors_of(feature: str) -> tuple[str, ...]:
    """The risk factors a model feature measures (empty for structural baselines)."""
    predictor = predictor_of(feature)
    return load_driver_map().factors.get(predictor, ()) if predictor else ()


def label_of(feature: str) -> str:
    """A readable label for a model feature."""
    predictor = predictor_of(feature)
    base = load_driver_map().labels.get(predictor, feature) if predictor else feature
    return base if predictor == feature else f"{base} [{feature}]"


@dataclass(frozen=True)
class FactorShare:
    """One row of a risk-factor profile."""

    factor: str
    raising: float
    net: float


def profile(contributions: Mapping[str, float]) -> list[FactorShare]:
    """The risk-factor profile of one forecast, largest risk-raising share first."""
    raising: dict[str, float] = {}
    net: dict[str, float] = {}
    for feature, value in contributions.items():
        targets = factors_of(feature) or (STRUCTURAL,)
        for factor in targets:
            part = float(value) / len(targets)
            net[factor] = net.get(factor, 0.0) + part
            raising[factor] = raising.get(factor, 0.0) + max(part, 0.0)
    total = sum(raising.values()) or 1.0
    rows = [FactorShare(f, raising[f] / total, net[f]) for f in net]
    return sorted(rows, key=lambda r: (-r.raising, r.factor))
