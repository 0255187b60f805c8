"""Rolling-origin splits as values: every stage asks the origin instead of doing year sums.

EWP's fully out-of-sample protocol: a model trained on rows with year <= T (whose outcomes,
onsets in T+1 or T+2, are all known by T+2) forecasts from the predictors of year T+2, a
risk for T+3 and T+4. Scoring takes, for each year Y, the forecasts made from Y-1 and Y-2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from forewarn.errors import ForewarnError

EWP_FIRST_END = 1991
EWP_LAST_END = 2021


class LeakageError(ForewarnError):
    """A training window holds a year its forecast origin could not have known."""


@dataclass(frozen=True, order=True)
class RollingOrigin:
    """One backtest step: train on years <= ``train_end``, forecast from year + ``lead``."""

    train_end: int
    lead: int = 2

    @property
    def predict_year(self) -> int:
        """The year whose predictors are scored (the forecast is made at its end)."""
        return self.train_end + self.lead

    @property
    def outcome_years(self) -> tuple[int, int]:
        """The two years the forecast is about (``mk_onset_1or2`` of the predict year)."""
        return (self.predict_year + 1, self.predict_year + 2)

    def train_mask(self, years: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(np.asarray(years) <= self.train_end, dtype=bool)

    def test_mask(self, years: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(np.asarray(years) == self.predict_year, dtype=bool)


def ewp_origins(first: int = EWP_FIRST_END, last: int = EWP_LAST_END) -> tuple[RollingOrigin, ...]:
    """EWP's steps: last training years 1991..2021."""
    return tuple(RollingOrigin(t) for t in range(first, last + 1))


@dataclass(frozen=True)
class StepRecord:
    """What one step actually trained on and scored, kept for the leakage guard."""

    origin: RollingOrigin
    first_train_year: int
    last_train_year: int
    n_train: int
    n_test: int


def record_step(origin: RollingOrigin, train_years: npt.ArrayLike, n_test: int) -> StepRecord:
    """The record of a step from the years of the rows its model was fitted on."""
    years = np.asarray(train_years)
    if not len(years):
        raise LeakageError(f"step {origin.train_end}: empty training window")
    return StepRecord(origin, int(years.min()), int(years.max()), len(years), n_test)


def check_no_leakage(steps: tuple[StepRecord, ...] | list[StepRecord]) -> None:
    """Raise :class:`LeakageError` if any step trained on a year after its ``train_end``."""
    for step in steps:
        if step.last_train_year > step.origin.train_end:
            raise LeakageError(
                f"step {step.origin.train_end}: trained on year {step.last_train_year} "
                f"> {step.origin.train_end}"
            )
