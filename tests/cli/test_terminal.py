"""Readable in an 80-column terminal: real ``forewarn`` processes run with ``COLUMNS=80``;
no line is wider, and no date, country, level or rule name is cut off."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import ActionRow, AlertRow

FOREWARN = str(Path(sys.executable).with_name("forewarn"))
RAISED = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
SNAPSHOT = {
    "rule": "specific-factor-strong",
    "level": "emergency",
    "fired": [
        {"rule": "specific-factor-strong", "level": "emergency",
         "values": {"factor": "RF9", "share": 0.41, "min_share": 0.35}},
        {"rule": "top-30", "level": "watch", "values": {"rank": 4, "max_rank": 30}},
    ],
    "forecast": {
        "risk_1y": 0.031, "risk_2y": 0.0712, "risk_2y_prev": 0.05, "rank": 4, "low": 0.02,
        "high": 0.13,
        "drivers": [{"feature": "discrimpop", "value": 0.58,
                     "label": "Share of population subject to state discrimination"}],
    },
    "assessment_ids": [],
    "data": {"file": "prepared2024predictors-2025-09-03.csv", "sha256": "ab" * 32},
    "model": {"name": "forewarn-ensemble", "version": "1", "param_hash": "cd" * 32},
    "rules_file": "packaged default",
    "base_year": 2024,
}  # fmt: skip
ALERTS = [
    ("CAF", "Central African Republic", "emergency", "specific-factor-strong"),
    ("BIH", "Bosnia and Herzegovina", "warning", "common-factors-high"),
    ("MMR", "Myanmar", "watch", "top-30"),
]


@pytest.fixture
def recorded(db_settings: Settings) -> Settings:
    """Three alerts with long country and rule names, and the actions the ladder opens."""
    engine = open_database(db_settings)
    with transaction(engine) as session:
        session.add_all(
            AlertRow(iso3=iso3, seq=1, country=name, level=level, rule=rule, base_year=2024,
                     created_at=RAISED, snapshot=SNAPSHOT if iso3 == "CAF" else {"rule": rule})
            for iso3, name, level, rule in ALERTS
        )  # fmt: skip
    clock.tick(engine, load_ladder(db_settings), RAISED + dt.timedelta(days=9))
    engine.dispose()
    return db_settings


def forewarn(settings: Settings, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env |= {"FOREWARN_DATABASE_URL": settings.resolved_database_url(),
            "FOREWARN_DATA_DIR": str(settings.data_dir), "COLUMNS": str(columns)}  # fmt: skip
    return subprocess.run([FOREWARN, *args], capture_output=True, text=True, env=env, timeout=120)


def fits(out: str, columns: int = 80) -> None:
    wide = [line for line in out.splitlines() if len(line) > columns]
    assert not wide, "\n".join(wide)
    cut = [line for line in out.splitlines() if line[:1] in "│┃" and "…" in line]
    assert not cut, "\n".join(cut)  # no table cell cut off


def rows(out: str, table: int = 0) -> list[list[str]]:
    """The body rows of a table in ``out`` (the first by default): each cell's lines joined
    by a space."""
    found: list[list[list[str]]] = []
    body = False
    for line in out.splitlines():
        if line.startswith("┡"):
            body = table == 0
        elif line.startswith("└"):
            if body:
                break
            table -= 1
        elif body and line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0] or not found:
                found.append([[c] if c else [] for c in cells])
            else:
                for parts, cell in zip(found[-1], cells, strict=True):
                    parts.extend([cell] if cell else [])
    return [[" ".join(parts) for parts in row] for row in found]


def test_alerts_list_at_80_columns_keeps_dates_countries_levels_and_rules(
    recorded: Settings,
) -> None:
    out = forewarn(recorded, "alerts", "list")
    assert out.returncode == 0, out.stderr
    fits(out.stdout)
    shown = [" ".join(row) for row in rows(out.stdout)]
    assert len(shown) == 3
    for (iso3, name, level, rule), row in zip(reversed(ALERTS), shown, strict=True):
        assert f"{name} ({iso3})" in row and level in row and rule in row, row
        assert "2025-03-03" in row and "09:00" in row, row
    wide = forewarn(recorded, "alerts", "list", columns=140)
    fits(wide.stdout, 140)
    head = wide.stdout.splitlines()[2]
    assert "│ level " in head.replace("┃", "│") and "│ rule " in head.replace("┃", "│")


def test_gap_at_80_columns_keeps_countries_and_levels(recorded: Settings) -> None:
    out = forewarn(recorded, "gap", "--now", "2025-03-12T09:00")
    assert out.returncode == 0, out.stderr
    fits(out.stdout)
    table = rows(out.stdout)
    assert [(row[1], row[2]) for row in table] == [(name, level) for _, name, level, _ in ALERTS]
    assert all(row[-1].count("/") == 3 for row in table)  # esc/ovd/ref/blk
    assert "esc/ovd/ref/blk: actions escalated / overdue / refused / blocked" in out.stdout
    said = " ".join(out.stdout.split())
    assert "3 alerts: 0 acknowledged" in said and "3 never answered" in said


def test_actions_list_shows_the_country_and_filters_by_it(recorded: Settings) -> None:
    engine = open_database(recorded)
    with Session(engine) as session:
        caf = session.query(AlertRow.id).filter(AlertRow.iso3 == "CAF").scalar()
        expected = sorted(r.id for r in session.query(ActionRow).filter(ActionRow.alert_id == caf))
    engine.dispose()
    assert expected
    for spelling in ("CAF", "central african republic"):
        out = forewarn(recorded, "actions", "list", "--country", spelling)
        assert out.returncode == 0, out.stderr
        fits(out.stdout)
        table = rows(out.stdout)
        assert sorted(int(row[0]) for row in table) == expected
        assert all(f"{caf} Central African Republic (CAF)" == row[1] for row in table)
    every = forewarn(recorded, "actions", "list", columns=160)
    fits(every.stdout, 160)
    assert {row[2] for row in rows(every.stdout)} == {f"{n} ({i})" for i, n, _, _ in ALERTS}
    as_json = json.loads(forewarn(recorded, "actions", "list", "--country", "caf", "--json").stdout)
    assert sorted(a["id"] for a in as_json) == expected
    assert {(a["iso3"], a["country"]) for a in as_json} == {("CAF", "Central African Republic")}
    bad = forewarn(recorded, "actions", "list", "--country", "Narnia")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "error: unknown country 'Narnia'\n"


def test_alerts_show_is_readable_and_json_on_request(recorded: Settings) -> None:
    engine = open_database(recorded)
    with ledger.snapshot(engine) as session:
        caf = session.query(AlertRow.id).filter(AlertRow.iso3 == "CAF").scalar()
    engine.dispose()
    out = forewarn(recorded, "alerts", "show", str(caf))
    assert out.returncode == 0, out.stderr
    fits(out.stdout)
    text = out.stdout
    assert text.startswith(f"Alert {caf} — Central African Republic (CAF): EMERGENCY")
    assert not text.lstrip().startswith("{")
    for shown in ("2025-03-03 09:00 UTC", "specific-factor-strong", "factor RF9, share 0.41",
                  "rank 4, max_rank 30", "7.1% (band 2.0%–13.0%)", "5.0% (+2.1 pp)",
                  "+0.58  Share of population subject to state discrimination",
                  "prepared2024predictors-2025-09-03.csv", "ab" * 32, "forewarn-ensemble",
                  "packaged default", f"forewarn alerts show {caf} --json"):  # fmt: skip
        assert shown in text, shown
    record = json.loads(forewarn(recorded, "alerts", "show", str(caf), "--json").stdout)
    assert record["id"] == caf and record["snapshot"] == SNAPSHOT
    missing = forewarn(recorded, "alerts", "show", "9999")
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1


def test_version_prints_the_package_version_without_loading_the_commands() -> None:
    out = subprocess.run([FOREWARN, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"forewarn {importlib.metadata.version('forewarn')}\n"
    probe = (
        "import sys; from forewarn import cli; cli._application(['forewarn', '--version']); "
        "print('pandas' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False False"
    helped = subprocess.run([FOREWARN, "--help"], capture_output=True, text=True)
    assert "--version  Show the version and exit." in helped.stdout


@pytest.mark.slow
def test_demo_at_80_columns_names_every_model_and_column(settings: Settings) -> None:
    env = {**os.environ, "COLUMNS": "80", "FOREWARN_DATA_MIRROR": str(settings.data_mirror),
           "FOREWARN_CACHE_DIR": str(settings.cache_dir),
           "FOREWARN_DATA_DIR": str(settings.data_dir)}  # fmt: skip
    out = subprocess.run([FOREWARN, "demo"], capture_output=True, text=True, env=env, timeout=1800)
    assert out.returncode == 0, out.stderr
    fits(out.stdout)
    scores = {row[0]: row[1:] for row in rows(out.stdout)}
    assert set(scores) >= {"AUC", "top30", "time (s)"}
    head = out.stdout.split("┡")[0]
    assert "ewp-elasticnet" in head and "forewarn-ensemble" in head
    sudan = next(row for row in rows(out.stdout, 1) if "Sudan (SDN)" in row[1])
    assert "Share of population subject to state discrimination" in sudan[1]


def test_events_monthly_fits_80_columns_and_keeps_everything_at_150(
    settings: Settings, mirror: Path
) -> None:
    from forewarn.data import registry
    from forewarn.events.storage import events_root, import_events

    path = mirror / registry.dataset("ucdp-ged-caf").relpath
    import_events(
        events_root(settings.data_dir), path, sha256=registry.sha256_of(path), repair=True
    )
    args = ("events", "monthly", "CAF", "--from", "2013-06", "--to", "2013-08")
    narrow = forewarn(settings, *args)
    assert narrow.returncode == 0, narrow.stderr
    fits(narrow.stdout)
    july = next(r for r in rows(narrow.stdout) if r[0] == "2013-07")
    assert july[1:4] == ["6", "223", "222"]  # events, deaths, civilian deaths (GED 23.1)
    assert "--json for the low-high range" in " ".join(narrow.stdout.split())
    wide = forewarn(settings, *args, columns=150)
    fits(wide.stdout, 150)
    july = next(r for r in rows(wide.stdout) if r[0] == "2013-07")
    assert "223-223" in july and "222 (220/2)" in july  # range and perpetrators kept
