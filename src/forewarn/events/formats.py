"""Event files: GED CSV, GED GeoJSON and ACLED CSV, read in chunks onto the raw columns.

A reader yields pandas frames whose columns are :data:`~forewarn.events.schema.RAW_COLUMNS`
and whose index holds the file's row numbers (the n-th event of the file, 1-based), so that
:func:`~forewarn.events.schema.typed_events` can name the row of a bad value. CSV files are
streamed with pyarrow (a ``.gz`` or ``.bz2`` file is decompressed on the fly), so a file of
any size is read in bounded memory. Every failure is a one-line
:class:`~forewarn.errors.DataError`.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from forewarn.errors import DataError, SchemaError
from forewarn.events.schema import RAW_COLUMNS, row_error

_ARROW_TEXT = {pa.string(): pd.StringDtype("pyarrow")}
CHUNK_BYTES = 32 << 20
"""Bytes of CSV parsed per chunk."""
SNIFF_BYTES = 64 << 10


@dataclass(frozen=True)
class Format:
    """An event file format: its source, the columns it must have and how they map."""

    name: str
    source: str
    required: tuple[str, ...]
    renames: Mapping[str, str] = field(default_factory=dict)
    code_kind: str = "GWcode"
    """What the country code column holds: Gleditsch-Ward codes (GED) or ISO numeric."""
    gedtypes: bool = True
    """Whether ``type_of_violence`` comes from the file (GED) or is derived (ACLED)."""


GED_COLUMNS = (
    "id",
    "date_start",
    "date_end",
    "type_of_violence",
    "best",
    "low",
    "high",
    "deaths_civilians",
    "country",
    "country_id",
    "adm_1",
    "adm_2",
    "side_a",
    "side_b",
)
GED_MARKS = {
    "type_of_violence",
    "date_start",
    "date_end",
    "best",
    "dyad_new_id",
    "conflict_new_id",
    "where_prec",
    "deaths_civilians",
}
GED_RENAMES = {"country_id": "country_code", "adm_1": "admin1", "adm_2": "admin2"}
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "inter1",
    "inter2",
    "fatalities",
    "latitude",
    "longitude",
    "country",
    "iso",
    "admin1",
    "admin2",
    "actor1",
    "actor2",
)
ACLED_OPTIONAL = ("civilian_targeting", "timestamp")

FORMATS: dict[str, Format] = {
    "ged-csv": Format("ged-csv", "ged", (*GED_COLUMNS, "latitude", "longitude"), GED_RENAMES),
    "ged-geojson": Format("ged-geojson", "ged", GED_COLUMNS, GED_RENAMES),
    "acled-csv": Format("acled-csv", "acled", ACLED_COLUMNS, {}, "ISOnumeric", gedtypes=False),
}
SOURCES = ("ged", "acled")

ACLED_VIOLENCE = ("Battles", "Violence against civilians", "Explosions/Remote violence")
ACLED_OTHER = ("Protests", "Riots", "Strategic developments")
"""ACLED event types that are not organised violence in GED's sense; skipped on import."""


def format_of(name: str) -> Format:
    if name not in FORMATS:
        raise DataError(f"unknown event format {name!r} (known: {', '.join(FORMATS)})")
    return FORMATS[name]


# --- opening and sniffing ---------------------------------------------------------------------


def _stream(path: Path) -> Any:
    try:
        return pa.input_stream(str(path), compression="detect")
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: cannot open ({exc})") from exc


def head_bytes(path: Path) -> bytes:
    """The first bytes of the (decompressed) file; DataError if empty or not text."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        with _stream(path) as handle:
            head = bytes(handle.read(SNIFF_BYTES))
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: cannot read ({str(exc).splitlines()[0]})") from exc
    if not head.strip():
        raise DataError(f"{path}: the file is empty")
    if b"\x00" in head or not _utf8(head):
        raise DataError(f"{path}: not a text file (binary content); expected CSV or GeoJSON")
    return head


def _utf8(head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _header(head: bytes) -> list[str]:
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[0]
    return [c.strip() for c in next(csv.reader([first]))]


def guess_format(path: Path) -> str:
    """The format of ``path`` from its content: GeoJSON, or a CSV by its header."""
    head = head_bytes(path)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "ged-geojson"
    columns = set(_header(head))
    if "event_id_cnty" in columns or {"event_date", "fatalities"} <= columns:
        return "acled-csv"
    if len(columns & GED_MARKS) >= 2:
        return "ged-csv"
    raise DataError(
        f"{path}: cannot tell the event format from the header (expected UCDP GED or ACLED "
        "columns); give --format ged-csv, ged-geojson or acled-csv"
    )


def detect_version(path: Path, fmt: Format, name: str | None = None) -> str | None:
    """A GED version from the file's name or GeoJSON name ("GEDEvent_v23_1" -> "23.1")."""
    for text in (name or "", path.name):
        found = re.search(r"v(\d{1,2})[._-](\d{1,2})", text, re.IGNORECASE)
        if found and fmt.source == "ged":
            return f"{int(found[1])}.{int(found[2])}"
    return None


