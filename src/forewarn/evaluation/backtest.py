"""The EWP fully out-of-sample backtest, for any model spec.

For each rolling origin T (1991..2021) the model is fitted on the complete-case rows of
years <= T (EWP's ``complete.cases`` over predictors and outcomes) and forecasts every
complete-case country of year T+2. Forecasts are ranked within their year and scored by
:mod:`forewarn.evaluation.scoring`. Each step records the span of years its fitted model
actually saw; :func:`~forewarn.evaluation.splits.check_no_leakage` refuses any step that saw
a year after its origin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forewarn.evaluation.metrics import ReliabilityBin, reliability
from forewarn.evaluation.scoring import (
    PROTOCOL,
    FoosMetrics,
    foos_metrics,
    onset_table,
    rank_within_year,
    two_year_scores,
)
from forewarn.evaluation.splits import (
    LeakageError,
    RollingOrigin,
    StepRecord,
    check_no_leakage,
    ewp_origins,
)
from forewarn.models.features import complete_cases
from forewarn.models.parallel import counting, fork_map
from forewarn.models.registry import ModelSpec

if TYPE_CHECKING:  # reading a stored result needs neither the estimators nor scikit-learn
    from forewarn.models.base import Done, ForecastModel

Progress = Callable[[str, int, int], None]
"""``progress(description, completed, total)``."""


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts of every step, their two-year scores, the metrics and the step records."""

    model: str
    predictions: pd.DataFrame  # ccode, year (of the predictors), train_end, risk, rank
    scores: pd.DataFrame  # per scored country-year: maxrisk2, minrank2, mk_onset
    metrics: FoosMetrics
    steps: tuple[StepRecord, ...]
    seconds: float
    protocol: str = PROTOCOL

    def reliability(self) -> list[ReliabilityBin]:
        return reliability(self.scores["mk_onset"], self.scores["maxrisk2"])

    def onsets(self) -> pd.DataFrame:
        return onset_table(self.scores)

    def summary(self) -> dict[str, Any]:
        """The JSON document of ``forewarn backtest --json``."""
        return {
            "model": self.model,
            "protocol": self.protocol,
            **self.metrics.as_dict(),
            "seconds": round(self.seconds, 3),
            "reliability": [vars(b) for b in self.reliability()],
            "onset_list": _records(self.onsets()),
            "steps": [_step_dict(s) for s in self.steps],
        }


def run_backtest(
    spec: ModelSpec,
    frame: pd.DataFrame,
    origins: Sequence[RollingOrigin] | None = None,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> BacktestResult:
    """Fit ``spec`` at every origin, forecast, score under EWP's protocol, check leakage."""
    start = time.perf_counter()
    origins = tuple(origins if origins is not None else ewp_origins())
    design = spec.features(frame)
    models = fit_origins(spec, frame, design, origins, workers=workers, progress=progress)
    predictions, steps = _forecast(frame, design, origins, models)
    check_no_leakage(steps)
    first = min(o.predict_year for o in origins) + 1
    last = min(max(o.predict_year for o in origins) + 2, int(frame["year"].max()))
    scores = two_year_scores(predictions, frame, first, last)
    seconds = time.perf_counter() - start
    return BacktestResult(spec.name, predictions, scores, foos_metrics(scores), steps, seconds)


def fit_origins(
    spec: ModelSpec,
    frame: pd.DataFrame,
    design: pd.DataFrame,
    origins: Sequence[RollingOrigin],
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[ForecastModel]:
    """One fitted model per origin (all at once when the model can share work)."""
    train, _ = complete_cases(frame)
    years = frame["year"].to_numpy()
    windows = [train.to_numpy() & o.train_mask(years) for o in origins]
    ends = [int(years[w].max()) for w in windows]
    template = spec.make()
    label = f"fitting {spec.name}"
    done = _reporter(progress, label)
    nested = getattr(type(template), "fit_nested", None)
    prefixes = all(_is_prefix(w, train, years, e) for w, e in zip(windows, ends, strict=True))
    if nested is not None and prefixes:
        rows = train.to_numpy() & (years <= max(ends))
        y = frame.loc[rows, spec.outcome].astype(float)
        fitted = nested(design[rows], y, years[rows], ends, workers=workers, done=done,
                        params=template.get_params(deep=False))  # fmt: skip
        return list(fitted)
    shared = (template, design, frame[spec.outcome].astype(float), windows)
    indices = list(range(len(origins)))
    return fork_map(_fit_window, shared, indices, workers, counting(done, len(indices)))


def _is_prefix(window: Any, train: pd.Series, years: Any, end: int) -> bool:
    return bool(np.array_equal(window, train.to_numpy() & (years <= end)))


def _fit_window(shared: tuple[ForecastModel, pd.DataFrame, pd.Series, list[Any]], i: int) -> Any:
    from sklearn.base import clone

    template, design, y, windows = shared
    rows = windows[i]
    model: ForecastModel = clone(template)
    return model.fit(design[rows], y[rows])


def _reporter(progress: Progress | None, label: str) -> Done | None:
    if progress is None:
        return None
    progress(label, 0, 1)
    return lambda completed, total: progress(label, completed, total)


def _forecast(
    frame: pd.DataFrame,
    design: pd.DataFrame,
    origins: Sequence[RollingOrigin],
    models: Sequence[ForecastModel],
) -> tuple[pd.DataFrame, tuple[StepRecord, ...]]:
    _, test = complete_cases(frame)
    years = frame["year"].to_numpy()
    parts, steps = [], []
    for origin, model in zip(origins, models, strict=True):
        rows = test.to_numpy() & origin.test_mask(years)
        risk = model.predict_proba(design[rows])[:, 1]
        parts.append(pd.DataFrame({"ccode": frame.loc[rows, "ccode"].to_numpy(),
                                   "year": origin.predict_year, "train_end": origin.train_end,
                                   "risk": risk}))  # fmt: skip
        steps.append(_record(origin, model, int(rows.sum())))
    predictions = pd.concat(parts, ignore_index=True)
    predictions["rank"] = rank_within_year(predictions).astype(int)
    return predictions, tuple(steps)


def _record(origin: RollingOrigin, model: ForecastModel, n_test: int) -> StepRecord:
    span = getattr(model, "train_years_", None)
    if span is None:
        raise LeakageError(f"step {origin.train_end}: the model did not record its years")
    return StepRecord(origin, span[0], span[1], int(getattr(model, "n_train_", 0)), n_test)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    """JSON-friendly scalars: NaN becomes None, numpy numbers become Python numbers."""
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _step_dict(step: StepRecord) -> dict[str, int]:
    return {
        "train_end": step.origin.train_end,
        "predict_year": step.origin.predict_year,
        "first_train_year": step.first_train_year,
        "last_train_year": step.last_train_year,
        "n_test": step.n_test,
    }
