"""``forewarn models|backtest|forecast|demo`` end to end, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PANEL = "ewp-2025/prepared2024predictors-2025-09-03.csv"
FOREWARN = str(Path(sys.executable).with_name("forewarn"))


def run(args: list[str], mirror: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOREWARN_DATA_MIRROR": str(mirror),
           "FOREWARN_CACHE_DIR": str(tmp_path / "cache"),
           "FOREWARN_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    return subprocess.run([FOREWARN, *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)  # fmt: skip


def test_models_json(mirror: Path, tmp_path: Path) -> None:
    done = run(["models", "--json"], mirror, tmp_path)
    assert done.returncode == 0, done.stderr
    models = json.loads(done.stdout)
    assert {"ewp-elasticnet", "forewarn-ensemble"} <= {m["name"] for m in models}
    assert [m["name"] for m in models if m["default"]] == ["forewarn-ensemble"]
    assert all(set(m) == {"name", "description", "default"} for m in models)


def test_backtest_json_and_csv(mirror: Path, tmp_path: Path) -> None:
    out, csv = tmp_path / "bt.json", tmp_path / "bt.csv"
    done = run(["backtest", "--model", "ewp-elasticnet", "--json", str(out), "--csv", str(csv)],
               mirror, tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(out.read_text())
    for key in ("model", "protocol", "onsets", "auc", "recall_at_10", "recall_at_20",
                "recall_at_30", "caught_at_30", "brier", "log_loss", "seconds",
                "reliability", "onset_list"):  # fmt: skip
        assert key in summary
    assert summary["model"] == "ewp-elasticnet" and summary["protocol"] == "ewp-foos"
    assert summary["onsets"] == 39 and summary["caught_at_30"] == 27
    assert abs(summary["auc"] - 0.825) < 0.01
    rows = pd.read_csv(csv)
    assert {"ccode", "iso3", "country", "year", "train_end", "risk", "rank"} <= set(rows.columns)
    assert rows["year"].min() == 1993 and rows["year"].max() == 2023
    assert "0.825" in done.stdout


def test_forecast_out(mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    done = run(["forecast", "--model", "ewp-elasticnet", "--base-year", "2024", "--out", str(out),
                "--top", "5"], mirror, tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    for col in ("ccode", "iso3", "country", "risk_1y", "risk_2y", "rank", "change", "low",
                "high", "drivers"):  # fmt: skip
        assert col in table.columns
    assert table.loc[0, "iso3"] == "MMR" and table.loc[0, "rank"] == 1
    assert "Myanmar" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backtest", "--model", "nope"], "unknown model 'nope'"),
        (["forecast", "--model", "ewp-elasticnet", "--base-year", "1900"], "base year 1900"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], message: str, mirror: Path, tmp_path: Path) -> None:
    done = run(args, mirror, tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _truncated(lines: list[str]) -> str:
    text = "".join(lines)
    return text[: len(text) // 2]


def _missing_column(lines: list[str]) -> str:
    return "".join(",".join(line.rstrip("\n").split(",")[:-1]) + "\n" for line in lines)


def _duplicated(lines: list[str]) -> str:
    return "".join([*lines, lines[1]])


def _text_in_number(lines: list[str]) -> str:
    fields = lines[5].split(",")
    fields[2] = "many"  # widetargeting
    return "".join([*lines[:5], ",".join(fields), *lines[6:]])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_truncated, "fields where the header has"),
        (_missing_column, "missing column"),
        (_duplicated, "duplicated country-year"),
        (_text_in_number, "not a number: 'many'"),
    ],
    ids=["truncated", "missing-column", "duplicate", "text"],
)
def test_bad_data_files_exit_2_in_one_line(
    edit: object, message: str, mirror: Path, tmp_path: Path
) -> None:
    assert callable(edit)
    bad = tmp_path / "panel.csv"
    bad.write_text(edit((mirror / PANEL).read_text().splitlines(keepends=True)))
    command = "forecast" if edit is _duplicated else "backtest"
    done = run([command, "--model", "ewp-elasticnet", "--data", str(bad)], mirror, tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_demo_runs_and_second_run_reads_the_cache(mirror: Path, tmp_path: Path) -> None:
    first = run(["demo"], mirror, tmp_path)
    assert first.returncode == 0, first.stderr
    for text in ("1. Data", "ewp-elasticnet", "forewarn-ensemble", "2025-2026", "27/39"):
        assert text in first.stdout
    second = run(["demo"], mirror, tmp_path)
    assert second.returncode == 0 and second.stdout == first.stdout