# --- CSV --------------------------------------------------------------------------------------


@dataclass
class _BadRow:
    seen: bool = False
    number: int | None = None
    expected: int = 0
    actual: int = 0


def _csv_reader(path: Path, wanted: list[str], bad: _BadRow, threads: bool = True) -> Any:
    def invalid(row: Any) -> str:
        if not bad.seen:
            bad.seen, bad.number = True, row.number
            bad.expected, bad.actual = row.expected_columns, row.actual_columns
        return "skip"

    read = pacsv.ReadOptions(block_size=CHUNK_BYTES, use_threads=threads)
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid)
    convert = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types=dict.fromkeys(wanted, pa.string()),
        strings_can_be_null=False,
    )
    return pacsv.open_csv(
        _stream(path), read_options=read, parse_options=parse, convert_options=convert
    )


def _check_header(path: Path, fmt: Format, header: list[str]) -> None:
    if not header or all(not c for c in header):
        raise SchemaError(f"{path}, header row: no column names")
    for column in fmt.required:
        if column not in header:
            raise SchemaError(
                f"{path}, header row, field {column!r}: missing column "
                f"(a {fmt.name} file needs {', '.join(fmt.required)})"
            )


def _located(path: Path, wanted: list[str], bad: _BadRow) -> _BadRow:
    """The first invalid row again, read on one thread, which numbers the rows."""
    if bad.number is not None:
        return bad
    again = _BadRow()
    for _ in _csv_reader(path, wanted, again, threads=False):
        if again.seen:
            break
    return again if again.seen else bad


def _bad_row_error(path: Path, header: list[str], bad: _BadRow, rows: int) -> SchemaError:
    row: int | str = bad.number - 1 if bad.number is not None else f"after {rows}"
    missing = header[bad.actual] if bad.actual < len(header) else "(extra field)"
    return row_error(
        str(path),
        row,
        missing,
        f"the row has {bad.actual} fields, the header {bad.expected} (truncated or malformed line)",
    )


def csv_chunks(path: Path, fmt: Format) -> Iterator[pd.DataFrame]:
    """The file's rows as raw frames, chunk by chunk (index: row numbers)."""
    header = _header(head_bytes(path))
    _check_header(path, fmt, header)
    optional = [c for c in ACLED_OPTIONAL if c in header] if fmt.source == "acled" else []
    wanted = list(dict.fromkeys([*fmt.required, *optional]))
    bad = _BadRow()
    rows = 0
    try:
        reader = _csv_reader(path, wanted, bad)
        for batch in reader:
            if bad.seen:
                raise _bad_row_error(path, header, _located(path, wanted, bad), rows)
            frame = batch.to_pandas(types_mapper=_ARROW_TEXT.get)
            frame.index = pd.RangeIndex(rows + 1, rows + 1 + len(frame))
            rows += len(frame)
            yield _raw_of(path, frame, fmt)
    except pa.ArrowInvalid as exc:
        message = str(exc).splitlines()[0]
        raise row_error(
            str(path),
            f"{rows + 1} or later",
            "(row)",
            f"unreadable CSV: {message} (truncated file?)",
        ) from exc
    if bad.seen:
        raise _bad_row_error(path, header, _located(path, wanted, bad), rows)
    if rows == 0:
        raise DataError(f"{path}: no events (the file has a header only)")


# --- GeoJSON ----------------------------------------------------------------------------------


def _json_document(path: Path) -> Any:
    head_bytes(path)
    try:
        with _stream(path) as handle:
            text = bytes(handle.read()).decode("utf-8")
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}, line {exc.lineno}, column {exc.colno}: not valid JSON "
            f"({exc.msg}; truncated file?)"
        ) from exc


