"""Migration 0002 (actions, alert intake, ledger and its head) on both back ends."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from forewarn.store.db import alembic_config, make_engine, migrate, transaction
from forewarn.store.tables import ActionRow, AlertRow, LedgerHeadRow

RESPONSE_TABLES = {"actions", "alert_intake", "ledger", "ledger_head"}
NOW = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def test_migration_matches_the_tables_and_starts_an_empty_ledger(database_url: str) -> None:
    migrate(database_url)
    command.check(alembic_config(database_url))  # no difference between models and schema
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= RESPONSE_TABLES
        with transaction(engine) as session:
            (head,) = session.scalars(select(LedgerHeadRow)).all()
        assert (head.id, head.count, head.last_hash) == (1, 0, "0" * 64)
        assert len(head.ledger_id) == 32
    finally:
        engine.dispose()


def test_downgrade_removes_only_the_response_tables(database_url: str) -> None:
    migrate(database_url)
    command.downgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert not RESPONSE_TABLES & names and "alerts" in names
    finally:
        engine.dispose()
    migrate(database_url)


def _action(alert_id: int, **changes: object) -> ActionRow:
    fields: dict[str, object] = {
        "alert_id": alert_id,
        "chain": "desk_review",
        "generation": 0,
        "action": "desk_review",
        "title": "t",
        "basis": "b",
        "owner": "analyst",
        "state": "open",
        "deadline": dt.date(2025, 3, 10),
        "outcomes": ["x"],
        "created_at": NOW,
        "veto": False,
    }
    fields.update(changes)
    return ActionRow(**fields)


@pytest.mark.parametrize(
    "duplicate",
    [{}, {"chain": "other", "generation": 1, "escalate": True}],
    ids=["same chain and generation", "second escalation of one action"],
)
def test_duplicate_actions_are_impossible(database_url: str, duplicate: dict[str, object]) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            alert = AlertRow(
                iso3="SYR", seq=1, country="Syria", level="watch", rule="r", base_year=2024,
                created_at=NOW, snapshot={},
            )  # fmt: skip
            session.add(alert)
            session.flush()
            first = _action(alert.id)
            session.add(first)
            session.flush()
            session.add(_action(alert.id, generation=1, escalated_from=first.id))
            alert_id, first_id = alert.id, first.id
        changes = dict(duplicate)
        if changes.pop("escalate", False):
            changes["escalated_from"] = first_id
        with pytest.raises(IntegrityError), transaction(engine) as session:
            session.add(_action(alert_id, **changes))
    finally:
        engine.dispose()
