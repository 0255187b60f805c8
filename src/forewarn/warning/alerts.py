"""From rule firings to alert candidates whose evidence is frozen in a snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from forewarn.framework.assessments import Assessment
from forewarn.warning.rules import Firing, RuleSet, strongest


@dataclass(frozen=True)
class Provenance:
    """What produced the forecast: data file and model, as hashes a reader can check."""

    data_file: str
    data_sha256: str
    model: str
    model_version: str
    param_hash: str
    rules_file: str
    base_year: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "data": {"file": self.data_file, "sha256": self.data_sha256},
            "model": {
                "name": self.model,
                "version": self.model_version,
                "param_hash": self.param_hash,
            },
            "rules_file": self.rules_file,
            "base_year": self.base_year,
        }


@dataclass(frozen=True)
class AlertCandidate:
    """An alert the rules call for, before it is stored."""

    iso3: str
    ccode: int | None
    country: str
    level: str
    rule: str
    base_year: int
    snapshot: Mapping[str, Any]
    stream: str = "annual"
    """Which signal raised it: "annual" (forecast and assessments) or "monthly" (event data);
    a country's level is kept per stream."""
    renew: bool = False
    """Record it even at its stream's current level (a new episode of a monthly signal)."""


def _firing_record(f: Firing) -> dict[str, Any]:
    return {"rule": f.rule, "level": f.level, "values": dict(f.values)}


def _forecast_part(row: Mapping[Any, Any] | None) -> dict[str, Any]:
    if row is None:
        return {}
    keys = ("risk_1y", "risk_2y", "risk_2y_prev", "rank", "low", "high")
    out = {k: row[k] for k in keys if k in row and not pd.isna(row[k])}
    out["drivers"] = list(row.get("top_drivers", []))
    out["risk_factor_profile"] = list(row.get("profile", []))
    if "baseline" in row and not pd.isna(row["baseline"]):
        out["structural_baseline"] = float(row["baseline"])
    return out


def candidates(
    rules: RuleSet,
    firings: Sequence[Firing],
    forecast: pd.DataFrame,
    assessments: Mapping[str, Assessment],
    provenance: Provenance,
    names: Mapping[str, tuple[int | None, str]],
) -> list[AlertCandidate]:
    """One candidate per country with at least one firing, at its most severe level.

    ``forecast`` rows may carry ``top_drivers`` and ``profile`` lists and the structural
    ``baseline``, copied into the snapshot. Snapshots hold assessment ids and the indicator
    ids that fired, never evidence text, so confidential evidence cannot leak through an
    alert.
    """
    rows = {str(r["iso3"]): r for r in forecast.to_dict("records")}
    out = []
    for iso3, fired in sorted(strongest(rules, firings).items()):
        top = fired[0]
        assessment = assessments.get(iso3)
        snapshot = {
            "rule": top.rule,
            "level": top.level,
            "fired": [_firing_record(f) for f in fired],
            "forecast": _forecast_part(rows.get(iso3)),
            "assessment_ids": [assessment.id] if assessment is not None else [],
            **provenance.as_dict(),
        }
        ccode, name = names[iso3]
        out.append(
            AlertCandidate(iso3, ccode, name, top.level, top.rule, provenance.base_year, snapshot)
        )
    return out
