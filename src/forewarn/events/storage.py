"""The event store: Parquet partitioned by source, country and year, changed atomically.

Layout under the data folder::

    events/CURRENT                              the name of the current snapshot
    events/snapshots/000003/manifest.json       what each partition holds, and the imports
    events/snapshots/000003/ged/iso3=CAF/year=2013/part-00000.parquet

An import validates the whole file while writing its events into a staging folder; only
when every row has passed does it build a new snapshot (the partitions it does not cover are
hard links to the previous snapshot's files) and switch ``CURRENT`` to it with one atomic
rename. A bad file, a crash or a refused import therefore leave the store as it was. The
same file imported twice changes nothing; a file covers, for each of its countries, every
year from its first to its last event, and replaces those partitions when its version is
the same or newer (a newer GED release replaces the events it covers); an older version is
refused. ``iso3`` and ``year`` live in the partition paths (hive style), so pandas, pyarrow
and Dask read the folder of a source as one dataset.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from filelock import FileLock

from forewarn.errors import DataError, NotFound
from forewarn.events import formats
from forewarn.events.schema import STORED, row_error, typed_events

PARTITION_KEYS = ("iso3", "year")
FILE_SCHEMA = pa.schema([f for f in STORED if f.name not in PARTITION_KEYS])
HIVE = pads.partitioning(pa.schema([("iso3", pa.string()), ("year", pa.int16())]), flavor="hive")
KEEP_SNAPSHOTS = 2
"""The current snapshot and the one before (a reader may still be using it)."""

Progress = Callable[[int], None]
"""``progress(rows_read)`` after each chunk."""


def events_root(data_dir: Path) -> Path:
    """The event store under the data folder."""
    return data_dir / "events"


@dataclass(frozen=True)
class Partition:
    """What one partition (source, country, year) holds and which import wrote it."""

    source: str
    iso3: str
    year: int
    version: str
    file: str
    sha256: str
    rows: int
    files: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.source}/{self.iso3}/{self.year}"

    @property
    def folder(self) -> str:
        return f"{self.source}/iso3={self.iso3}/year={self.year}"


@dataclass(frozen=True)
class ImportRecord:
    """One import that changed the store."""

    file: str
    sha256: str
    format: str
    source: str
    version: str
    events: int
    skipped: int
    countries: tuple[str, ...]
    first: str
    last: str
    at: str
    replaced: int = 0
    repaired: int = 0
    """Events whose death estimates were widened (``--repair-estimates``); their ids are in
    the snapshot's ``repairs/`` folder."""


@dataclass(frozen=True)
class Manifest:
    """A snapshot: its number, its partitions and the imports that made it."""

    snapshot: int
    partitions: dict[str, Partition] = field(default_factory=dict)
    imports: tuple[ImportRecord, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "partitions": [asdict(p) for p in self.partitions.values()],
            "imports": [asdict(i) for i in self.imports],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Manifest:
        parts = [Partition(**{**p, "files": tuple(p["files"])}) for p in doc["partitions"]]
        imports = [
            ImportRecord(**{**i, "countries": tuple(i["countries"])}) for i in doc["imports"]
        ]
        return cls(int(doc["snapshot"]), {p.key: p for p in parts}, tuple(imports))

    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({p.source for p in self.partitions.values()}))

    def countries(self, source: str) -> tuple[str, ...]:
        return tuple(sorted({p.iso3 for p in self.partitions.values() if p.source == source}))


@dataclass(frozen=True)
class ImportReport:
    """What ``forewarn events import`` did."""

    record: ImportRecord
    unchanged: bool
    partitions: int
    snapshot: int


# --- reading ----------------------------------------------------------------------------------


def current_snapshot(root: Path) -> Path | None:
    """The folder of the current snapshot, or None when nothing was imported."""
    marker = root / "CURRENT"
    if not marker.is_file():
        return None
    return root / "snapshots" / marker.read_text(encoding="utf-8").strip()


