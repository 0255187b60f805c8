"""Synthetic GED events for scale tests: the real CAF events resampled across made-up places.

Each synthetic event is a real GED event (the pinned CAF subset) drawn with replacement and
moved: to one of ``countries`` real countries (so the importer knows them), to one of
``provinces`` made-up admin-1 areas of that country ("Province 07"), and to a random month
of 1989-2022 (its duration kept). Ids are unique; coordinates are jittered but stay in
range. The file has GED's full CSV column set; with ``text=False`` the long free-text
source fields are left empty, which keeps 50 million events at a manageable size.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from forewarn.events import formats

GED_CSV_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)
"""The columns of the global GED 23.1 CSV, in its order."""
FREE_TEXT = (
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_coordinates",
    "where_description",
    "geom_wkt",
)
FIRST_MONTH, MONTHS = (1989, 1), 34 * 12


def ged_template(path: Path) -> pd.DataFrame:
    """The GED events of a GeoJSON file as the rows of a GED CSV (``latitude``, ``longitude``
    and ``geom_wkt`` from the points)."""
    import json

    doc = json.loads(formats.head_bytes(path) and path.read_text(encoding="utf-8"))
    rows = []
    for feature in doc["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        rows.append(
            {
                **feature["properties"],
                "longitude": lon,
                "latitude": lat,
                "geom_wkt": f"POINT ({lon} {lat})",
            }
        )
    return pd.DataFrame(rows)[list(GED_CSV_COLUMNS)]


@cache
def _countries() -> pd.DataFrame:
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data[["name_short", "GWcode", "ISO3"]].dropna()
    data = data[data["GWcode"].astype(str).str.replace(".0", "", regex=False).str.isdigit()]
    data = data.assign(GWcode=data["GWcode"].astype(float).astype(int))
    ordered: pd.DataFrame = data.sort_values("ISO3").reset_index(drop=True)
    return ordered


def country_pool(count: int) -> pd.DataFrame:
    """``count`` real countries (name, GW code, ISO3) to put synthetic events in."""
    pool = _countries()
    if not 1 <= count <= len(pool):
        raise ValueError(f"countries must be 1-{len(pool)}")
    return pool.iloc[np.linspace(0, len(pool) - 1, count).astype(int)].reset_index(drop=True)


def _months(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    index = rng.integers(0, MONTHS, n) + FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1
    return index // 12, index % 12 + 1


_PREPARED: dict[int, tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]] = {}


def _prepared(template: pd.DataFrame) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]:
    if id(template) not in _PREPARED:
        _PREPARED.clear()
        _PREPARED[id(template)] = _prepare(template)
    return _PREPARED[id(template)]


def _prepare(template: pd.DataFrame) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]:
    start = pd.to_datetime(template["date_start"]).dt.normalize()
    length = (pd.to_datetime(template["date_end"]).dt.normalize() - start).dt.days.to_numpy()
    table = pa.Table.from_pandas(template.astype(str), preserve_index=False)
    days = np.minimum(start.dt.day.to_numpy(), 28)
    return table, length, days, template[["latitude", "longitude"]].to_numpy(dtype=float)


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def synthetic_chunk(
    template: pd.DataFrame,
    n: int,
    first_id: int,
    *,
    countries: int,
    provinces: int,
    seed: int,
    text: bool = True,
) -> pa.Table:
    """``n`` synthetic events with ids from ``first_id`` (one chunk of :func:`write_synthetic`),
    as an Arrow table of GED CSV columns."""
    rng = np.random.default_rng([seed, first_id])
    table, length, days, points = _prepared(template)
    pick = rng.integers(0, len(template), n)
    rows = table.take(pa.array(pick))
    pool = country_pool(countries)
    place = rng.integers(0, len(pool), n)
    years, months = _months(rng, n)
    start = (years - 1970) * 12 + months - 1
    start = start.astype("datetime64[M]").astype("datetime64[D]") + (days[pick] - 1)
    end = start + length[pick]
    names = pool["name_short"].to_numpy()[place]
    codes = pool["GWcode"].to_numpy()[place]
    jitter = rng.normal(0, 0.5, (n, 2))
    lat = np.clip(points[pick, 0] + jitter[:, 0], -89.9, 89.9).round(5)
    lon = np.clip(points[pick, 1] + jitter[:, 1], -179.9, 179.9).round(5)
    areas = np.char.add(
        "Province ", np.char.zfill(rng.integers(1, provinces + 1, n).astype(str), 2)
    )
    columns = {
        "id": _text(np.arange(first_id, first_id + n)),
        "country": _text(names),
        "country_id": _text(codes),
        "adm_1": _text(areas),
        "adm_2": pa.nulls(n, pa.string()),
        "year": _text(years),
        "date_start": _text(start.astype(str)),
        "date_end": _text(end.astype(str)),
        "latitude": _text(lat),
        "longitude": _text(lon),
    }
    if not text:
        columns.update({c: pa.nulls(n, pa.string()) for c in FREE_TEXT})
    for name, values in columns.items():
        rows = rows.set_column(rows.schema.get_field_index(name), name, values)
    return rows


def write_synthetic(
    path: Path,
    template: pd.DataFrame,
    total: int,
    *,
    countries: int = 50,
    provinces: int = 16,
    seed: int = 1,
    chunk: int = 1_000_000,
    text: bool = True,
) -> Path:
    """Write ``total`` synthetic events as a GED CSV (``.gz`` compresses it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.output_stream(str(path), compression="detect") as sink:
        writer = None
        for first in range(0, total, chunk):
            table = synthetic_chunk(
                template,
                min(chunk, total - first),
                first + 1,
                countries=countries,
                provinces=provinces,
                seed=seed,
                text=text,
            )
            if writer is None:
                writer = pacsv.CSVWriter(sink, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return path


def synthetic_chunks(template: pd.DataFrame, total: int, **options: int) -> Iterator[pa.Table]:
    """The chunks :func:`write_synthetic` would write (for tests)."""
    chunk = int(options.pop("chunk", 1_000_000))
    for first in range(0, total, chunk):
        yield synthetic_chunk(template, min(chunk, total - first), first + 1, **options)  # type: ignore[arg-type]
