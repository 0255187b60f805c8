"""The current outlook: forecasts, risk histories and replay forecasts, as the later stages
(warnings, briefs, API, dashboard, case replays) consume them.

Every result is computed by the forecasting stage (:mod:`forewarn.models`,
:mod:`forewarn.evaluation`) and cached on disk under the cache folder, keyed by the panel's
SHA-256, the model's name, version and parameters, and the code (so a cached result is
always the one a fresh run would compute).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from forewarn.cases.replay import ForecastProvider
from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.panel import Panel, load_panel
from forewarn.errors import NotFound
from forewarn.evaluation.backtest import BacktestResult, fit_origins, run_backtest
from forewarn.evaluation.cache import cached, result_key
from forewarn.evaluation.splits import RollingOrigin, ewp_origins
from forewarn.framework.drivers import baseline_of, label_of, profile, top_drivers
from forewarn.models.features import complete_cases
from forewarn.models.forecast import ForecastResult, forecast
from forewarn.models.registry import ModelSpec, default_model, get_model
from forewarn.progress import report
from forewarn.warning.alerts import Provenance

T = TypeVar("T")


@dataclass(frozen=True)
class Outlook:
    """A forecast table ready for rules and readers, and where it came from."""

    base_year: int
    frame: pd.DataFrame
    provenance: Provenance
    result: ForecastResult


def spec_of(model: str | None) -> ModelSpec:
    """The named model, or the default (best) one."""
    return default_model() if model is None else get_model(model)


def forecast_result(
    settings: Settings, spec: ModelSpec, panel: Panel, base_year: int | None = None
) -> ForecastResult:
    """The forecasting stage's result for ``base_year``, cached."""
    base = panel.last_year if base_year is None else int(base_year)
    if base not in set(panel.frame["year"]):
        raise NotFound(f"base year {base} is not in the panel ({panel.path.name})")
    key = result_key(spec, panel.sha256, base_year=base, kind="forecast")
    compute = partial(forecast, spec, panel, base)
    return cached(settings.cache_dir, "forecast", key, compute)


def backtest_result(settings: Settings, spec: ModelSpec, panel: Panel) -> BacktestResult:
    """The full EWP-protocol backtest of ``spec``, cached."""
    key = result_key(spec, panel.sha256, kind="backtest")
    compute = partial(run_backtest, spec, panel.frame, progress=report)
    return cached(settings.cache_dir, "backtest", key, compute)


def _row(result: ForecastResult, ccode: int) -> dict[str, float]:
    row = result.contributions.loc[ccode]
    return {str(f): float(v) for f, v in zip(row.index, row.to_numpy(), strict=True)}


def _drivers(result: ForecastResult, ccode: int) -> list[dict[str, Any]]:
    pairs = top_drivers(_row(result, ccode))
    return [{"feature": f, "label": label_of(f), "value": v} for f, v in pairs]


def _profile(result: ForecastResult, ccode: int) -> list[dict[str, Any]]:
    shares = profile(_row(result, ccode))
    return [{"factor": s.factor, "raising": s.raising, "net": s.net} for s in shares]


def readable(result: ForecastResult) -> pd.DataFrame:
    """The forecast table with drivers labelled (baseline terms left out), the structural
    baseline and a risk-factor profile per country."""
    table = result.table.copy()
    codes = table["ccode"].astype(int)
    drivers = [_drivers(result, c) for c in codes]
    table["drivers_text"] = table["drivers"]
    table["top_drivers"] = pd.Series(drivers, index=table.index, dtype=object)
    table["drivers"] = table["top_drivers"]
    table["profile"] = pd.Series(
        [_profile(result, c) for c in codes], index=table.index, dtype=object
    )
    table["baseline"] = [baseline_of(_row(result, c)) for c in codes]
    return table.reset_index(drop=True)


