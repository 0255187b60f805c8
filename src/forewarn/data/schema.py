"""Declared schema of the EWP country-year panel, and its validation.

Validation reads every field as text first so that a bad value can be reported with the
file, its line and its column, instead of a pandas traceback.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forewarn.errors import SchemaError
from forewarn.inputs import read_text


@dataclass(frozen=True)
class Column:
    """One declared column: kind, allowed range and whether missing values are allowed."""

    name: str
    kind: str  # "int", "float" or "str"
    low: float | None = None
    high: float | None = None
    nullable: bool = False


def _binary(name: str) -> Column:
    return Column(name, "int", 0, 1)


def _share(name: str) -> Column:
    return Column(name, "float", 0, 1)


PREDICTORS: tuple[str, ...] = (
    "widetargeting", "narrowtargeting", "v2csgender_binary", "v2mecenefm_binary",
    "partyban.new.0", "partyban.new.1", "partyban.new.2", "minorityrule", "judicialreform",
    "religiousfreedom", "pol_killing_approved", "freediscussion", "social_inequality",
    "even_civilrights", "repress_civilsoc", "social_power_dist", "ses_power_dist",
    "popsize.log2", "gdppcgrowth", "un_imr_sqrt", "efindex", "discrimpop", "reg.na",
    "reg.eap", "reg.sca", "reg.mna", "reg.eur", "ios.iccpr1", "battledeaths.log2",
    "coup.try.5yr", "mk_ongoing_count_log2", "mean_mk_onset_interaction",
    "mk_onset_prev_year", "newcountry", "mk_ever", "year_sq", "year",
    "countryage.new.log2", "includesnonstate",
)  # fmt: skip
"""The 39 predictors of the published EWP model, in the order of its coefficient file."""

OUTCOMES: tuple[str, ...] = ("mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2")

PANEL_COLUMNS: tuple[Column, ...] = (
    Column("ewp_name", "str"),
    Column("ccode", "int", 2, 999),
    Column("year", "int", 1945, 2100),
    *(_binary(c) for c in (
        "widetargeting", "narrowtargeting", "v2csgender_binary", "v2mecenefm_binary",
        "partyban.new.0", "partyban.new.1", "partyban.new.2", "minorityrule",
        "pol_killing_approved", "reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur",
        "ios.iccpr1", "coup.try.5yr", "mk_onset_prev_year", "newcountry", "mk_ever",
        "includesnonstate",
    )),
    Column("judicialreform", "int", 0, 2),
    Column("religiousfreedom", "int", 0, 4),
    *(_share(c) for c in (
        "freediscussion", "social_inequality", "even_civilrights", "repress_civilsoc",
        "social_power_dist", "efindex", "discrimpop",
    )),
    Column("ses_power_dist", "float", -10, 10),
    Column("popsize.log2", "float", 0, 40, nullable=True),
    Column("gdppcgrowth", "float", -100, 1000, nullable=True),
    Column("un_imr_sqrt", "float", 0, 40, nullable=True),
    Column("battledeaths.log2", "float", 0, 40),
    Column("mk_ongoing_count_log2", "float", 0, 10),
    Column("mean_mk_onset_interaction", "float", 0, 100),
    Column("year_sq", "float", 1945**2, 2100**2),
    Column("countryage.new.log2", "float", 0, 20),
    _binary("mk_onset"),
    Column("mk_onset_1", "int", 0, 1, nullable=True),
    Column("mk_onset_2", "int", 0, 1, nullable=True),
    _binary("mk_onset_1or2"),
)  # fmt: skip

KEY = ("ccode", "year")


def _check_shape(path: Path, text: str, names: tuple[str, ...]) -> list[str]:
    """Header present, every declared column there, every line with the header's width,
    and at least one row of data."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise SchemaError(f"{path}: empty file (no header line)")
        rows = 0
        for line_no, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise SchemaError(
                    f"{path}, line {line_no}: {len(row)} fields where the header has "
                    f"{len(header)} (truncated or malformed row)"
                )
            rows += 1
    except csv.Error as exc:
        raise SchemaError(f"{path}: unreadable CSV ({exc})") from None
    missing = [n for n in names if n not in header]
    if missing:
        raise SchemaError(f"{path}: missing column {missing[0]!r}")
    repeated = next((n for n in header if header.count(n) > 1), None)
    if repeated is not None:
        raise SchemaError(f"{path}: column {repeated!r} appears twice")
    if rows == 0:
        raise SchemaError(f"{path}: a header but no rows of data")
    return header


def _coerce(path: Path, raw: pd.DataFrame, col: Column) -> pd.Series:
    text = raw[col.name]
    if col.kind == "str":
        values = text
    else:
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & text.notna()
        if bad.any():
            _fail(path, raw, bad, col, f"not a number: {text[bad].iloc[0]!r}")
    if not col.nullable and values.isna().any():
        _fail(path, raw, values.isna(), col, "missing value")
    if col.kind != "str":
        _check_range(path, raw, values, col)
    if col.kind == "int":
        whole = values.isna() | (values == np.floor(values))
        if not whole.all():
            _fail(path, raw, ~whole, col, f"not a whole number: {values[~whole].iloc[0]}")
        return values.astype("Int64" if col.nullable else "int64")
    return values.astype("float64") if col.kind == "float" else values.astype(str)


def _check_range(path: Path, raw: pd.DataFrame, values: pd.Series, col: Column) -> None:
    low = -np.inf if col.low is None else col.low
    high = np.inf if col.high is None else col.high
    out = values.notna() & ((values < low) | (values > high) | ~np.isfinite(values))
    if out.any():
        _fail(path, raw, out, col, f"{values[out].iloc[0]} outside [{col.low}, {col.high}]")


def _fail(path: Path, raw: pd.DataFrame, mask: pd.Series, col: Column, what: str) -> None:
    line = int(raw.index[mask.to_numpy()][0]) + 2
    raise SchemaError(f"{path}, line {line}, column {col.name!r}: {what}")


def validate_panel_file(path: Path) -> pd.DataFrame:
    """Read ``path`` and return the typed panel, or raise :class:`SchemaError`."""
    if not path.is_file():
        raise SchemaError(f"{path}: no such file")
    names = tuple(c.name for c in PANEL_COLUMNS)
    text = read_text(path, SchemaError)
    _check_shape(path, text, names)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True, na_values=["", "NA"])
    except (pd.errors.ParserError, ValueError) as exc:
        raise SchemaError(f"{path}: unreadable CSV ({str(exc).splitlines()[0]})") from exc
    frame = pd.DataFrame({c.name: _coerce(path, raw, c) for c in PANEL_COLUMNS})
    dup = frame.duplicated(list(KEY), keep="first")
    if dup.any():
        row = frame[dup].iloc[0]
        line = int(frame.index[dup.to_numpy()][0]) + 2
        raise SchemaError(
            f"{path}, line {line}: duplicated country-year (ccode {row['ccode']}, "
            f"year {row['year']})"
        )
    return frame.sort_values(list(KEY)).reset_index(drop=True)