def _features(path: Path, doc: Any) -> list[Any]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataError(f"{path}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise DataError(f"{path}: the FeatureCollection has no 'features' list")
    if not features:
        raise DataError(f"{path}: no events (the FeatureCollection is empty)")
    return features


def _point(path: Path, n: int, feature: Any) -> tuple[Any, Any]:
    geometry = feature.get("geometry")
    if geometry is None:
        props = feature.get("properties") or {}
        return props.get("longitude"), props.get("latitude")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) < 2
    ):
        raise row_error(str(path), n, "geometry", "expected a Point with [longitude, latitude]")
    return coords[0], coords[1]


def geojson_frame(path: Path, fmt: Format) -> tuple[pd.DataFrame, str | None]:
    """The features' properties and points as one raw frame, and the collection's name."""
    doc = _json_document(path)
    features = _features(path, doc)
    records = []
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise row_error(str(path), n, "properties", "a feature without properties")
        longitude, latitude = _point(path, n, feature)
        records.append({**feature["properties"], "longitude": longitude, "latitude": latitude})
    frame = pd.DataFrame.from_records(records, index=pd.RangeIndex(1, len(records) + 1))
    for column in fmt.required:
        if column not in frame.columns:
            raise SchemaError(f"{path}, every feature, field {column!r}: missing property")
    name = doc.get("name") if isinstance(doc.get("name"), str) else None
    return _raw_of(path, frame, fmt), name


# --- mapping onto the raw columns -------------------------------------------------------------


def _raw_of(path: Path, frame: pd.DataFrame, fmt: Format) -> pd.DataFrame:
    if fmt.source == "acled":
        return _acled_raw(path, frame)
    raw = frame.rename(columns=dict(fmt.renames))
    raw["perpetrator_state"] = None
    return raw[list(RAW_COLUMNS)]


def _state(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return (text == "1") | text.str.startswith("State forces").fillna(False)


def _acled_raw(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """ACLED events mapped onto GED's types of violence (docs/events.md explains the mapping);
    kind ``type_of_violence`` 0 marks event types that are not organised violence."""
    kind = frame["event_type"].astype("string").str.strip()
    state = _state(frame["inter1"]) | _state(frame["inter2"])
    targeting = frame.get("civilian_targeting", pd.Series("", index=frame.index))
    civilians = targeting.astype("string").str.contains("Civilian targeting").fillna(False)
    one_sided = (kind == "Violence against civilians") | (
        (kind == "Explosions/Remote violence") & civilians
    )
    violence = pd.Series("", index=frame.index, dtype="object")
    violence[kind.isin(ACLED_VIOLENCE).fillna(False)] = "2"
    violence[kind.isin(ACLED_VIOLENCE).fillna(False) & state] = "1"
    violence[one_sided.fillna(False)] = "3"
    violence[kind.isin(ACLED_OTHER).fillna(False)] = "0"
    unknown = (violence == "").to_numpy()
    if unknown.any():
        row, value = frame.index[unknown][0], kind[unknown].iloc[0]
        known = ", ".join((*ACLED_VIOLENCE, *ACLED_OTHER))
        raise row_error(
            str(path),
            int(row),
            "event_type",
            f"unknown ACLED event type {value if pd.isna(value) else repr(value)} (known: {known})",
        )
    deaths = frame["fatalities"]
    return pd.DataFrame(
        {
            "id": frame["event_id_cnty"],
            "date_start": frame["event_date"],
            "date_end": frame["event_date"],
            "type_of_violence": violence,
            "best": deaths,
            "low": deaths,
            "high": deaths,
            "deaths_civilians": deaths.where(one_sided.fillna(False), "0"),
            "latitude": frame["latitude"],
            "longitude": frame["longitude"],
            "country": frame["country"],
            "country_code": frame["iso"],
            "admin1": frame["admin1"],
            "admin2": frame["admin2"],
            "side_a": frame["actor1"],
            "side_b": frame["actor2"],
            "perpetrator_state": _state(frame["inter1"]),
        },
        index=frame.index,
    )


def acled_version(path: Path) -> str | None:
    """An ACLED export's version: the newest ``timestamp`` of its events, as a number."""
    header = _header(head_bytes(path))
    if "timestamp" not in header:
        return None
    newest = 0
    for batch in _csv_reader(path, ["timestamp"], _BadRow()):
        values = pd.to_numeric(batch.column(0).to_pandas(), errors="coerce")
        newest = max(newest, int(values.max()) if values.notna().any() else 0)
    return str(newest) if newest else None
