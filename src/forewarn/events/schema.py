"""The declared schema of a stored event, and the checks every imported event passes.

Every reader (GED CSV, GED GeoJSON, ACLED CSV) maps its file onto the *raw* columns below,
as text or numbers as the file has them; :func:`typed_events` parses and checks them and
returns the stored columns, or raises a :class:`~forewarn.errors.SchemaError` naming the
file, the row (the n-th event of the file, 1-based) and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from forewarn.errors import SchemaError

VIOLENCE_TYPES: Mapping[int, str] = {1: "state-based", 2: "non-state", 3: "one-sided"}
"""UCDP's types of organised violence (GED ``type_of_violence``)."""

RAW_COLUMNS: tuple[str, ...] = (
    "id",
    "date_start",
    "date_end",
    "type_of_violence",
    "best",
    "low",
    "high",
    "deaths_civilians",
    "latitude",
    "longitude",
    "country",
    "country_code",
    "admin1",
    "admin2",
    "side_a",
    "side_b",
    "perpetrator_state",
)
"""What a reader hands over (``country_code``: GW code for GED, ISO numeric for ACLED;
``perpetrator_state``: whether side A is a state's forces, or None to infer from side A)."""

STORED = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("version", pa.string()),
        ("iso3", pa.string()),
        ("year", pa.int16()),
        ("date_start", pa.timestamp("ns")),
        ("date_end", pa.timestamp("ns")),
        ("type_of_violence", pa.int8()),
        ("best", pa.int32()),
        ("low", pa.int32()),
        ("high", pa.int32()),
        ("deaths_civilians", pa.int32()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("admin1", pa.string()),
        ("admin2", pa.string()),
        ("side_a", pa.string()),
        ("side_b", pa.string()),
        ("perpetrator_state", pa.bool_()),
    ]
)
"""The stored event (Parquet); ``iso3`` and ``year`` are also the partition keys."""

TEXT = pd.StringDtype("pyarrow")
"""Text columns are Arrow strings: vectorised string work, no Python object per value."""
FIRST_YEAR, LAST_YEAR = 1946, 2100
REPAIR_HINT = (
    " (UCDP's own releases hold a few such events: --repair-estimates widens low-high to "
    "include best and records every repaired id)"
)
MAX_DEATHS = 10_000_000


def row_error(file: str, row: int | str, field: str, problem: str) -> SchemaError:
    """The one-line error of a bad value: file, row (the n-th event, 1-based), field."""
    return SchemaError(f"{file}, row {row}, field {field!r}: {problem}")


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class _Failure:
    position: int
    order: int
    field: str
    problem: str


class _Checker:
    """Collects the first failing row of each check; the earliest row (then field) wins."""

    def __init__(self, raw: pd.DataFrame) -> None:
        self.raw = raw
        self.failures: list[_Failure] = []
        self.order = 0

    def check(self, bad: Any, field: str, problem: Callable[[int], str]) -> None:
        self.order += 1
        mask = np.asarray(bad, dtype=bool)
        if mask.any():
            position = int(np.argmax(mask))
            self.failures.append(_Failure(position, self.order, field, problem(position)))

    def raise_first(self, file: str) -> None:
        if self.failures:
            first = min(self.failures, key=lambda f: (f.position, f.order))
            raise row_error(file, int(self.raw.index[first.position]), first.field, first.problem)


def _missing(values: pd.Series) -> Any:
    text = values.astype(TEXT)
    return values.isna().to_numpy() | (text.str.strip() == "").fillna(True).to_numpy()


def _integers(checker: _Checker, name: str) -> pd.Series:
    raw = checker.raw[name]
    missing = _missing(raw)
    number = pd.to_numeric(raw.astype(TEXT).str.strip(), errors="coerce")
    not_number = ~missing & (number.isna().to_numpy() | (number % 1 != 0).fillna(True).to_numpy())
    checker.check(missing, name, lambda i: "missing value")
    checker.check(not_number, name, lambda i: f"{_show(raw.iloc[i])} is not a whole number")
    return number.fillna(0)


