"""Monthly warning rules over event data: surges, spread to new provinces, escalation.

The rules are a TOML file in the format of the annual rules (:mod:`forewarn.warning.rules`,
the same loader, levels and :class:`~forewarn.warning.rules.Firing`), with kinds of their
own (:data:`MONTHLY_KINDS`; the packaged default is ``data/monthly-rules.toml``).
Evaluation is a pure function of one country's monthly series (:class:`CountryMonths`, made
by :mod:`forewarn.events.monthly`) at one month; a firing's values hold the figures that
fired and the ids of the events behind them, so an alert's snapshot can name its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.errors import ConfigError
from forewarn.warning.rules import Firing, Rule, RuleSet, load_rules, strongest

MONTHLY_KINDS: Mapping[str, tuple[str, ...]] = {
    "surge": ("scope", "measure", "ratio_3m", "ratio_12m", "min_count"),
    "spread": ("types", "min_new_areas"),
    "escalation": ("measure", "months", "min_count"),
}
MEASURES = (
    "events",
    "deaths_best",
    "deaths_civilians",
    "osv_government_deaths",
    "osv_nonstate_deaths",
)
SCOPES = ("admin1", "country")
LOOKBACK = 12
EPISODE_MONTHS = 12
"""A level reached again after this many months without a firing at it is a new alert."""
MAX_IDS = 500
"""Event ids kept in a firing's values (the count is always kept)."""


def default_monthly_rules_path() -> Path:
    return Path(str(resources.files("forewarn.warning") / "data" / "monthly-rules.toml"))


def load_monthly_rules(path: Path | None = None) -> RuleSet:
    """Read and validate a monthly rule file (the packaged default when ``path`` is None)."""
    source = path or default_monthly_rules_path()
    rules = load_rules(source, kinds=MONTHLY_KINDS)
    for n, rule in enumerate(rules.rules, start=1):
        for key, value in rule.params.items():
            problem = _problem(key, value)
            if problem:
                raise ConfigError(f"{source}, rule {n} ({rule.id}), field {key!r}: {problem}")
    return rules


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _problem(key: str, value: Any) -> str | None:
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "scope": (lambda v: v in SCOPES, f"expected one of {list(SCOPES)}"),
        "measure": (lambda v: v in MEASURES, f"expected one of {list(MEASURES)}"),
        "ratio_3m": (lambda v: _number(v) and v >= 1, "expected a number >= 1"),
        "ratio_12m": (lambda v: _number(v) and v >= 1, "expected a number >= 1"),
        "min_count": (lambda v: _whole(v, 1), "expected a whole number >= 1"),
        "months": (lambda v: _whole(v, 1) and v <= LOOKBACK, "expected 1-12"),
        "min_new_areas": (lambda v: _whole(v, 1), "expected a whole number >= 1"),
        "types": (
            lambda v: isinstance(v, list) and bool(v) and set(v) <= {1, 2, 3},
            "expected a non-empty list of violence types 1-3",
        ),
    }
    test, message = checks[key]
    return None if test(value) else f"{value!r}: {message}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class CountryMonths:
    """One country's monthly series and events, the input of the rules.

    ``country`` and ``areas`` are :func:`forewarn.events.monthly.series` frames (country
    and admin-1 level) covering at least the twelve months before the month evaluated;
    ``events`` has columns id, admin1, month ("YYYY-MM"), type_of_violence."""

    iso3: str
    country: pd.DataFrame
    areas: pd.DataFrame
    events: pd.DataFrame

    def totals(self) -> pd.DataFrame:
        """All-types country rows by month."""
        rows = self.country[self.country["type_of_violence"].isna()]
        return rows.set_index("month").sort_index()

    def area_table(self, measure: str) -> pd.DataFrame:
        """``measure`` of all types by month (rows) and area (columns)."""
        rows = self.areas[self.areas["type_of_violence"].isna()]
        return rows.pivot(index="month", columns="admin1", values=measure).sort_index()

    def ids(
        self,
        month: str,
        admin1: Sequence[str] | None = None,
        months: Sequence[str] | None = None,
        types: Sequence[int] | None = None,
    ) -> dict[str, Any]:
        events = self.events[self.events["month"].isin(months or [month])]
        if admin1 is not None:
            events = events[events["admin1"].isin(list(admin1))]
        if types is not None:
            events = events[events["type_of_violence"].isin(list(types))]
        found = sorted(events["id"].astype(str), key=_id_order)
        return {"event_count": len(found), "event_ids": found[:MAX_IDS]}


