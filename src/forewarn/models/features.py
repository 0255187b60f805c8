"""Design matrices built from the panel, each row only from its own and earlier years.

``ewp_design`` is the 39 EWP predictors as they are. ``temporal_design`` adds what the panel
says about change and neighbourhood, always looking back:

* within a country: one- and three-year changes of the time-varying predictors (missing
  unless the earlier year is in the panel), the largest battle-death level of the last five
  years, years since the country's last onset and its onsets in the last ten years;
* within a region (the EWP region dummies; the rest is Africa): onsets in the last three
  years in other countries, the mean battle-death level and other countries' ongoing mass
  killings this year.

Feature names contain the predictor they are built from, so drivers can be traced back to
the predictor (and, later, to the risk factor it measures).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.core.groupby import SeriesGroupBy

from forewarn.data.schema import OUTCOMES, PREDICTORS

REGIONS = ("reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur")
CHANGING = (
    "battledeaths.log2", "discrimpop", "even_civilrights", "freediscussion",
    "repress_civilsoc", "social_power_dist", "ses_power_dist", "social_inequality",
    "un_imr_sqrt", "gdppcgrowth", "pol_killing_approved", "religiousfreedom",
    "judicialreform", "widetargeting", "narrowtargeting", "mk_ongoing_count_log2",
    "coup.try.5yr", "v2mecenefm_binary", "v2csgender_binary", "partyban.new.0",
    "partyban.new.1", "partyban.new.2", "ios.iccpr1", "minorityrule",
)  # fmt: skip
LAGS = (1, 3)
CONTAGION_YEARS = 3


def complete_cases(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(training rows, forecast rows) as EWP's ``complete.cases`` defines them: training
    rows have all 39 predictors and all four outcomes, forecast rows all 39 predictors."""
    train = frame[list(PREDICTORS) + list(OUTCOMES)].notna().all(axis=1)
    return train, frame[list(PREDICTORS)].notna().all(axis=1)


def ewp_design(frame: pd.DataFrame) -> pd.DataFrame:
    """The 39 EWP predictors (floats; missing values stay missing)."""
    return frame[list(PREDICTORS)].astype(np.float64)


def temporal_design(frame: pd.DataFrame) -> pd.DataFrame:
    """The EWP predictors plus changes, history and regional context (same index)."""
    ordered = frame.sort_values(["ccode", "year"])
    parts = [ewp_design(ordered), _changes(ordered), _history(ordered), _region(ordered)]
    return pd.concat(parts, axis=1).reindex(frame.index)


def _changes(f: pd.DataFrame) -> pd.DataFrame:
    by = f.groupby("ccode", sort=False)
    out = {}
    for lag in LAGS:
        consecutive = (f["year"] - by["year"].shift(lag)) == lag
        earlier = by[list(CHANGING)].shift(lag).where(consecutive)
        for col in CHANGING:
            out[f"{col}_chg{lag}"] = f[col] - earlier[col]
    return pd.DataFrame(out, index=f.index)


def _history(f: pd.DataFrame) -> pd.DataFrame:
    by = f.groupby("ccode", sort=False)
    onset_year = f["year"].where(f["mk_onset"] == 1)
    last_onset = onset_year.groupby(f["ccode"], sort=False).ffill()
    out = {
        "battledeaths.log2_max5": _rolling(by["battledeaths.log2"], 5, "max"),
        "mk_ever_years_since_onset": f["year"] - last_onset,
        "mk_ever_onsets_10y": _rolling(by["mk_onset"], 10, "sum"),
    }
    return pd.DataFrame(out, index=f.index)


def _rolling(series: SeriesGroupBy[Any, Any], years: int, how: str) -> pd.Series:
    """A trailing window over each country's last ``years`` rows (current row included)."""
    out: pd.Series = series.transform(lambda s: getattr(s.rolling(years, min_periods=1), how)())
    return out


def region_of(frame: pd.DataFrame) -> pd.Series:
    """The EWP region of each row (``reg.*`` dummy set, else ``afr``)."""
    region = pd.Series("afr", index=frame.index, dtype=object)
    for col in REGIONS:
        region[frame[col] == 1] = col
    return region


def _region(f: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "region": region_of(f),
            "year": f["year"],
            "onset": f["mk_onset"],
            "deaths": f["battledeaths.log2"],
            "ongoing": f["mk_ongoing_count_log2"],
        }
    )
    yearly = rows.groupby(["region", "year"]).agg(
        onset=("onset", "sum"), deaths=("deaths", "mean"), ongoing=("ongoing", "sum")
    )
    recent = (
        yearly["onset"]
        .groupby(level="region")
        .transform(
            lambda s: s.droplevel("region").rolling(CONTAGION_YEARS, min_periods=1).sum().to_numpy()
        )
    )
    key = pd.MultiIndex.from_arrays([rows["region"], rows["year"]])
    own_recent = _rolling(rows.groupby(f["ccode"], sort=False)["onset"], CONTAGION_YEARS, "sum")
    out = {
        "region_mk_onset_prev_year_3y": recent.reindex(key).to_numpy() - own_recent.to_numpy(),
        "region_battledeaths.log2": yearly["deaths"].reindex(key).to_numpy(),
        "region_mk_ongoing_count_log2": yearly["ongoing"].reindex(key).to_numpy()
        - rows["ongoing"].to_numpy(),
    }
    return pd.DataFrame(out, index=f.index)
