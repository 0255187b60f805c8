"""From being told to acknowledging, with those told who never answered counted (both back
ends): a constructed history of four alerts whose owners were told, one of which answered."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.notify import told
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.response.waiting import Median, Within
from forewarn.store.db import transaction
from forewarn.store.tables import ActionRow, NotificationRow

from .conftest import MONDAY, CliResult, add_user, insert_alerts

NOW = dt.datetime(2025, 3, 12, 9, tzinfo=dt.UTC)
"""Wednesday 12 March 2025, 09:00 UTC: nine days after the alerts were raised."""


def _history(engine: Engine) -> list[int]:
    """Four watch alerts raised on Monday 3 March (two actions each, owned by amara). The
    owners of three were told at 10:00 that day, of the fourth only on Wednesday 12 March at
    08:00; one desk review was acknowledged at 15:00 on Monday, nothing else."""
    add_user(engine, "amara", "analyst")
    alerts = insert_alerts(
        engine, [{"iso3": c, "level": "watch"} for c in ("SDN", "ETH", "COD", "MLI")]
    )
    clock.tick(engine, load_ladder(Settings()), MONDAY)
    early, late = MONDAY + dt.timedelta(hours=1), NOW - dt.timedelta(hours=1)
    with transaction(engine) as session:
        for row in session.scalars(select(NotificationRow)):
            row.state = "delivered"
            row.delivered_at = late if row.alert_id == alerts[3] else early
        first = session.scalars(
            select(ActionRow).where(ActionRow.alert_id == alerts[0]).order_by(ActionRow.id)
        ).first()
        assert first is not None
        first.state, first.acknowledged_by = "acknowledged", "amara"
        first.acknowledged_at = MONDAY + dt.timedelta(hours=6)
    return alerts


def test_the_told_figure_counts_those_who_never_answered(engine: Engine) -> None:
    _history(engine)
    with Session(engine) as session:
        t = told.report(session, NOW).totals
    # the median over the one acknowledged alert is 5 hours, but two of the three others
    # told long ago never answered: over all alerts told, half is not reached
    assert (t.alerts, t.alerts_told, t.alerts_acknowledged_after) == (4, 4, 1)
    assert t.alerts_median_hours_to_ack == 5.0
    assert t.alerts_answer == Median("hours", 4, 1, 3, 5.0, None, 215.0)
    assert t.alerts_within == (
        Within(1, 3, 1, 1, 0.3333),
        Within(5, 3, 1, 1, 0.3333),
        Within(10, 0, 0, 4, None),
    )
    assert (t.actions, t.actions_told, t.actions_acknowledged_after) == (8, 8, 1)
    assert t.actions_answer == Median("hours", 8, 1, 7, 5.0, None, 215.0)
    assert t.actions_within[0] == Within(1, 6, 1, 2, 0.1667)


def test_the_median_over_everyone_told_once_most_answered(engine: Engine) -> None:
    alerts = _history(engine)
    with transaction(engine) as session:  # the next day, the other two told long ago answer
        for row in session.scalars(select(ActionRow).where(ActionRow.acknowledged_at.is_(None))):
            if row.action == "desk_review" and row.alert_id in alerts[1:3]:
                row.state, row.acknowledged_by = "acknowledged", "amara"
                hours = 2 + alerts.index(row.alert_id)
                row.acknowledged_at = MONDAY + dt.timedelta(days=1, hours=hours)
    with Session(engine) as session:
        t = told.report(session, NOW).totals
    # answers after 5, 26 and 27 hours; the fourth alert, told an hour ago, still waits
    assert t.alerts_answer == Median("hours", 4, 3, 1, 26.0, 26.0, 1.0)
    assert t.alerts_within[0] == Within(1, 3, 3, 1, 1.0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gap_prints_the_told_figure_with_the_unanswered(
    cli: Callable[..., CliResult], engine: Engine, tmp_path: Path
) -> None:
    _history(engine)
    out = cli("gap", "--now", NOW.isoformat(), "--json", str(tmp_path / "gap.json"))
    assert out.exit_code == 0, out.stderr
    said = " ".join(out.stdout.split())  # the sentences wrap at the width
    assert "alerts acknowledged within 5 working days of being told: 1 of 3 (33%); 1 too " \
        "recent to judge" in said  # fmt: skip
    assert "median hours to acknowledgement, all 4 alerts told: not reached (3 still " \
        "waiting, the longest 215.0h)" in said  # fmt: skip
    data = json.loads((tmp_path / "gap.json").read_text("utf-8"))
    assert data["told"]["totals"]["alerts_answer"]["answered_only"] == 5.0
    assert data["told"]["totals"]["alerts_answer"]["all_cases"] is None
