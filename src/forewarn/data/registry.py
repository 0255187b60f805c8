"""Registry of named public datasets: origin URL, SHA-256, local mirror and user cache.

Resolution order for a file: the mirror folder (``FOREWARN_DATA_MIRROR``) when it holds the
file, then the user cache, then a download with pooch into the cache. A file whose hash does
not match is an error naming the file; it is never silently replaced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forewarn.config import Settings
from forewarn.errors import DataError

EWP_COMMIT = "548cad77147d54cb59e529e7d390a6a7bdfe83b5"
EWP_BASE = (
    "https://raw.githubusercontent.com/EarlyWarningProject/2025-Statistical-Risk-Assessment/"
    f"{EWP_COMMIT}/"
)
UNSC_COMMIT = "661c5246872143cf16e500e4e7f2f70a45df5ac8"
GED_CAF_COMMIT = "be05b36cd56d147ca1d47bb392c186b6b7447d56"
GED_CAF_URL = f"https://raw.githubusercontent.com/optgeo/ucdp-23.1-482/{GED_CAF_COMMIT}/GEDEvent_v23_1.geojson"
UNSC_BASE = (
    "https://raw.githubusercontent.com/world-politics-datalab/vetoes-un-security-council/"
    f"{UNSC_COMMIT}/"
)


@dataclass(frozen=True)
class Dataset:
    """One file of a public dataset, pinned by URL and hash."""

    name: str
    relpath: str
    url: str
    sha256: str
    description: str


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "ewp-panel",
        "ewp-2025/prepared2024predictors-2025-09-03.csv",
        EWP_BASE + "3.Modeling/prepared2024predictors-2025-09-03.csv",
        "92ade125d6e2d41742d373169c81a14bd623f48b4d865c72433f5f0296bf1780",
        "EWP country-year panel, 1960-2024: 39 predictors and mass-killing onsets",
    ),
    Dataset(
        "ewp-forecasts",
        "ewp-2025/final_forecasts_data_3Sep2025.csv",
        EWP_BASE + "3.Modeling/final_forecasts_data_3Sep2025.csv",
        "1f6bb285e934aff927eb9cb414882e92d22fb8ffb041e3a70fb3da53efc5cb5d",
        "EWP published forecasts from base year 2024",
    ),
    Dataset(
        "ewp-coefficients",
        "ewp-2025/coefficients_3Sep2025.csv",
        EWP_BASE + "3.Modeling/coefficients_3Sep2025.csv",
        "299ecf94d7eabb21bd5032b328f7890b54d9897420c250128868c9e36d1dfbec",
        "EWP published elastic-net coefficients",
    ),
    Dataset(
        "ewp-basedata",
        "ewp-2025/basedata2025_4august2025.csv",
        EWP_BASE + "1.Buildcountryyears_and_mk_data/basedata2025_4august2025.csv",
        "917721d5c44e3956ddccba2266c51279fadf817b57bd0ced4f34aa343ba3097d",
        "EWP country-year base data with mass-killing episode coding since 1934",
    ),
    Dataset(
        "ewp-episodes",
        "ewp-2025/mass-killing-events-master-list-2025.xlsx",
        EWP_BASE
        + "1.Buildcountryyears_and_mk_data/EWP%20mass%20killing%20events%20master%20list_2025.xlsx",
        "308133ad1d049dfa861d36ee3c92e68eda58d61fd28b17c73a841d51984b67e4",
        "EWP list of mass-killing episodes since 1945",
    ),
    Dataset(
        "unsc-vetoes",
        "unsc/unsc_vetoes_1946_sept2022.csv",
        UNSC_BASE + "unsc_vetoes_1946_sept2022.csv",
        "d6b65d698d8f4e5a6eddcd922e7659b40e22d262940f1440b51360929d87ab74",
        "UN Security Council vetoes, 1946 - 8 July 2022 (World Politics Data Lab)",
    ),
    Dataset(
        "ucdp-ged-caf",
        "ucdp-ged/GEDEvent_v23_1_CAF.geojson",
        GED_CAF_URL,
        "50d8777d20bfae5be57e96dd49289483c70f8cbf6afd8d7962a8a6cb4c8d6bc0",
        "UCDP GED 23.1 events in the Central African Republic, 1991-2022 (1,848 events)",
    ),
)


class Status(StrEnum):
    """Where a dataset stands on this machine."""

    VERIFIED = "verified"
    MISMATCH = "hash mismatch"
    MISSING = "not downloaded"


@dataclass(frozen=True)
class Availability:
    """The answer of :func:`status` for one dataset."""

    dataset: Dataset
    path: Path | None
    source: str
    status: Status


def dataset(name: str) -> Dataset:
    """The registered dataset called ``name``."""
    for item in DATASETS:
        if item.name == name:
            return item
    known = ", ".join(d.name for d in DATASETS)
    raise DataError(f"unknown dataset {name!r} (known: {known})")


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _candidates(item: Dataset, settings: Settings) -> Iterator[tuple[str, Path]]:
    if settings.data_mirror is not None:
        yield "mirror", settings.data_mirror / item.relpath
    yield "cache", settings.cache_dir / item.relpath


def status(item: Dataset, settings: Settings) -> Availability:
    """Where ``item`` would be read from and whether its hash checks out (no download)."""
    for source, path in _candidates(item, settings):
        if path.is_file():
            ok = sha256_of(path) == item.sha256
            return Availability(item, path, source, Status.VERIFIED if ok else Status.MISMATCH)
    return Availability(item, None, "origin", Status.MISSING)


def _checked(item: Dataset, path: Path) -> Path:
    actual = sha256_of(path)
    if actual != item.sha256:
        raise DataError(
            f"{path}: SHA-256 mismatch for dataset {item.name} "
            f"(expected {item.sha256[:12]}…, found {actual[:12]}…); "
            "the file is corrupt or not the pinned version"
        )
    return path


def fetch(name: str, settings: Settings) -> Path:
    """A verified local path for dataset ``name``, downloading into the cache if needed."""
    item = dataset(name)
    for _source, path in _candidates(item, settings):
        if path.is_file():
            return _checked(item, path)
    target = settings.cache_dir / item.relpath
    import pooch  # only to download (its import costs every command that reads data)

    try:
        fetched = pooch.retrieve(
            item.url,
            known_hash=f"sha256:{item.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
    except ValueError as exc:  # pooch reports a hash mismatch of the download this way
        raise DataError(f"{item.url}: downloaded file fails its SHA-256 check ({exc})") from exc
    except Exception as exc:  # network failures come in many types; report them in one line
        raise DataError(f"{item.name}: cannot download {item.url} ({type(exc).__name__})") from exc
    return Path(fetched)
