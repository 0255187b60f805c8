"""The Dask path: a real LocalCluster (two worker processes) gives exactly the results of the
one-process path, for the event series and for model fits (a backtest, a bootstrap band)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from forewarn.cluster import dask_client, fits_on
from forewarn.config import Settings
from forewarn.data.panel import Panel, load_panel
from forewarn.evaluation.backtest import run_backtest
from forewarn.evaluation.splits import ewp_origins
from forewarn.events import monthly
from forewarn.events.storage import events_root
from forewarn.events.synthetic import ged_template, write_synthetic
from forewarn.models.forecast import forecast
from forewarn.models.registry import get_model, sklearn_spec

from .conftest import import_file

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask")]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One LocalCluster for the module: two single-threaded worker processes."""
    with dask_client("local", workers=2, memory_limit="1GB") as found:
        assert len(found.scheduler_info()["workers"]) == 2
        yield found


@pytest.fixture(scope="module")
def many_countries(caf_geojson: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 30,000 synthetic events in 12 countries, with small batches so that the
    Dask run has many partitions."""
    folder = tmp_path_factory.mktemp("synthetic")
    path = write_synthetic(
        folder / "GEDEvent_v23_1_synthetic.csv",
        ged_template(caf_geojson),
        30_000,
        countries=12,
        provinces=5,
        chunk=7_000,
    )
    root = events_root(folder)
    import_file(root, path, repair=True)
    return root


@pytest.fixture(scope="module")
def panel(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Panel:
    root = tmp_path_factory.mktemp("panel")
    return load_panel(Settings(data_mirror=mirror, cache_dir=root / "cache", data_dir=root))


def test_the_series_on_the_cluster_equal_the_one_process_series(
    client: Any, caf_store: Path, many_countries: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monthly, "BATCH_ROWS", 500)
    for root, iso3 in ((caf_store, "CAF"), (many_countries, None)):
        local = monthly.counts(root, "ged", iso3)
        batches = monthly.file_batches(monthly.storage.load_manifest(root), "ged", iso3)
        assert len(batches) > 1
        remote = monthly.counts(root, "ged", iso3, client=client)
        pd.testing.assert_frame_equal(local, remote)
        some = sorted(set(local["iso3"]))[0]
        span = monthly.span_of(local[local["iso3"] == some], None, None)
        for admin1 in (False, True):
            pd.testing.assert_frame_equal(
                monthly.series(local, some, span, admin1=admin1),
                monthly.series(remote, some, span, admin1=admin1),
            )
    assert local["iso3"].nunique() == 12


def test_a_backtest_on_the_cluster_equals_the_local_backtest(client: Any, panel: Panel) -> None:
    origins = ewp_origins(2015, 2016)
    for spec in (
        sklearn_spec("logit", LogisticRegression(max_iter=300, C=0.05)),
        get_model("forewarn-ensemble"),
    ):
        local = run_backtest(spec, panel.frame, origins, workers=2)
        with fits_on(client):
            remote = run_backtest(spec, panel.frame, origins, workers=2)
        pd.testing.assert_frame_equal(local.predictions, remote.predictions, check_exact=True)
        assert local.metrics == remote.metrics


def test_the_bootstrap_band_on_the_cluster_equals_the_local_band(client: Any, panel: Panel) -> None:
    spec = get_model("ewp-elasticnet")
    local = forecast(spec, panel, 2015, replicates=4)
    with fits_on(client):
        remote = forecast(spec, panel, 2015, replicates=4)
    for column in ("risk_2y", "low", "high"):
        assert np.array_equal(local.table[column].to_numpy(), remote.table[column].to_numpy())