def load_manifest(root: Path) -> Manifest:
    """The current snapshot's manifest (an empty one before the first import)."""
    folder = current_snapshot(root)
    if folder is None:
        return Manifest(0)
    try:
        return Manifest.from_dict(json.loads((folder / "manifest.json").read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"{folder / 'manifest.json'}: unreadable event store manifest ({exc})"
        ) from exc


def source_path(root: Path, source: str) -> Path:
    """The Parquet dataset of ``source`` in the current snapshot; NotFound if none."""
    folder = current_snapshot(root)
    if folder is None or not (folder / source).is_dir():
        raise NotFound(f"no {source} events imported (forewarn events import FILE)")
    return folder / source


def dataset(root: Path, source: str) -> pads.Dataset:
    """The current ``source`` events as a pyarrow dataset (hive partitions iso3, year)."""
    return pads.dataset(str(source_path(root, source)), format="parquet", partitioning=HIVE)


def read_events(
    root: Path, source: str, iso3: str | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """Stored events as a pandas frame (one country's when ``iso3`` is given)."""
    data = dataset(root, source)
    where = pads.field("iso3") == iso3 if iso3 is not None else None
    table = data.to_table(columns=columns, filter=where)
    frame: pd.DataFrame = table.to_pandas()
    if "iso3" in frame:
        frame["iso3"] = frame["iso3"].astype("string")
    return frame


# --- importing --------------------------------------------------------------------------------


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


def _chunks(path: Path, fmt: formats.Format) -> tuple[Iterator[pd.DataFrame], str | None]:
    if fmt.name == "ged-geojson":
        frame, name = formats.geojson_frame(path, fmt)
        return iter([frame]), name
    return formats.csv_chunks(path, fmt), None


@dataclass
class _Staged:
    """What the staging pass found: files per partition, ids and rows, coverage."""

    folder: Path
    files: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    rows: dict[tuple[str, int], int] = field(default_factory=dict)
    hashes: list[Any] = field(default_factory=list)
    numbers: list[Any] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    events: int = 0
    skipped: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    def years(self) -> dict[str, tuple[int, int]]:
        spans: dict[str, tuple[int, int]] = {}
        for iso3, year in self.rows:
            low, high = spans.get(iso3, (year, year))
            spans[iso3] = (min(low, year), max(high, year))
        return spans


FLUSH_ROWS = 2_000_000
"""Validated events held in memory before they are written to the staging partitions."""


def _note_chunk(staged: _Staged, typed: pd.DataFrame, rows: Any) -> pd.DataFrame:
    staged.hashes.append(pd.util.hash_pandas_object(typed["id"], index=False).to_numpy())
    staged.numbers.append(np.asarray(rows, dtype=np.int64))
    staged.repaired.extend(typed.loc[typed["repaired"].to_numpy(), "id"].astype(str))
    staged.events += len(typed)
    first, last = typed["date_start"].min(), typed["date_start"].max()
    staged.first = first if staged.first is None else min(staged.first, first)
    staged.last = last if staged.last is None else max(staged.last, last)
    return typed.drop(columns=["repaired"])


def _flush(staged: _Staged, frames: list[pd.DataFrame], source: str, version: str) -> None:
    """Write the buffered events, one file per partition."""
    if not frames:
        return
    typed = pd.concat(frames, ignore_index=True).assign(source=source, version=version)
    frames.clear()
    number = len({n for names in staged.files.values() for n in names})
    for (iso3, year), group in typed.groupby(["iso3", "year"], sort=True, observed=True):
        key = (str(iso3), int(str(year)))
        folder = staged.folder / f"iso3={key[0]}" / f"year={key[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{number:05d}.parquet"
        _write(group.drop(columns=list(PARTITION_KEYS)), folder / name)
        staged.files.setdefault(key, []).append(name)
        staged.rows[key] = staged.rows.get(key, 0) + len(group)


def _write(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, schema=FILE_SCHEMA, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _compact(staged: _Staged) -> None:
    """One file per partition: partitions written by several flushes are merged, in order."""
    for key, names in staged.files.items():
        if len(names) == 1:
            continue
        folder = staged.folder / f"iso3={key[0]}" / f"year={key[1]}"
        table = pa.concat_tables([pq.read_table(folder / n, schema=FILE_SCHEMA) for n in names])
        pq.write_table(table, folder / "part-merged.parquet", compression="zstd")
        for name in names:
            (folder / name).unlink()
        (folder / "part-merged.parquet").rename(folder / "part-00000.parquet")
        staged.files[key] = ["part-00000.parquet"]


def _stage(
    path: Path,
    fmt: formats.Format,
    version: str,
    folder: Path,
    progress: Progress | None,
    repair: bool,
) -> _Staged:
    staged = _Staged(folder)
    chunks, _ = _chunks(path, fmt)
    read, buffered, held = 0, [], 0  # type: int, list[pd.DataFrame], int
    for raw in chunks:
        typed = typed_events(
            raw, str(path), code_kind=fmt.code_kind, types=fmt.gedtypes, repair=repair
        )
        rows = raw.index.to_numpy()
        read += len(raw)
        if not fmt.gedtypes:
            keep = (typed["type_of_violence"] != 0).to_numpy()
            staged.skipped += int((~keep).sum())
            typed, rows = typed[keep].reset_index(drop=True), rows[keep]
        buffered.append(_note_chunk(staged, typed, rows))
        held += len(typed)
        if held >= FLUSH_ROWS:
            _flush(staged, buffered, fmt.source, version)
            held = 0
        if progress is not None:
            progress(read)
    _flush(staged, buffered, fmt.source, version)
    if staged.events == 0:
        raise DataError(f"{path}: no events of organised violence to import")
    _check_unique(path, fmt, staged)
    _compact(staged)
    return staged


def _check_unique(path: Path, fmt: formats.Format, staged: _Staged) -> None:
    hashes = np.concatenate(staged.hashes)
    numbers = np.concatenate(staged.numbers)
    order = np.argsort(hashes, kind="stable")
    ranked = hashes[order]
    same = np.flatnonzero(ranked[1:] == ranked[:-1])
    if same.size == 0:
        return
    second = numbers[order[same + 1]]
    pick = int(np.argmin(second))
    row, first = int(second[pick]), int(numbers[order[same[pick]]])
    raise row_error(
        str(path), row, "id", f"duplicate id {_id_at(path, fmt, row)!r} (also at row {first})"
    )


def _id_at(path: Path, fmt: formats.Format, row: int) -> str:
    chunks, _ = _chunks(path, fmt)
    for raw in chunks:
        if row in raw.index:
            return str(raw.at[row, "id"]).strip()
    return "?"


def _covered(staged: _Staged, source: str) -> set[str]:
    return {
        f"{source}/{iso3}/{year}"
        for iso3, (low, high) in staged.years().items()
        for year in range(low, high + 1)
    }


def _refuse_older(manifest: Manifest, covered: set[str], version: str, path: Path) -> None:
    for key in sorted(covered):
        held = manifest.partitions.get(key)
        if held is not None and _version_key(held.version) > _version_key(version):
            raise DataError(
                f"{path}: version {version} is older than the {held.source} {held.version} "
                f"events already stored for {held.iso3} {held.year}; nothing imported"
            )


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _build_snapshot(
    root: Path, old: Manifest, staged: _Staged, record: ImportRecord, covered: set[str]
) -> Manifest:
    number = old.snapshot + 1
    folder = root / "snapshots" / f"{number:06d}"
    if folder.exists():
        shutil.rmtree(folder)
    previous = current_snapshot(root)
    partitions: dict[str, Partition] = {}
    for key, part in old.partitions.items():
        if key in covered:
            continue
        for name in part.files:
            assert previous is not None
            _link(previous / part.folder / name, folder / part.folder / name)
        partitions[key] = part
    for (iso3, year), names in sorted(staged.files.items()):
        part = Partition(
            record.source,
            iso3,
            year,
            record.version,
            record.file,
            record.sha256,
            staged.rows[(iso3, year)],
            tuple(names),
        )
        (folder / part.folder).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged.folder / f"iso3={iso3}" / f"year={year}"), folder / part.folder)
        partitions[part.key] = part
    _carry_repairs(previous, folder, staged, record)
    manifest = Manifest(number, dict(sorted(partitions.items())), (*old.imports, record))
    (folder / "manifest.json").write_text(json.dumps(manifest.as_dict(), indent=1), "utf-8")
    return manifest


def _carry_repairs(
    previous: Path | None, folder: Path, staged: _Staged, record: ImportRecord
) -> None:
    target = folder / "repairs"
    target.mkdir(parents=True, exist_ok=True)
    if previous is not None and (previous / "repairs").is_dir():
        for old in (previous / "repairs").iterdir():
            _link(old, target / old.name)
    if staged.repaired:
        lines = "\n".join(["id", *staged.repaired]) + "\n"
        (target / f"{record.source}-{record.sha256[:16]}.csv").write_text(lines, "utf-8")


def _switch(root: Path, manifest: Manifest) -> None:
    marker = root / "CURRENT"
    temporary = root / f".CURRENT-{uuid.uuid4().hex}"
    temporary.write_text(f"{manifest.snapshot:06d}\n", encoding="utf-8")
    os.replace(temporary, marker)
    for old in sorted((root / "snapshots").iterdir()):
        if old.name.isdigit() and int(old.name) <= manifest.snapshot - KEEP_SNAPSHOTS:
            shutil.rmtree(old, ignore_errors=True)


def _already(manifest: Manifest, sha256: str, fmt: formats.Format) -> ImportRecord | None:
    for record in reversed(manifest.imports):
        if record.sha256 == sha256 and record.format == fmt.name:
            held = [p for p in manifest.partitions.values() if p.sha256 == sha256]
            return record if held else None
    return None


def _version_of(path: Path, fmt: formats.Format, version: str | None) -> str:
    if version is not None:
        if not _version_key(version):
            raise DataError(f"--version {version!r}: expected numbers such as 23.1")
        return version
    found: str | None
    if fmt.name == "ged-geojson":
        found = formats.detect_version(path, fmt, _geojson_name(path))
    elif fmt.source == "ged":
        found = formats.detect_version(path, fmt)
    else:
        found = formats.acled_version(path)
    if found is None:
        raise DataError(
            f"{path}: cannot tell the {fmt.source.upper()} version of the file from "
            "its name; give --version (e.g. 23.1)"
        )
    return found


def _geojson_name(path: Path) -> str | None:
    head = formats.head_bytes(path).decode("utf-8", errors="replace")
    found = re.search(r'"name"\s*:\s*"([^"]*)"', head[:4096])
    return found[1] if found else None


def import_events(
    root: Path,
    path: Path,
    fmt_name: str | None = None,
    *,
    sha256: str,
    version: str | None = None,
    repair: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Validate ``path`` and store its events (see the module's description); ``sha256`` is
    the file's hash (the registry's, or computed by the caller); ``repair`` widens
    disagreeing death estimates instead of refusing the file."""
    fmt = formats.format_of(fmt_name or formats.guess_format(path))
    formats.head_bytes(path)
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / ".lock"), timeout=3600):
        manifest = load_manifest(root)
        done = _already(manifest, sha256, fmt)
        if done is not None:
            return ImportReport(done, True, 0, manifest.snapshot)
        chosen = _version_of(path, fmt, version)
        staging = root / f".staging-{uuid.uuid4().hex}"
        try:
            staged = _stage(path, fmt, chosen, staging / fmt.source, progress, repair)
            covered = _covered(staged, fmt.source)
            _refuse_older(manifest, covered, chosen, path)
            record = _record(path, fmt, chosen, sha256, staged, manifest, covered, now)
            new = _build_snapshot(root, manifest, staged, record, covered)
            _switch(root, new)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return ImportReport(record, False, len(staged.files), new.snapshot)


def _record(
    path: Path,
    fmt: formats.Format,
    version: str,
    sha256: str,
    staged: _Staged,
    manifest: Manifest,
    covered: set[str],
    now: dt.datetime | None,
) -> ImportRecord:
    assert staged.first is not None and staged.last is not None
    replaced = sum(1 for key in covered if key in manifest.partitions)
    return ImportRecord(
        path.name,
        sha256,
        fmt.name,
        fmt.source,
        version,
        staged.events,
        staged.skipped,
        tuple(sorted(staged.years())),
        staged.first.date().isoformat(),
        staged.last.date().isoformat(),
        (now or dt.datetime.now(dt.UTC)).isoformat(),
        replaced,
        len(staged.repaired),
    )
