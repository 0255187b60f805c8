"""The data registry: mirror, cache, hash verification, status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.errors import DataError


def _copy_to(settings_root: Path, mirror: Path, name: str) -> Path:
    item = registry.dataset(name)
    target = settings_root / item.relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(mirror / item.relpath, target)
    return target


def test_every_dataset_is_pinned_by_url_and_hash(mirror: Path) -> None:
    for item in registry.DATASETS:
        assert item.url.startswith("https://raw.githubusercontent.com/")
        assert len(item.sha256) == 64
        assert registry.sha256_of(mirror / item.relpath) == item.sha256


def test_fetch_reads_the_mirror_and_verifies_it(settings: Settings, mirror: Path) -> None:
    path = registry.fetch("ewp-panel", settings)
    assert path == mirror / "ewp-2025/prepared2024predictors-2025-09-03.csv"
    assert (
        registry.status(registry.dataset("ewp-panel"), settings).status is registry.Status.VERIFIED
    )


def test_fetch_falls_back_to_the_cache(tmp_path: Path, mirror: Path) -> None:
    cache = tmp_path / "cache"
    cached = _copy_to(cache, mirror, "ewp-coefficients")
    settings = Settings(data_mirror=tmp_path / "empty-mirror", cache_dir=cache)
    assert registry.fetch("ewp-coefficients", settings) == cached
    assert registry.status(registry.dataset("ewp-coefficients"), settings).source == "cache"


def test_hash_mismatch_in_cache_is_an_error_not_a_redownload(tmp_path: Path, mirror: Path) -> None:
    cache = tmp_path / "cache"
    cached = _copy_to(cache, mirror, "ewp-coefficients")
    cached.write_text(cached.read_text() + "tampered\n")
    settings = Settings(data_mirror=None, cache_dir=cache)
    with pytest.raises(DataError, match=r"coefficients_3Sep2025\.csv: SHA-256 mismatch"):
        registry.fetch("ewp-coefficients", settings)
    assert cached.read_text().endswith("tampered\n")  # left in place for inspection
    st = registry.status(registry.dataset("ewp-coefficients"), settings)
    assert st.status is registry.Status.MISMATCH


def test_hash_mismatch_in_mirror_names_the_file(tmp_path: Path, mirror: Path) -> None:
    fake_mirror = tmp_path / "mirror"
    copied = _copy_to(fake_mirror, mirror, "ewp-forecasts")
    copied.write_bytes(copied.read_bytes()[:-10])
    settings = Settings(data_mirror=fake_mirror, cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match=r"final_forecasts_data_3Sep2025\.csv"):
        registry.fetch("ewp-forecasts", settings)


def test_missing_everywhere_reports_not_downloaded(tmp_path: Path) -> None:
    settings = Settings(data_mirror=tmp_path / "m", cache_dir=tmp_path / "c")
    st = registry.status(registry.dataset("unsc-vetoes"), settings)
    assert (st.status, st.path, st.source) == (registry.Status.MISSING, None, "origin")


def test_unknown_dataset_is_a_data_error() -> None:
    with pytest.raises(DataError, match="unknown dataset 'nope'"):
        registry.dataset("nope")
