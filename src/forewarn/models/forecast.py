"""Ranked forecasts for every country from a base year, following EWP's published run.

EWP's 2025 forecast (base year 2024, ``model_3Sep2025.R``) trains on the complete-case rows
of years <= base - 2, the last year whose two-year outcome is fully known, and applies the
model to the predictors of the base year:

* ``risk_2y``: probability of an onset in base+1 or base+2 (outcome ``mk_onset_1or2``);
* ``risk_1y``: the same kind of model refitted on ``mk_onset_1`` with the same training rows
  (EWP does exactly this); a blend keeps the two-year fit's blend weight;
* ``risk_2y_prev`` and ``change``: last year's forecast by the same protocol (trained on
  years <= base - 3, applied to base - 1), and the difference;
* ``low`` / ``high``: a 5-95% band from bootstrap refits that resample whole countries
  (their years stay together), with the fit's data-driven choices (lambda, blend weight)
  held fixed and one tree seed, for speed; the refits' log-odds percentiles, taken relative
  to their median, are placed around the point forecast;
* ``drivers``: the largest contributions to the log-odds, with their sign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import forewarn
from forewarn.data.panel import Panel
from forewarn.errors import NotFound
from forewarn.models.features import complete_cases
from forewarn.models.parallel import counting, fork_map
from forewarn.models.registry import ModelSpec
from forewarn.progress import counter, report

if TYPE_CHECKING:  # reading a stored ForecastResult needs no estimator code
    from forewarn.models.base import FloatArray, ForecastModel

BAND = (5.0, 95.0)


@dataclass(frozen=True)
class ForecastResult:
    """A ranked forecast plus everything needed to explain and trace it."""

    model: str
    base_year: int
    table: pd.DataFrame  # one row per country, by rank
    contributions: pd.DataFrame  # index ccode; one log-odds column per feature
    bias: pd.Series  # index ccode; log-odds not attributed to any feature
    provenance: dict[str, Any] = field(default_factory=dict)


MIN_HISTORY = 5
"""Years of panel before a base year that a forecast needs (its windows end at T-2, T-3)."""


def check_base_year(panel: Panel, base_year: int | None) -> int:
    """``base_year`` (default: the panel's last year) if a forecast can be made from it."""
    years = panel.frame["year"]
    first, last = int(years.min()), int(years.max())
    base = last if base_year is None else int(base_year)
    if not first + MIN_HISTORY <= base <= last:
        raise NotFound(
            f"cannot forecast from base year {base}: the panel covers {first}-{last} and a "
            f"forecast needs {MIN_HISTORY} earlier years of training data "
            f"(base years {first + MIN_HISTORY}-{last})"
        )
    return base


def forecast(
    spec: ModelSpec,
    panel: Panel,
    base_year: int | None = None,
    *,
    replicates: int = 20,
    top: int = 5,
    seed: int = 20250903,
    workers: int = 2,
) -> ForecastResult:
    """Forecast every complete-case country of ``base_year`` (default: the panel's last)."""
    frame = panel.frame
    base = check_base_year(panel, base_year)
    design = spec.features(frame)
    now, prev = _fit_two_years(spec, frame, design, base, workers)
    rows = _forecast_rows(frame, base)
    x = design[rows]
    table = _table(panel, frame[rows], now.predict_proba(x)[:, 1], base)
    step = f"forecast {base}: one-year model"
    report(step, 0, 1)
    table["risk_1y"] = _one_year(spec, frame, design, now, base).predict_proba(x)[:, 1]
    report(step, 1, 1)
    table = _with_previous(table, frame, design, prev, base)
    low, high = _band(now, frame, design, base, replicates, seed, workers)
    table["low"], table["high"] = low, high
    contributions = now.contributions(x).set_axis(table["ccode"].to_numpy(), axis=0)
    drivers = [_top(contributions.loc[c], top) for c in table["ccode"]]
    table["top_drivers"] = pd.Series(drivers, index=table.index, dtype=object)
    table["drivers"] = [_driver_text(d) for d in drivers]
    bias = pd.Series(now.bias(x), index=contributions.index, name="bias")
    return ForecastResult(spec.name, base, _ordered(table), contributions, bias,
                          _provenance(spec, panel, now, base))  # fmt: skip


def _forecast_rows(frame: pd.DataFrame, year: int) -> pd.Series:
    _, test = complete_cases(frame)
    return test & (frame["year"] == year)


def _training_rows(frame: pd.DataFrame, end: int) -> pd.Series:
    train, _ = complete_cases(frame)
    return train & (frame["year"] <= end)


def _fit_two_years(
    spec: ModelSpec, frame: pd.DataFrame, design: pd.DataFrame, base: int, workers: int
) -> tuple[ForecastModel, ForecastModel]:
    """The models behind this year's and last year's forecasts (shared work if possible)."""
    ends = [base - 2, base - 3]
    rows = _training_rows(frame, ends[0])
    y = frame.loc[rows, spec.outcome].astype(float)
    template = spec.make()
    nested = getattr(type(template), "fit_nested", None)
    done = counter(f"forecast {base}: fitting {spec.name}", len(ends))
    if nested is not None:
        years = frame.loc[rows, "year"].to_numpy()
        now, prev = nested(design[rows], y, years, ends, workers=workers, done=done,
                           params=template.get_params(deep=False))  # fmt: skip
        return now, prev
    fits = []
    for end in ends:
        window = _training_rows(frame, end)
        fits.append(spec.make().fit(design[window], frame.loc[window, spec.outcome].astype(float)))
        done(len(fits), len(ends))
    return fits[0], fits[1]


def _one_year(
    spec: ModelSpec, frame: pd.DataFrame, design: pd.DataFrame, now: ForecastModel, base: int
) -> ForecastModel:
    from forewarn.models.ensemble import BlendedEnsemble

    rows = _training_rows(frame, base - 2)
    template = spec.make()
    if isinstance(now, BlendedEnsemble):
        template.set_params(fixed_weight=now.weight_)
    fitted: ForecastModel = template.fit(design[rows], frame.loc[rows, "mk_onset_1"].astype(float))
    return fitted


def _table(panel: Panel, rows: pd.DataFrame, risk: FloatArray, base: int) -> pd.DataFrame:
    countries = panel.countries
    table = pd.DataFrame({
        "ccode": rows["ccode"].to_numpy(),
        "iso3": [countries[int(c)].iso3 for c in rows["ccode"]],
        "country": [countries[int(c)].name for c in rows["ccode"]],
        "base_year": base,
        "risk_2y": risk,
    })  # fmt: skip
    table["rank"] = table["risk_2y"].rank(ascending=False, method="min").astype(int)
    return table


def _with_previous(
    table: pd.DataFrame, frame: pd.DataFrame, design: pd.DataFrame, prev: ForecastModel,
    base: int,
) -> pd.DataFrame:  # fmt: skip
    rows = _forecast_rows(frame, base - 1)
    risk = pd.Series(prev.predict_proba(design[rows])[:, 1], index=frame.loc[rows, "ccode"])
    table["risk_2y_prev"] = table["ccode"].map(risk)
    table["change"] = table["risk_2y"] - table["risk_2y_prev"]
    return table


def _band(
    model: ForecastModel, frame: pd.DataFrame, design: pd.DataFrame, base: int,
    replicates: int, seed: int, workers: int,
) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """The refits' 5-95% spread around the point forecast, on the log-odds scale.

    Bootstrap refits are centred on their own median, not on the fit to all the data (for
    instance, one tree seed instead of several), so their percentiles are shifted to sit
    around the point forecast: ``expit(z + q(z_b) - median(z_b))``.
    """
    from forewarn.models.base import expit, logit

    rows = _training_rows(frame, base - 2)
    target = _forecast_rows(frame, base)
    n = int(target.sum())
    if replicates <= 0:
        return np.full(n, np.nan), np.full(n, np.nan)
    weights = _country_bootstrap(frame.loc[rows, "ccode"].to_numpy(), replicates, seed)
    shared = (model.band_template(), design[rows], frame.loc[rows, "mk_onset_1or2"].astype(float),
              design[target], weights)  # fmt: skip
    done = counting(counter(f"forecast {base}: uncertainty band", replicates), replicates)
    z = logit(np.array(fork_map(_refit, shared, list(range(replicates)), workers, done)))
    point = model.decision_function(design[target])
    low, mid, high = np.percentile(z, (BAND[0], 50.0, BAND[1]), axis=0)
    return expit(point + low - mid), expit(point + high - mid)


def _country_bootstrap(ccodes: Any, replicates: int, seed: int) -> FloatArray:
    """Row weights (replicates x rows): how often each row's country was drawn."""
    rng = np.random.default_rng(seed)
    countries, index = np.unique(ccodes, return_inverse=True)
    draws = rng.integers(0, len(countries), size=(replicates, len(countries)))
    counts = np.stack([np.bincount(d, minlength=len(countries)) for d in draws])
    return np.asarray(counts[:, index], dtype=np.float64)


def _refit(shared: tuple[ForecastModel, pd.DataFrame, pd.Series, pd.DataFrame, FloatArray],
           i: int) -> FloatArray:  # fmt: skip
    template, x, y, target, weights = shared
    keep = weights[i] > 0
    model = template.fit(x[keep], y[keep], sample_weight=weights[i][keep])
    return np.asarray(model.predict_proba(target)[:, 1])


def _top(row: pd.Series, top: int) -> list[dict[str, Any]]:
    order = row.abs().sort_values(ascending=False).index[:top]
    return [{"feature": str(f), "contribution": round(float(row[f]), 4)} for f in order
            if row[f] != 0]  # fmt: skip


def _driver_text(drivers: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{'+' if d['contribution'] > 0 else '-'}{d['feature']} {abs(d['contribution']):.2f}"
        for d in drivers
    )


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["ccode", "iso3", "country", "base_year", "risk_1y", "risk_2y", "rank",
               "risk_2y_prev", "change", "low", "high", "drivers", "top_drivers"]  # fmt: skip
    return table[columns].sort_values(["rank", "ccode"]).reset_index(drop=True)


def _provenance(spec: ModelSpec, panel: Panel, model: ForecastModel, base: int) -> dict[str, Any]:
    span = getattr(model, "train_years_", (None, None))
    return {
        "model": spec.name,
        "model_version": model.version,
        "param_hash": model.param_hash,
        "forewarn_version": forewarn.__version__,
        "panel_sha256": panel.sha256,
        "base_year": base,
        "train_years": list(span),
        "protocol": "EWP: train on years <= base-2, forecast from the base year's predictors",
    }