def _provenance(panel: Panel, result: ForecastResult, settings: Settings) -> Provenance:
    """The alert's provenance; the model's version and parameter hash are the ones the
    forecast recorded (no estimator is built to read them)."""
    version, params = result.provenance.get("model_version"), result.provenance.get("param_hash")
    if version is None or params is None:
        model = spec_of(result.model).make()
        version, params = model.version, model.param_hash
    rules = str(settings.rules_file) if settings.rules_file else "packaged default"
    return Provenance(panel.path.name, panel.sha256, result.model, str(version), str(params),
                      rules, result.base_year)  # fmt: skip


def current(
    settings: Settings,
    base_year: int | None = None,
    model: str | None = None,
    data: Path | None = None,
) -> Outlook:
    """The forecast from ``base_year`` (default: the panel's last year) with provenance.

    Kept in memory per process, keyed by the panel file's identity (path, size, mtime), so a
    server answers repeated requests without re-reading the panel or the cached result.
    """
    source = data if data is not None else registry.fetch("ewp-panel", settings)
    stat = source.stat()
    key = (str(source), stat.st_size, stat.st_mtime_ns, base_year, model, str(settings.cache_dir),
           str(settings.rules_file))  # fmt: skip

    def compute() -> Outlook:
        panel = load_panel(settings, source)
        result = forecast_result(settings, spec_of(model), panel, base_year)
        provenance = _provenance(panel, result, settings)
        return Outlook(result.base_year, readable(result), provenance, result)

    return _memoised(("current", *key), compute)


_MEMO: dict[tuple[object, ...], Any] = {}


