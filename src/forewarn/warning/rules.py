"""Warning rules: a TOML rule set (packaged default or the user's file) and its evaluation.

Evaluation is a pure function of a forecast table and the latest assessment per country;
storing the resulting alerts is :mod:`forewarn.store.alerts`' job.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.errors import ConfigError
from forewarn.framework.assessments import Assessment, score
from forewarn.framework.catalogue import Framework

KINDS: dict[str, tuple[str, ...]] = {
    "risk": ("threshold",),
    "rank": ("max_rank",),
    "rise": ("ratio", "min_points"),
    "indicator": ("factors", "judgement", "reliability"),
    "factors-high": ("factors", "min_count"),
}


@dataclass(frozen=True)
class Rule:
    """One rule: what it compares, and the level it raises when it fires."""

    id: str
    kind: str
    level: str
    params: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    """The ordered levels and the rules; ``source`` names the file it came from."""

    levels: tuple[str, ...]
    rules: tuple[Rule, ...]
    source: str

    def rank_of(self, level: str) -> int:
        return self.levels.index(level)


@dataclass(frozen=True)
class Firing:
    """A rule that fired for a country, with the values it compared."""

    iso3: str
    rule: str
    level: str
    values: Mapping[str, Any] = field(default_factory=dict)


def default_rules_path() -> Path:
    return Path(str(resources.files("forewarn.warning") / "data" / "rules.toml"))


def load_rules(
    path: Path | None = None, *, kinds: Mapping[str, tuple[str, ...]] | None = None
) -> RuleSet:
    """Read and validate a rule file (the packaged default when ``path`` is None).

    ``kinds`` maps each rule kind to its parameters (default :data:`KINDS`; the monthly
    event rules of :mod:`forewarn.warning.monthly` pass theirs)."""
    source = path or default_rules_path()
    try:
        doc = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: not a readable TOML file ({exc})") from exc
    levels = doc.get("levels")
    if not isinstance(levels, list) or not levels or not all(isinstance(x, str) for x in levels):
        raise ConfigError(f"{source}: 'levels' must be a non-empty list of level names")
    raw_rules = doc.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ConfigError(f"{source}: no [[rule]] tables")
    known = KINDS if kinds is None else kinds
    rules = tuple(_rule(source, n, r, levels, known) for n, r in enumerate(raw_rules, start=1))
    ids = [r.id for r in rules]
    for rule in rules:
        if ids.count(rule.id) > 1:
            raise ConfigError(f"{source}: rule id {rule.id!r} is used twice")
    return RuleSet(tuple(levels), rules, str(source))


def _rule(
    source: Path, n: int, raw: Any, levels: Sequence[str], kinds: Mapping[str, tuple[str, ...]]
) -> Rule:
    def fail(fld: str, problem: str) -> ConfigError:
        return ConfigError(f"{source}, rule {n}, field {fld!r}: {problem}")

    if not isinstance(raw, dict):
        raise fail("rule", "expected a table")
    for key in ("id", "kind", "level"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise fail(key, "missing or not text")
    if raw["kind"] not in kinds:
        raise fail("kind", f"unknown kind {raw['kind']!r} (known: {', '.join(kinds)})")
    if raw["level"] not in levels:
        raise fail("level", f"{raw['level']!r} is not one of the levels {list(levels)}")
    params = {k: raw.get(k) for k in kinds[raw["kind"]]}
    for key, value in params.items():
        _check_param(fail, key, value)
    return Rule(raw["id"], raw["kind"], raw["level"], params, str(raw.get("description", "")))


def _check_param(fail: Callable[[str, str], ConfigError], key: str, value: Any) -> None:
    if value is None:
        raise fail(key, "missing")
    if key in {"threshold", "min_points"} and not _number_in(value, 0, 1):
        raise fail(key, f"{value!r} is not a probability between 0 and 1")
    if key == "ratio" and not _number_in(value, 1, math.inf):
        raise fail(key, f"{value!r} is not a number >= 1")
    if key in {"max_rank", "min_count"} and not (isinstance(value, int) and value >= 1):
        raise fail(key, f"{value!r} is not a whole number >= 1")
    if key in {"factors", "reliability"} and not (
        isinstance(value, list) and value and all(isinstance(v, str) for v in value)
    ):
        raise fail(key, "expected a non-empty list of names")
    if key == "judgement" and value not in {"present-weak", "present-strong"}:
        raise fail(key, f"{value!r} is not present-weak or present-strong")


def _number_in(value: Any, low: float, high: float) -> bool:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return ok and low <= value <= high


def _forecast_firing(rule: Rule, row: Mapping[Any, Any]) -> Firing | None:
    iso3, risk, p = str(row["iso3"]), float(row["risk_2y"]), rule.params
    if rule.kind == "risk" and risk >= p["threshold"]:
        return Firing(iso3, rule.id, rule.level, {"risk_2y": risk, "threshold": p["threshold"]})
    if rule.kind == "rank" and int(row["rank"]) <= p["max_rank"]:
        return Firing(
            iso3, rule.id, rule.level, {"rank": int(row["rank"]), "max_rank": p["max_rank"]}
        )
    prev = row.get("risk_2y_prev")
    if rule.kind == "rise" and prev is not None and not pd.isna(prev):
        up = risk - float(prev)
        if risk >= p["ratio"] * float(prev) and up >= p["min_points"]:
            values = {"risk_2y": risk, "risk_2y_prev": float(prev), "rise": up, **p}
            return Firing(iso3, rule.id, rule.level, values)
    return None


def _assessment_firing(rule: Rule, a: Assessment, framework: Framework) -> Firing | None:
    p = rule.params
    if rule.kind == "indicator":
        hits = [
            j.indicator
            for j in a.judgements
            if j.value == p["judgement"]
            and framework.factor_of(j.indicator) in p["factors"]
            and any(e.reliability in p["reliability"] for e in j.evidence)
        ]
        if hits:
            values = {"indicators": hits, "reliability": p["reliability"], "assessment": a.id}
            return Firing(a.iso3, rule.id, rule.level, values)
    if rule.kind == "factors-high":
        high = [f for f, s in score(a, framework).items() if f in p["factors"] and s.high]
        if len(high) >= p["min_count"]:
            values = {"factors_high": high, "min_count": p["min_count"], "assessment": a.id}
            return Firing(a.iso3, rule.id, rule.level, values)
    return None


def evaluate(
    rules: RuleSet,
    forecast: pd.DataFrame,
    assessments: Mapping[str, Assessment],
    framework: Framework,
) -> list[Firing]:
    """Every firing of every rule: forecast rules per forecast row, assessment rules per
    country's latest assessment (``assessments`` maps ISO3 to it)."""
    firings: list[Firing] = []
    rows = forecast.to_dict("records")
    for rule in rules.rules:
        if rule.kind in {"risk", "rank", "rise"}:
            found = (_forecast_firing(rule, row) for row in rows)
        else:
            found = (_assessment_firing(rule, a, framework) for a in assessments.values())
        firings.extend(f for f in found if f is not None)
    return firings


def strongest(rules: RuleSet, firings: Sequence[Firing]) -> dict[str, list[Firing]]:
    """Firings grouped by country, the most severe first (rule-file order breaks ties)."""
    order = {r.id: n for n, r in enumerate(rules.rules)}
    grouped: dict[str, list[Firing]] = {}
    for f in firings:
        grouped.setdefault(f.iso3, []).append(f)
    for items in grouped.values():
        items.sort(key=lambda f: (-rules.rank_of(f.level), order[f.rule]))
    return grouped