def _id_order(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (0, text)


def _baselines(values: pd.Series, at: int) -> tuple[float, float]:
    before = values.iloc[max(0, at - LOOKBACK) : at]
    three = float(before.iloc[-3:].mean()) if len(before) else 0.0
    twelve = float(before.mean()) if len(before) else 0.0
    return three, twelve


def _surges(rule: Rule, values: pd.Series, at: int) -> dict[str, Any] | None:
    p = rule.params
    current = float(values.iloc[at])
    three, twelve = _baselines(values, at)
    if (
        current >= p["min_count"]
        and current >= p["ratio_3m"] * three
        and (current >= p["ratio_12m"] * twelve)
    ):
        return {
            "measure": p["measure"],
            "current": int(current),
            "baseline_3m": round(three, 2),
            "baseline_12m": round(twelve, 2),
            "ratio_3m": p["ratio_3m"],
            "ratio_12m": p["ratio_12m"],
            "min_count": p["min_count"],
        }
    return None


def _surge(rule: Rule, data: CountryMonths, month: str) -> list[Firing]:
    measure = rule.params["measure"]
    if rule.params["scope"] == "country":
        totals = data.totals()[measure]
        found = _surges(rule, totals, list(totals.index).index(month))
        if found is None:
            return []
        values = {"month": month, "admin1": None, **found, **data.ids(month)}
        return [Firing(data.iso3, rule.id, rule.level, values)]
    table = data.area_table(measure)
    if month not in table.index:
        return []
    at = list(table.index).index(month)
    out = []
    for area in table.columns:
        found = _surges(rule, table[area], at)
        if found is not None:
            values = {"month": month, "admin1": area, **found, **data.ids(month, [area])}
            out.append(Firing(data.iso3, rule.id, rule.level, values))
    return out


def _spread(rule: Rule, data: CountryMonths, month: str) -> list[Firing]:
    types = list(rule.params["types"])
    rows = data.areas[data.areas["type_of_violence"].isin(types)]
    hit = rows.groupby(["month", "admin1"])["events"].sum().unstack("admin1").sort_index() > 0
    if month not in hit.index:
        return []
    at = list(hit.index).index(month)
    before = hit.iloc[max(0, at - LOOKBACK) : at].any(axis=0)
    new = sorted(a for a in hit.columns if hit.iloc[at][a] and not before[a])
    if len(new) < rule.params["min_new_areas"]:
        return []
    values = {
        "month": month,
        "new_areas": new,
        "types": types,
        "min_new_areas": rule.params["min_new_areas"],
        **data.ids(month, new, types=types),
    }
    return [Firing(data.iso3, rule.id, rule.level, values)]


def _escalation(rule: Rule, data: CountryMonths, month: str) -> list[Firing]:
    p = rule.params
    totals = data.totals()[p["measure"]]
    rolling = totals.rolling(3, min_periods=1).sum()
    at = list(rolling.index).index(month)
    if at < p["months"]:
        return []
    window = rolling.iloc[at - p["months"] : at + 1]
    rising = bool((window.diff().iloc[1:] > 0).all())
    if not rising or window.iloc[-1] < p["min_count"]:
        return []
    months = list(totals.index[max(0, at - 2) : at + 1])
    values = {
        "month": month,
        "measure": p["measure"],
        "months": p["months"],
        "three_month_totals": {str(k): int(v) for k, v in window.items()},
        "min_count": p["min_count"],
        **data.ids(month, months=months),
    }
    return [Firing(data.iso3, rule.id, rule.level, values)]


EVALUATORS: Mapping[str, Callable[[Rule, CountryMonths, str], list[Firing]]] = {
    "surge": _surge,
    "spread": _spread,
    "escalation": _escalation,
}


def evaluate_month(rules: RuleSet, data: CountryMonths, month: str) -> list[Firing]:
    """Every firing of every monthly rule for one country at ``month`` ("YYYY-MM")."""
    if month not in set(data.country["month"]):
        return []
    return [f for rule in rules.rules for f in EVALUATORS[rule.kind](rule, data, month)]


def top_level(rules: RuleSet, firings: Sequence[Firing]) -> str | None:
    """The most severe level among ``firings``, or None."""
    grouped = strongest(rules, firings)
    levels = [items[0].level for items in grouped.values()]
    return max(levels, key=rules.rank_of) if levels else None


def new_episode(rules: RuleSet, level: str, earlier: Sequence[Sequence[Firing]]) -> bool:
    """Whether ``level`` starts a new episode: no firing at it or above in ``earlier`` (the
    firings of the :data:`EPISODE_MONTHS` months before)."""
    rank = rules.rank_of(level)
    return not any(rules.rank_of(f.level) >= rank for month in earlier for f in month)