def _memoised(key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per process and key (a few recent keys are kept)."""
    if key not in _MEMO:
        if len(_MEMO) >= 16:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = compute()
    value: T = _MEMO[key]
    return value


def _panel_key(settings: Settings) -> tuple[object, ...]:
    source = registry.fetch("ewp-panel", settings)
    stat = source.stat()
    return (str(source), stat.st_size, stat.st_mtime_ns, str(settings.cache_dir))


def current_forecast(
    settings: Settings, base_year: int | None = None, model: str | None = None
) -> pd.DataFrame:
    """The readable forecast table (columns ccode, iso3, country, risk_1y, risk_2y, rank,
    change, low, high, drivers, baseline, profile, …); a copy the caller may change."""
    return current(settings, base_year, model).frame.copy()


def histories(settings: Settings, model: str | None = None) -> pd.DataFrame:
    """Every country's two-year risk by base year: the backtest's honest forecasts, then the
    current forecast with its band; onsets marked (columns iso3, ccode, year, risk_2y, low,
    high, onset); a copy the caller may change."""
    key = ("histories", *_panel_key(settings), model)
    return _memoised(key, lambda: _histories(settings, model)).copy()


def _histories(settings: Settings, model: str | None) -> pd.DataFrame:
    panel = load_panel(settings)
    spec = spec_of(model)
    past = backtest_result(settings, spec, panel).predictions[["ccode", "year", "risk"]]
    now = forecast_result(settings, spec, panel).table[["ccode", "risk_2y", "low", "high"]]
    history = pd.concat(
        [past.rename(columns={"risk": "risk_2y"}), now.assign(year=panel.last_year)],
        ignore_index=True,
    ).drop_duplicates(["ccode", "year"], keep="last")
    names = panel.countries
    history["iso3"] = [names[int(c)].iso3 for c in history["ccode"]]
    onsets = panel.frame.loc[panel.frame["mk_onset"] == 1, ["ccode", "year"]].assign(onset=True)
    history = history.merge(onsets, on=["ccode", "year"], how="left")
    history["onset"] = history["onset"].notna()
    return history.sort_values(["iso3", "year"]).reset_index(drop=True)


def risk_history(settings: Settings, iso3: str, model: str | None = None) -> pd.DataFrame:
    """One country's rows of :func:`histories` (columns year, risk_2y, low, high, onset)."""
    frame = histories(settings, model)
    rows = frame[frame["iso3"] == iso3]
    return rows[["year", "risk_2y", "low", "high", "onset"]].reset_index(drop=True)


def honest_forecasts(
    settings: Settings, spec: ModelSpec, panel: Panel, base_years: list[int]
) -> pd.DataFrame:
    """Full-country forecasts of several base years by the backtest's honest protocol
    (each base year B from a model trained on years <= B-2), cached; columns ccode, year,
    train_end, risk, rank."""

    def compute() -> pd.DataFrame:
        origins = [RollingOrigin(b - 2) for b in sorted(set(base_years))]
        models = fit_origins(spec, panel.frame, spec.features(panel.frame), origins, workers=1,
                             progress=report)  # fmt: skip
        design, (_, test) = spec.features(panel.frame), complete_cases(panel.frame)
        years = panel.frame["year"].to_numpy()
        parts = []
        for origin, model in zip(origins, models, strict=True):
            rows = test.to_numpy() & origin.test_mask(years)
            risk = model.predict_proba(design[rows])[:, 1]
            parts.append(pd.DataFrame({"ccode": panel.frame.loc[rows, "ccode"].to_numpy(),
                                       "year": origin.predict_year, "risk": risk}))  # fmt: skip
        out = pd.concat(parts, ignore_index=True)
        out["rank"] = out.groupby("year")["risk"].rank(ascending=False, method="min").astype(int)
        return out

    key = result_key(spec, panel.sha256, base_years=sorted(set(base_years)), kind="honest")
    return cached(settings.cache_dir, "honest", key, compute)


def replay_forecasts(
    settings: Settings, spec: ModelSpec, panel: Panel, base_years: list[int]
) -> pd.DataFrame:
    """The honest full-country forecasts of ``base_years`` (columns ccode, year, risk, rank).

    When the backtest covers every year (base years 1993-2023, origins 1991-2021) they are
    the backtest's own forecasts, so a replay, the risk chart and the dashboard show one
    computation; otherwise all of them are computed together by :func:`honest_forecasts`
    (the ensemble's earliest windows depend on the other windows fitted with them, so a
    replay reaching before 1993 keeps its years in one batch).
    """
    years = sorted(set(base_years))
    covered = {o.predict_year for o in ewp_origins()}
    columns = ["ccode", "year", "risk", "rank"]
    if set(years) <= covered:
        past = backtest_result(settings, spec, panel).predictions
        return past.loc[past["year"].isin(years), columns].reset_index(drop=True)
    return honest_forecasts(settings, spec, panel, years)[columns]


def _year_frame(table: pd.DataFrame, panel: Panel, base_year: int) -> pd.DataFrame:
    prev = table[table["year"] == base_year - 1].set_index("ccode")["risk"]
    this = table[table["year"] == base_year].copy()
    this["risk_2y_prev"] = this["ccode"].map(prev)
    names = panel.countries
    this["iso3"] = [names[int(c)].iso3 for c in this["ccode"]]
    this["country"] = [names[int(c)].name for c in this["ccode"]]
    return this.rename(columns={"risk": "risk_2y"}).reset_index(drop=True)


def provider(
    settings: Settings, model: str | None = None, base_years: list[int] | None = None
) -> ForecastProvider:
    """Forecasts for case replays: base year -> that year's honest full-country forecast
    (:func:`replay_forecasts`). ``base_years`` (with the year before each, for the change)
    are read in one go, on the first call."""
    panel = load_panel(settings)
    spec = spec_of(model)
    wanted = sorted({y for b in base_years or [] for y in (b - 1, b)})
    tables: dict[bool, pd.DataFrame] = {}

    def one(base_year: int) -> pd.DataFrame:
        if base_year not in wanted:
            table = replay_forecasts(settings, spec, panel, [base_year - 1, base_year])
        else:
            if True not in tables:
                tables[True] = replay_forecasts(settings, spec, panel, wanted)
            table = tables[True]
        return _year_frame(table, panel, base_year)

    return one