def _deaths(checker: _Checker, name: str) -> pd.Series:
    number = _integers(checker, name)
    raw = checker.raw[name]
    checker.check(number < 0, name, lambda i: f"{_show(raw.iloc[i])} deaths is negative")
    checker.check(
        number > MAX_DEATHS, name, lambda i: f"{_show(raw.iloc[i])} deaths is not plausible"
    )
    return number.clip(0, MAX_DEATHS).astype("int32")


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO dates or date-times (GED), or ACLED's "12 January 2023"; NaT when unreadable."""
    text = values.astype(TEXT).str.strip()
    found = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if found.isna().any():
        other = pd.to_datetime(text, format="%d %B %Y", errors="coerce")
        found = found.fillna(other)
    return found.astype("datetime64[ns]").dt.normalize()


def _date(checker: _Checker, name: str) -> pd.Series:
    raw = checker.raw[name]
    missing = _missing(raw)
    parsed = parse_dates(raw)
    bad = ~missing & parsed.isna().to_numpy()
    checker.check(missing, name, lambda i: "missing date")
    checker.check(bad, name, lambda i: f"{_show(raw.iloc[i])} is not a date")
    years = parsed.dt.year
    odd = ~(bad | missing) & ~years.between(FIRST_YEAR, LAST_YEAR).to_numpy()
    checker.check(odd, name, lambda i: f"{_show(raw.iloc[i])} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return parsed


def _coordinate(checker: _Checker, name: str, limit: float) -> pd.Series:
    raw = checker.raw[name]
    missing = _missing(raw)
    number = pd.to_numeric(raw.astype(TEXT).str.strip(), errors="coerce")
    checker.check(missing, name, lambda i: "missing coordinate")
    checker.check(
        ~missing & number.isna().to_numpy(), name, lambda i: f"{_show(raw.iloc[i])} is not a number"
    )
    out_of_range = (number.abs() > limit).fillna(False).to_numpy()
    checker.check(
        out_of_range, name, lambda i: f"{_show(raw.iloc[i])} is outside -{limit:g}..{limit:g}"
    )
    return number.astype("float64")


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    values = raw[name].astype(TEXT).str.strip()
    return values.mask(values == "")


_MISSING = "<not found>"


@cache
def _iso3_of_names(names: tuple[str, ...]) -> tuple[str | None, ...]:
    import logging

    import country_converter as coco

    from forewarn.data.countries import EXPLICIT

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    found = coco.CountryConverter().convert(list(names), to="ISO3", not_found=_MISSING)
    values = found if isinstance(found, list) else [found]
    historic = {name.lower(): iso3 for iso3, name, _ in EXPLICIT.values()}
    return tuple(
        historic.get(n.lower()) or (v if isinstance(v, str) and v != _MISSING else None)
        for n, v in zip(names, values, strict=True)
    )


@cache
def _code_table(column: str) -> dict[str, str]:
    import logging

    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data[[column, "ISO3"]].dropna()
    table: dict[str, str] = {}
    for code, iso3 in data.itertuples(index=False):
        text = str(code).split(".")[0].strip()
        if text.isdigit() and isinstance(iso3, str) and len(iso3) == 3:
            table.setdefault(str(int(text)), iso3)
    return table


def _code_key(code: Any) -> str | None:
    if code is None or pd.isna(code):
        return None
    text = str(code).split(".")[0].strip()
    return str(int(text)) if text.isdigit() else None


def country_codes(names: pd.Series, codes: pd.Series, code_kind: str) -> pd.Series:
    """ISO3 codes from numeric country codes (``GWcode`` or ``ISOnumeric``), else from
    country names (the crosswalk); None where neither is known."""
    table = _code_table(code_kind)
    pairs = pd.DataFrame({"name": names.astype(TEXT), "code": codes.astype(TEXT)})
    distinct = pairs.drop_duplicates()
    found: dict[tuple[Any, Any], str | None] = {}
    unnamed = []
    for name, code in distinct.itertuples(index=False):
        key = _code_key(code)
        found[(name, code)] = table.get(key) if key is not None else None
        if found[(name, code)] is None and not pd.isna(name) and str(name).strip():
            unnamed.append((name, code))
    if unnamed:
        by_name = _iso3_of_names(tuple(sorted({str(n).strip() for n, _ in unnamed})))
        lookup = dict(zip(sorted({str(n).strip() for n, _ in unnamed}), by_name, strict=True))
        for name, code in unnamed:
            found[(name, code)] = lookup[str(name).strip()]
    keys = pd.MultiIndex.from_frame(pairs)
    mapping = pd.Series(list(found.values()), index=pd.MultiIndex.from_tuples(list(found)))
    return pd.Series(mapping.reindex(keys).to_numpy(), index=names.index, dtype="object")


def _state_side(side_a: pd.Series, flag: pd.Series) -> pd.Series:
    """Whether side A is a state's forces: the reader's flag, else GED's naming
    ("Government of ...")."""
    out = side_a.fillna("").str.startswith("Government of").to_numpy(dtype=bool).copy()
    known = flag.notna().to_numpy()
    out[known] = flag[known].astype(bool).to_numpy()
    return pd.Series(out, index=flag.index)


def typed_events(
    raw: pd.DataFrame,
    file: str,
    *,
    code_kind: str = "GWcode",
    types: bool = True,
    repair: bool = False,
) -> pd.DataFrame:
    """The stored columns of ``raw`` (less source and version), checked; SchemaError at the
    first bad row. ``raw``'s index holds the file's row numbers; ``types`` checks that
    ``type_of_violence`` is 1-3 (GED's coding). With ``repair``, death estimates that
    disagree (``best`` outside ``low``-``high``, or ``low`` above ``high``) are widened to
    ``min``-``max`` of the three instead of refused, and marked in column ``repaired``."""
    checker = _Checker(raw)
    checker.check(_missing(raw["id"]), "id", lambda i: "missing id")
    start, end = _date(checker, "date_start"), _date(checker, "date_end")
    checker.check(
        (end < start).fillna(False).to_numpy(),
        "date_end",
        lambda i: f"{end.iloc[i].date()} is before date_start {start.iloc[i].date()}",
    )
    violence = _integers(checker, "type_of_violence")
    if types:
        checker.check(
            ~violence.isin(list(VIOLENCE_TYPES)).to_numpy(),
            "type_of_violence",
            lambda i: (
                f"{_show(raw['type_of_violence'].iloc[i])} is not 1, 2 or 3 "
                "(state-based, non-state, one-sided)"
            ),
        )
    best, low, high = (_deaths(checker, n) for n in ("best", "low", "high"))
    inconsistent = ((low > high) | (best < low) | (best > high)).to_numpy()
    if repair:
        trio = pd.concat([best, low, high], axis=1)
        low, high = trio.min(axis=1).astype("int32"), trio.max(axis=1).astype("int32")
    else:
        checker.check(
            (low > high).to_numpy(),
            "low",
            lambda i: f"{low.iloc[i]} is above high {high.iloc[i]}{REPAIR_HINT}",
        )
        outside = ((best < low) | (best > high)).to_numpy()
        checker.check(
            outside,
            "best",
            lambda i: (
                f"{best.iloc[i]} is outside low-high ({low.iloc[i]}-{high.iloc[i]}){REPAIR_HINT}"
            ),
        )
    civilians = _deaths(checker, "deaths_civilians")
    latitude = _coordinate(checker, "latitude", 90)
    longitude = _coordinate(checker, "longitude", 180)
    iso3 = country_codes(raw["country"], raw["country_code"], code_kind)
    checker.check(
        iso3.isna().to_numpy(),
        "country",
        lambda i: (
            f"unknown country {_show(raw['country'].iloc[i])} (code "
            f"{_show(raw['country_code'].iloc[i])})"
        ),
    )
    checker.raise_first(file)
    side_a = _text(raw, "side_a")
    frame = pd.DataFrame(
        {
            "id": raw["id"].astype(TEXT).str.strip().str.replace(r"\.0$", "", regex=True),
            "iso3": iso3.astype(TEXT),
            "year": start.dt.year.astype("int16"),
            "date_start": start,
            "date_end": end,
            "type_of_violence": violence.astype("int8"),
            "best": best,
            "low": low,
            "high": high,
            "deaths_civilians": civilians,
            "latitude": latitude,
            "longitude": longitude,
            "admin1": _text(raw, "admin1"),
            "admin2": _text(raw, "admin2"),
            "side_a": side_a,
            "side_b": _text(raw, "side_b"),
            "perpetrator_state": _state_side(side_a, raw["perpetrator_state"]),
            "repaired": inconsistent,
        }
    )
    return frame.reset_index(drop=True)
