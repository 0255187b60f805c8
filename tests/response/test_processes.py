"""Real `forewarn tick` processes: killed mid-write, and two at once, on both back ends."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.response import clock
from forewarn.response.ladder import Ladder
from forewarn.store.db import open_database
from forewarn.store.tables import ActionRow, AlertIntakeRow, LedgerRow

from .conftest import MONDAY, count_rows, insert_alerts, spawn_cli

LEVELS = ("watch", "warning", "emergency")

# these tests start real processes; one xdist worker runs them one after the other
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("forewarn-processes")]


def _scenario(engine: Engine, ladder: Ladder, n: int) -> int:
    """``n`` alerts of every level raised on 3 March 2025; returns the actions they open."""
    specs = [{"iso3": f"{i:03d}", "seq": 1, "level": LEVELS[i % 3]} for i in range(n)]
    insert_alerts(engine, specs)
    return sum(len(ladder.actions_for(s["level"])) for s in specs)


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def _reported(out: str, what: str) -> int:
    match = re.search(rf"(\d+) {what}", out)
    assert match, out
    return int(match.group(1))


def _assert_sound(settings: Settings, engine: Engine, n: int, actions: int) -> None:
    """Every alert taken in once, every action opened once, the ledger intact and complete."""
    assert count_rows(engine, AlertIntakeRow) == n
    assert count_rows(engine, ActionRow) == actions
    with Session(engine) as session:
        keys = session.execute(select(ActionRow.alert_id, ActionRow.chain, ActionRow.generation))
        assert max(Counter(keys.all()).values()) == 1
        kinds = dict(
            session.execute(select(LedgerRow.kind, func.count()).group_by(LedgerRow.kind)).all()
        )
    assert kinds["alert.raised"] == n and kinds["action.opened"] == actions
    receipts = ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
    verdict = ledger.verify(engine, ledger.read_receipts(receipts))
    assert verdict.ok, verdict.problem
    assert verdict.receipts > 0


def test_a_killed_tick_leaves_a_sound_database_and_the_next_tick_finishes(
    db_settings: Settings, engine: Engine, ladder: Ladder, database_url: str
) -> None:
    n = 2000 if database_url.startswith("sqlite") else 400
    actions = _scenario(engine, ladder, n)
    proc = spawn_cli(db_settings, "tick", "--now", "2025-03-03")
    deadline = time.monotonic() + 90
    while count_rows(engine, AlertIntakeRow) < n // 4:
        assert proc.poll() is None and time.monotonic() < deadline, "tick ended before the kill"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    engine.dispose()
    reopened = open_database(db_settings)
    try:
        taken = count_rows(reopened, AlertIntakeRow)
        assert n // 4 <= taken < n
        receipts = ledger.receipts_path(db_settings.data_dir, database_url)
        assert ledger.verify(reopened, ledger.read_receipts(receipts)).ok
        receipt = partial(ledger.record_receipt, reopened, receipts)
        report = clock.tick(reopened, ladder, MONDAY, committed=receipt)
        assert report.alerts == n - taken
        _assert_sound(db_settings, reopened, n, actions)
    finally:
        reopened.dispose()


def test_two_ticks_at_once_open_and_escalate_each_action_once(
    db_settings: Settings, engine: Engine, ladder: Ladder
) -> None:
    n = 200
    actions = _scenario(engine, ladder, n)
    # on 30 April every action opened for a 3 March alert is past due: one tick takes the
    # alerts in, then escalates every action it opened, each exactly once
    ticks = [spawn_cli(db_settings, "tick", "--now", "2025-04-30") for _ in range(2)]
    outs = [_finish(p) for p in ticks]
    # how the two split the work depends on the scheduler; what counts is that nothing doubles
    assert sum(_reported(out, "new alerts") for out in outs) == n
    assert sum(_reported(out, "overdue") for out in outs) == actions
    escalated = sum(_reported(out, "escalated") for out in outs)
    assert count_rows(engine, ActionRow, ActionRow.escalated_from.is_not(None)) == escalated
    with Session(engine) as session:
        parents = session.scalars(select(ActionRow.escalated_from).where(ActionRow.generation == 1))
        assert max(Counter(parents).values()) == 1
    _assert_sound(db_settings, engine, n, actions + escalated)
