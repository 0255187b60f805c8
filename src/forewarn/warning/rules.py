"""Warning rules: a TOML rule set (packaged default or the user's file) and its evaluation.

Evaluation is a pure function of a forecast table and the latest assessment per country;
storing the resulting alerts is :mod:`forewarn.store.alerts`' job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.errors import ConfigError
from forewarn.framework.assessments import Assessment, score
from forewarn.framework.catalogue import Framework, load_framework
from forewarn.inputs import read_toml

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


RULE_KEYS = frozenset({"id", "kind", "level", "description"})
TOP_KEYS = frozenset({"levels", "rule"})
RELIABILITY = ("A", "B", "C", "D", "E", "F")
MAX_ID = 64
"""Longest rule id (the alerts table stores it in 64 characters)."""
MAX_LEVEL = 16
"""Longest level name (the alerts table stores it in 16 characters)."""


def load_rules(
    path: Path | None = None,
    framework: Framework | None = None,
    *,
    kinds: Mapping[str, tuple[str, ...]] | None = None,
) -> RuleSet:
    """Read and validate a rule file (the packaged default when ``path`` is None).

    Every mistake that would make a rule unable to work is a one-line ConfigError naming
    the file, the rule and the field: unknown keys, unknown risk factors, reliability
    grades outside A-F, ``min_count`` above the number of factors, duplicate levels or ids.
    ``kinds`` maps each rule kind to its parameters (default :data:`KINDS`; the monthly
    event rules of :mod:`forewarn.warning.monthly` pass theirs)."""
    source = path or default_rules_path()
    doc = read_toml(source, ConfigError)
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} (expected levels and [[rule]])")
    levels = _levels(source, doc.get("levels"))
    raw_rules = doc.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ConfigError(f"{source}: no [[rule]] tables")
    known = KINDS if kinds is None else kinds
    factors = tuple(f.id for f in (framework or load_framework()).factors)
    rules = tuple(
        _rule(source, n, r, levels, factors, known) for n, r in enumerate(raw_rules, start=1)
    )
    ids = [r.id for r in rules]
    for rule in rules:
        if ids.count(rule.id) > 1:
            raise ConfigError(f"{source}: rule id {rule.id!r} is used twice")
    return RuleSet(tuple(levels), rules, str(source))


def check_levels(rules: RuleSet, ladder: Any) -> None:
    """Refuse rules raising a level the escalation ladder does not know: its alerts could
    never open an action (``ladder`` is a :class:`forewarn.response.ladder.Ladder`)."""
    for rule in rules.rules:
        if rule.level not in ladder.levels:
            raise ConfigError(
                f"{rules.source}: rule {rule.id!r}, field 'level': {rule.level!r} is not a level "
                f"of {ladder.source} ({', '.join(ladder.levels)})"
            )


def _levels(source: Path, levels: Any) -> list[str]:
    if not isinstance(levels, list) or not levels or not all(isinstance(x, str) for x in levels):
        raise ConfigError(f"{source}: 'levels' must be a non-empty list of level names")
    for level in levels:
        if not level.strip() or len(level) > MAX_LEVEL or level != level.strip():
            raise ConfigError(
                f"{source}: level {level!r} must be a name of 1-{MAX_LEVEL} characters"
            )
        if levels.count(level) > 1:
            raise ConfigError(f"{source}: level {level!r} is listed twice")
    return levels


def _rule(
    source: Path,
    n: int,
    raw: Any,
    levels: Sequence[str],
    factors: Sequence[str],
    kinds: Mapping[str, tuple[str, ...]],
) -> Rule:
    named = raw.get("id") if isinstance(raw, dict) else None
    label = f"rule {n} ({named})" if isinstance(named, str) and named else f"rule {n}"

    def fail(fld: str, problem: str) -> ConfigError:
        return ConfigError(f"{source}, {label}, field {fld!r}: {problem}")

    if not isinstance(raw, dict):
        raise fail("rule", "expected a table")
    for key in ("id", "kind", "level"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(key, "missing or not text")
    if len(raw["id"]) > MAX_ID:
        raise fail("id", f"longer than {MAX_ID} characters")
    if raw["kind"] not in kinds:
        raise fail("kind", f"unknown kind {raw['kind']!r} (known: {', '.join(kinds)})")
    allowed = RULE_KEYS | set(kinds[raw["kind"]])
    for key in raw:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise fail(key, f"unknown field for a {raw['kind']} rule (expected {expected})")
    if raw["level"] not in levels:
        raise fail("level", f"{raw['level']!r} is not one of the levels {list(levels)}")
    if not isinstance(raw.get("description", ""), str):
        raise fail("description", "not text")
    params: dict[str, Any] = {k: raw.get(k) for k in kinds[raw["kind"]]}
    for key, value in params.items():
        _check_param(fail, key, value, factors)
    if (
        "factors" in params
        and "min_count" in params
        and params["min_count"] > len(params["factors"])
    ):
        count = len(params["factors"])
        raise fail("min_count", f"{params['min_count']} is more than the {count} factors listed")
    return Rule(raw["id"], raw["kind"], raw["level"], params, str(raw.get("description", "")))


def _check_param(
    fail: Callable[[str, str], ConfigError], key: str, value: Any, factors: Sequence[str]
) -> None:
    if value is None:
        raise fail(key, "missing")
    if key in {"threshold", "min_points"} and not _number_in(value, 0, 1):
        raise fail(key, f"{value!r} is not a probability between 0 and 1")
    if key == "ratio" and not _number_in(value, 1, math.inf):
        raise fail(key, f"{value!r} is not a number >= 1")
    if key in {"max_rank", "min_count"} and not (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000
    ):
        raise fail(key, f"{value!r} is not a whole number from 1 to 10000")
    if key in {"factors", "reliability"} and not (
        isinstance(value, list) and value and all(isinstance(v, str) for v in value)
    ):
        raise fail(key, "expected a non-empty list of names")
    if key == "factors":
        _known(fail, key, value, factors, "risk factor")
    if key == "reliability":
        _known(fail, key, value, RELIABILITY, "reliability grade")
    if key == "judgement" and value not in {"present-weak", "present-strong"}:
        raise fail(key, f"{value!r} is not present-weak or present-strong")


def _known(
    fail: Callable[[str, str], ConfigError],
    key: str,
    values: Sequence[str],
    known: Sequence[str],
    what: str,
) -> None:
    for value in values:
        if value not in known:
            raise fail(key, f"unknown {what} {value!r} (known: {', '.join(known)})")
        if values.count(value) > 1:
            raise fail(key, f"{value!r} is listed twice")


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
