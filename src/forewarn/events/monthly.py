"""Monthly series: country-month and admin-1-month aggregates of the stored events.

Two steps. :func:`province_counts` is the heavy one: it scans every event once and sums
them by country, admin-1 area (province), month and type of violence. It is written once
over the operations pandas and ``dask.dataframe`` share, so the same function runs on a
pandas frame in one process or on a Dask frame over the Parquet partitions on a cluster
(:func:`counts` picks the engine; :mod:`forewarn.events.cluster` makes the cluster). Its
result is small (areas x months x types), and :func:`series` builds the published series
from it in pandas: every month of the range present (zeros when nothing happened), the
totals over all types, the number of areas with violence and the areas hit for the first
time in twelve months.

An event counts in the month of its ``date_start`` (GED's convention). Events without an
admin-1 area (GED codes the area only when the location is precise enough) count in the
country's figures but in no area's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forewarn.errors import DataError, NotFound
from forewarn.events import storage
from forewarn.events.schema import VIOLENCE_TYPES

SCAN_COLUMNS = [
    "iso3",
    "admin1",
    "date_start",
    "type_of_violence",
    "best",
    "low",
    "high",
    "deaths_civilians",
    "perpetrator_state",
]
KEYS = ["iso3", "admin1", "month", "type_of_violence"]
SUMS = [
    "events",
    "deaths_best",
    "deaths_low",
    "deaths_high",
    "deaths_civilians",
    "osv_government_events",
    "osv_government_deaths",
    "osv_nonstate_events",
    "osv_nonstate_deaths",
]
FIGURES = [*SUMS, "areas", "new_areas"]
OUTPUT = ["iso3", "month", "admin1", "type_of_violence", *FIGURES]
TYPES = tuple(VIOLENCE_TYPES)
LOOKBACK = 12
"""Months without violence after which an area hit again counts as new."""
NO_AREA = ""


# --- the scan: one function for pandas and Dask -----------------------------------------------


def province_counts(frame: Any) -> Any:
    """Sums by (iso3, admin1, month, type_of_violence) of a pandas or Dask event frame.

    ``month`` is ``year * 100 + month`` of ``date_start``; events without an area get
    ``admin1`` "". Only operations both libraries share are used, so the result is the same
    whichever runs it (a Dask result still has to be computed).
    """
    start = frame["date_start"]
    one_sided = frame["type_of_violence"] == 3
    state = frame["perpetrator_state"].astype(bool)
    government, nonstate = one_sided & state, one_sided & ~state
    best = frame["best"].astype("int64")
    keyed = frame.assign(
        iso3=frame["iso3"].astype(str),
        admin1=frame["admin1"].fillna(NO_AREA).astype(str),
        month=(start.dt.year * 100 + start.dt.month).astype("int64"),
        type_of_violence=frame["type_of_violence"].astype("int64"),
        events=1,
        deaths_best=best,
        deaths_low=frame["low"].astype("int64"),
        deaths_high=frame["high"].astype("int64"),
        deaths_civilians=frame["deaths_civilians"].astype("int64"),
        osv_government_events=government.astype("int64"),
        osv_government_deaths=best.where(government, 0),
        osv_nonstate_events=nonstate.astype("int64"),
        osv_nonstate_deaths=best.where(nonstate, 0),
    )
    return keyed[KEYS + SUMS].groupby(KEYS, sort=False).sum()


def _tidy(found: pd.DataFrame) -> pd.DataFrame:
    """A computed count table in one canonical shape: plain columns, sorted, int64 figures."""
    table = found.reset_index()
    table["iso3"] = table["iso3"].astype(str)
    table["admin1"] = table["admin1"].astype(str)
    for column in ("month", "type_of_violence", *SUMS):
        table[column] = table[column].astype("int64")
    table = table[table["events"] > 0]
    return table.sort_values(KEYS).reset_index(drop=True)[KEYS + SUMS]


def count_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The province counts of events already in memory (pandas)."""
    return _tidy(province_counts(frame))


