"""Brief fixtures: a small hand-made forecast, and a database with an assessment, alerts and
actions made through the real repository functions and the clock."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from forewarn.config import Settings
from forewarn.framework.assessments import Assessment, Evidence, Judgement
from forewarn.reports.inputs import ForecastInputs
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store.alerts import record_alert, record_alerts
from forewarn.store.assessments import save_assessments
from forewarn.store.db import open_database, transaction
from forewarn.warning.alerts import AlertCandidate

RAISED = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
"""Monday 3 March 2025: the alerts are raised and the clock opens their actions."""
NOW = dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.UTC)
"""The moment the briefs are made: several deadlines have passed."""
SECRET = "Name and village of the informant who saw the arms cache"
PUBLIC = "Curfew orders targeting one minority, published in the official gazette"
FOREWARN = Path(sys.executable).with_name("forewarn")

COUNTRIES = [
    (775, "MMR", "Myanmar", 0.063, 0.104, -0.003, 0.071, 0.149),
    (625, "SDN", "Sudan", 0.046, 0.081, -0.025, 0.052, 0.122),
    (483, "TCD", "Chad", 0.036, 0.079, -0.046, 0.049, 0.121),
    (530, "ETH", "Ethiopia", 0.030, 0.048, -0.013, 0.028, 0.079),
    (385, "NOR", "Norway", 0.0004, 0.0009, 0.0001, 0.0003, 0.0021),
]
MMR_DRIVERS = [
    ("coup.try.5yr", 0.60),
    ("pol_killing_approved", 0.50),
    ("even_civilrights", 0.38),
    ("battledeaths.log2", 0.33),
    ("popsize.log2", 0.28),
    ("discrimpop", 0.21),
    ("partyban.new.0", -0.18),
    ("un_imr_sqrt", 0.17),
    ("reg.sca", 0.0),
    ("year", -0.02),
]


def _forecast() -> pd.DataFrame:
    columns = ["ccode", "iso3", "country", "risk_1y", "risk_2y", "change", "low", "high"]
    frame = pd.DataFrame(COUNTRIES, columns=columns)
    frame["rank"] = frame["risk_2y"].rank(ascending=False, method="min").astype(int)
    return frame


def _history() -> pd.DataFrame:
    rows = []
    for _, iso3, _, _, risk, _, low, high in COUNTRIES:
        for year in range(2014, 2024):
            scale = 0.6 + 0.04 * (year - 2014)
            onset = iso3 == "MMR" and year in (2016, 2021)
            rows.append((iso3, year, risk * scale, low * scale, high * scale, onset))
    return pd.DataFrame(rows, columns=["iso3", "year", "risk_2y", "low", "high", "onset"])


@pytest.fixture
def inputs() -> ForecastInputs:
    """A realistic forecast of five countries from base year 2024, made by hand."""
    return ForecastInputs(
        base_year=2024,
        forecast=_forecast(),
        contributions={"MMR": MMR_DRIVERS, "SDN": [("battledeaths.log2", 0.4)]},
        history=_history(),
        source="hand-made test forecast",
    )


def _assessment() -> Assessment:
    public = Evidence(PUBLIC, "official gazette", dt.date(2025, 2, 10), "A", 1, confidential=False)
    secret = Evidence(SECRET, "interview", dt.date(2025, 2, 12), "B", 2, confidential=True)
    return Assessment(
        "MMR",
        dt.date(2025, 2, 20),
        "analyst-a",
        (
            Judgement("9.1", "present-strong", (public, secret)),
            Judgement("8.1", "present-weak"),
            Judgement("7.3", "absent"),
        ),
    )


def _candidate(iso3: str, ccode: int, country: str, level: str, rule: str) -> AlertCandidate:
    snapshot = {"rule": rule, "level": level, "forecast": {"risk_2y": 0.1}}
    return AlertCandidate(iso3, ccode, country, level, rule, 2024, snapshot)


@dataclass(frozen=True)
class Scenario:
    engine: Engine
    settings: Settings


def _scenario(settings: Settings) -> Scenario:
    engine = open_database(settings)
    with transaction(engine) as session:
        save_assessments(session, [_assessment()])
        candidates = [
            _candidate("MMR", 775, "Myanmar", "emergency", "specific-factor-strong"),
            _candidate("SDN", 625, "Sudan", "warning", "risk-4pct"),
        ]
        record_alerts(session, candidates, RAISED, on_new=record_alert)
    ladder = load_ladder(settings)
    clock.tick(engine, ladder, RAISED)
    clock.tick(engine, ladder, NOW)
    return Scenario(engine, settings)


@pytest.fixture
def scenario(db_settings: Settings) -> Iterator[Scenario]:
    """On both back ends: an assessment of Myanmar (one confidential evidence item), an
    emergency alert for Myanmar and a warning for Sudan raised on RAISED, and the clock run
    on RAISED and on NOW."""
    made = _scenario(db_settings)
    yield made
    made.engine.dispose()


@pytest.fixture
def sqlite_scenario(settings: Settings) -> Iterator[Scenario]:
    """The same scenario on SQLite only (for rendering, which does not depend on the back end)."""
    made = _scenario(settings)
    yield made
    made.engine.dispose()


def cli_env(settings: Settings) -> dict[str, str]:
    """The FOREWARN_* variables that point a CLI run at the test's database and data."""
    return {
        "FOREWARN_DATABASE_URL": settings.resolved_database_url(),
        "FOREWARN_DATA_DIR": str(settings.data_dir),
        "FOREWARN_CACHE_DIR": str(settings.cache_dir),
        "FOREWARN_DATA_MIRROR": str(settings.data_mirror),
    }


def run_cli(settings: Settings, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``forewarn ARGS`` as a real process on the test database and data mirror."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env.update(cli_env(settings))
    return subprocess.run(
        [str(FOREWARN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
