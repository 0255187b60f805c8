"""Model drivers in the Framework's terms: predictor → risk factor(s), labels, the structural
baseline, and risk-factor profiles.

A forecast's contributions are its per-feature terms on the log-odds scale, relative to the
training mean. Three readings of them, used by every interface alike:

* :func:`top_drivers` — the largest contributions of the features that describe the
  country's condition. Baseline terms (region and calendar year, ``baseline = true`` in
  ``drivers.toml``) are never drivers: they say where and when a country is, and for an
  African country (the region dummies' reference) a "Region: North America" term is only
  the coefficient times minus the mean.
* :func:`baseline_of` — the baseline terms added up: the structural baseline.
* :func:`profile` — all contributions split among the risk factors their predictors
  measure. A predictor mapped to several factors shares its contribution equally among
  them. ``raising`` is each factor's share of all risk-raising contributions (it sums to 1
  with "structural", which holds every feature that measures no factor); ``net`` is the
  factor's signed total on the log-odds scale.

Labels come from ``drivers.toml``: each predictor's, each engineered feature's, and the
wording of the engineered transforms (``_chg1`` …). Pass a ``translate`` function (a
gettext) to :func:`label_of` for a label in another language.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from forewarn.data.schema import PREDICTORS
from forewarn.errors import ConfigError

STRUCTURAL = "structural"
TOP_DRIVERS = 8
"""How many drivers a reader is shown (briefs, dashboard, alerts, CLI)."""

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class DriverMap:
    """What each predictor measures, and how features are labelled."""

    labels: Mapping[str, str]
    factors: Mapping[str, tuple[str, ...]]
    baseline: frozenset[str] = frozenset()
    transforms: Mapping[str, str] = field(default_factory=dict)
    """Suffix of an engineered feature → label template (``%(label)s`` the predictor's)."""
    features: Mapping[str, str] = field(default_factory=dict)
    """Engineered feature → its own label."""


def _driver_doc() -> tuple[str, dict[str, Any]]:
    source = resources.files("forewarn.framework") / "data" / "drivers.toml"
    return str(source), tomllib.loads(source.read_text(encoding="utf-8"))


@cache
def load_driver_map() -> DriverMap:
    """The packaged predictor → risk factor mapping (validated against the 39 predictors)."""
    source, doc = _driver_doc()
    predictors = doc["predictor"]
    missing = sorted(set(PREDICTORS) - set(predictors))
    if missing:
        raise ConfigError(f"{source}: predictor {missing[0]!r} has no risk-factor mapping")
    return DriverMap(
        {p: str(v["label"]) for p, v in predictors.items()},
        {p: tuple(v["factors"]) for p, v in predictors.items()},
        frozenset(p for p, v in predictors.items() if v.get("baseline", False)),
        {k: str(v["label"]) for k, v in doc.get("transform", {}).items()},
        {k: str(v["label"]) for k, v in doc.get("feature", {}).items()},
    )


def predictor_of(feature: str) -> str | None:
    """The panel predictor a model feature is built from (longest name it contains)."""
    if feature in PREDICTORS:
        return feature
    found = [p for p in PREDICTORS if p in feature]
    return max(found, key=len) if found else None


def factors_of(feature: str) -> tuple[str, ...]:
    """The risk factors a model feature measures (empty for structural terms)."""
    predictor = predictor_of(feature)
    return load_driver_map().factors.get(predictor, ()) if predictor else ()


def is_baseline(feature: str) -> bool:
    """Whether ``feature`` is a baseline term (region, calendar year), never a driver."""
    return predictor_of(feature) in load_driver_map().baseline


def label_of(feature: str, translate: Translate = _same) -> str:
    """A reader's label for a model feature, from ``drivers.toml`` (in ``translate``'s
    language). A feature ``drivers.toml`` does not know keeps its name in brackets."""
    mapping = load_driver_map()
    if feature in mapping.features:
        return translate(mapping.features[feature])
    predictor = predictor_of(feature)
    if predictor is None:
        return feature
    base = translate(mapping.labels.get(predictor, predictor))
    if predictor == feature:
        return base
    template = mapping.transforms.get(feature[len(predictor) :])
    if feature.startswith(predictor) and template is not None:
        return translate(template) % {"label": base}
    return f"{base} [{feature}]"


def _finite(value: float) -> bool:
    return not math.isnan(value)


def top_drivers(
    contributions: Mapping[str, float], top: int = TOP_DRIVERS
) -> list[tuple[str, float]]:
    """The ``top`` largest non-zero contributions (either sign), baseline terms left out;
    largest first, ties by feature name."""
    pairs = [(str(f), float(v)) for f, v in contributions.items()]
    kept = [(f, v) for f, v in pairs if v != 0 and _finite(v) and not is_baseline(f)]
    return sorted(kept, key=lambda p: (-abs(p[1]), p[0]))[:top]


def baseline_of(contributions: Mapping[str, float]) -> float:
    """The structural baseline: the baseline terms (region, calendar year) added up."""
    values = (float(v) for f, v in contributions.items() if is_baseline(str(f)))
    return sum(v for v in values if _finite(v))


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
        if not _finite(float(value)):
            continue
        targets = factors_of(feature) or (STRUCTURAL,)
        for factor in targets:
            part = float(value) / len(targets)
            net[factor] = net.get(factor, 0.0) + part
            raising[factor] = raising.get(factor, 0.0) + max(part, 0.0)
    total = sum(raising.values()) or 1.0
    rows = [FactorShare(f, raising[f] / total, net[f]) for f in net]
    return sorted(rows, key=lambda r: (-r.raising, r.factor))


def shares_of(records: Iterable[Mapping[str, Any]]) -> list[FactorShare]:
    """A profile back from its plain records (``{"factor", "raising", "net"}``, as a
    forecast table and an alert snapshot hold it), largest risk-raising share first."""
    rows = [FactorShare(str(r["factor"]), float(r["raising"]), float(r["net"])) for r in records]
    return sorted(rows, key=lambda r: (-r.raising, r.factor))