def counts(
    root: Path, source: str = "ged", iso3: str | None = None, *, client: Any = None
) -> pd.DataFrame:
    """The province counts of the stored ``source`` events (one country's when ``iso3`` is
    given): on pandas in this process when ``client`` is None, else on Dask with that
    ``dask.distributed`` client, over the Parquet partitions in batches of about
    :data:`BATCH_ROWS` events (one Dask partition each)."""
    if client is None:
        return count_frame(storage.read_events(root, source, iso3, SCAN_COLUMNS))
    import dask.dataframe as dd

    base = storage.source_path(root, source)
    batches = file_batches(storage.load_manifest(root), source, iso3)
    if not batches:
        return count_frame(storage.read_events(root, source, iso3, SCAN_COLUMNS))
    meta = read_batch(str(base), batches[0][:1]).head(0)
    frame = dd.from_map(  # type: ignore[no-untyped-call]
        read_batch, [str(base)] * len(batches), batches, meta=meta, enforce_metadata=False
    )
    return _tidy(client.compute(province_counts(frame)).result())


BATCH_ROWS = 1_000_000


def file_batches(
    manifest: storage.Manifest, source: str, iso3: str | None, rows: int | None = None
) -> list[list[str]]:
    """The partitions' files (relative to the source folder) in batches of about ``rows``
    (default :data:`BATCH_ROWS`) events, in partition order."""
    rows = rows or BATCH_ROWS
    batches: list[list[str]] = [[]]
    held = 0
    for part in manifest.partitions.values():
        if part.source != source or (iso3 is not None and part.iso3 != iso3):
            continue
        if held >= rows:
            batches.append([])
            held = 0
        folder = part.folder.split("/", 1)[1]
        batches[-1].extend(f"{folder}/{name}" for name in part.files)
        held += part.rows
    return [b for b in batches if b]


def read_batch(base: str, files: list[str]) -> pd.DataFrame:
    """The scan columns of some partition files (with their ``iso3`` from the paths)."""
    import pyarrow.dataset as pads

    data = pads.dataset(
        [f"{base}/{f}" for f in files],
        format="parquet",
        partitioning=storage.HIVE,
        partition_base_dir=base,
    )
    frame: pd.DataFrame = data.to_table(columns=SCAN_COLUMNS).to_pandas()
    return frame


# --- from counts to the series ----------------------------------------------------------------


def month_code(text: str) -> int:
    """``"2013-03"`` -> 201303; DataError for anything else."""
    try:
        year, month = (int(x) for x in text.strip().split("-"))
    except ValueError as exc:
        raise DataError(f"{text!r} is not a month (expected YYYY-MM)") from exc
    if not (1 <= month <= 12 and 1000 <= year <= 9999):
        raise DataError(f"{text!r} is not a month (expected YYYY-MM)")
    return year * 100 + month


def month_text(code: int) -> str:
    return f"{code // 100:04d}-{code % 100:02d}"


def month_range(first: int, last: int) -> list[int]:
    """Every month code from ``first`` to ``last`` inclusive."""
    start, end = _index(first), _index(last)
    return [(i // 12) * 100 + i % 12 + 1 for i in range(start, end + 1)]


def _index(code: int) -> int:
    return (code // 100) * 12 + code % 100 - 1


def shift(code: int, months: int) -> int:
    """The month ``months`` after ``code`` (negative: before)."""
    i = _index(code) + months
    return (i // 12) * 100 + i % 12 + 1


@dataclass(frozen=True)
class Span:
    """The months of a series: ``first`` to ``last`` (codes ``YYYYMM``)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise DataError(
                f"--to {month_text(self.last)} is before --from {month_text(self.first)}"
            )


def span_of(table: pd.DataFrame, first: str | None, last: str | None) -> Span:
    """The months asked for, defaulting to the country's first and last month of events."""
    if table.empty and (first is None or last is None):
        raise NotFound("no events for this country (give --from and --to for a zero series)")
    low = month_code(first) if first else int(table["month"].min())
    high = month_code(last) if last else int(table["month"].max())
    return Span(low, high)


def _grid(table: pd.DataFrame, areas: list[str], months: list[int]) -> pd.DataFrame:
    """Sums by (admin1, type, month) over every area, type (0: all) and month, zeros added."""
    by_type = table.groupby(["admin1", "type_of_violence", "month"])[SUMS].sum()
    total = table.groupby(["admin1", "month"])[SUMS].sum()
    total = total.assign(type_of_violence=0).set_index("type_of_violence", append=True)
    total = total.reorder_levels(["admin1", "type_of_violence", "month"])
    index = pd.MultiIndex.from_product(
        [areas, [0, *TYPES], months], names=["admin1", "type_of_violence", "month"]
    )
    return pd.concat([by_type, total]).reindex(index, fill_value=0).astype("int64")


def _new_areas(grid: pd.DataFrame, months: list[int]) -> pd.Series:
    """1 where an area has events this month and none in the twelve months before."""
    hit = (grid["events"] > 0).astype("int64").unstack("month").reindex(columns=months)
    before = hit.T.rolling(LOOKBACK, min_periods=1).sum().shift(1).fillna(0).T
    new = ((hit > 0) & (before == 0)).astype("int64").stack()
    order = [list(new.index.names).index(n) for n in grid.index.names]
    return pd.Series(new.reorder_levels(order).reindex(grid.index), name="new_areas")


def series(table: pd.DataFrame, iso3: str, span: Span, *, admin1: bool = False) -> pd.DataFrame:
    """The monthly series of one country from its province counts (columns :data:`OUTPUT`).

    Rows: every month of ``span`` x every type of violence (1-3, and None for all types
    together); at admin-1 level, also every area that ever had an event in the counts.
    ``areas`` counts areas with events of the row's type, ``new_areas`` those with none in
    the twelve months before (history before ``span`` counts)."""
    own = table[table["iso3"] == iso3]
    first = min(span.first, int(own["month"].min())) if not own.empty else span.first
    months = month_range(shift(first, -LOOKBACK), max(span.last, span.first))
    own = own[own["month"].between(months[0], months[-1])]
    areas = sorted(set(own["admin1"]) - {NO_AREA})
    grid = _grid(own, [NO_AREA, *areas], months)
    grid["areas"] = (grid["events"] > 0).astype("int64")
    grid["new_areas"] = _new_areas(grid, months)
    grid.loc[grid.index.get_level_values("admin1") == NO_AREA, ["areas", "new_areas"]] = 0
    wanted = grid[grid.index.get_level_values("month").isin(month_range(span.first, span.last))]
    rows = _admin_rows(wanted) if admin1 else _country_rows(wanted)
    rows.insert(0, "iso3", iso3)
    return rows[OUTPUT].reset_index(drop=True)


def _country_rows(grid: pd.DataFrame) -> pd.DataFrame:
    rows = grid.groupby(level=["type_of_violence", "month"]).sum().reset_index()
    rows["admin1"] = None
    return _finish(rows)


def _admin_rows(grid: pd.DataFrame) -> pd.DataFrame:
    rows = grid.reset_index()
    rows = rows[rows["admin1"] != NO_AREA].copy()
    return _finish(rows)


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values(["month", "admin1", "type_of_violence"], na_position="first")
    rows["month"] = [month_text(int(m)) for m in rows["month"]]
    kinds = rows["type_of_violence"].astype("int64")
    rows["type_of_violence"] = pd.Series(
        [None if k == 0 else int(k) for k in kinds], index=rows.index, dtype="object"
    )
    for column in FIGURES:
        rows[column] = rows[column].astype("int64")
    return rows


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The series as JSON-ready objects (``admin1`` and ``type_of_violence`` None when the
    row is a total over them)."""
    out = []
    for row in frame.to_dict("records"):
        item = {str(k): (None if _absent(v) else _plain(v)) for k, v in row.items()}
        out.append(item)
    return out


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
