"""A failed import writes nothing: fuzzed assessment files imported as the command line and
the API do (parse, then store with the ledger in one transaction), on both back ends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial

import pytest
from hypothesis import given, settings
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.errors import ForewarnError
from forewarn.framework import assessments as fa
from forewarn.store.assessments import record_assessments
from forewarn.store.db import open_database
from forewarn.store.tables import AssessmentRow, EvidenceRow, JudgementRow, LedgerRow

from .harness import EXAMPLES, FUZZ, check_reader, file_inputs
from .test_files import ASSESSMENT, ASSESSMENT_CSV, FRAMEWORK

TABLES = (AssessmentRow, JudgementRow, EvidenceRow, LedgerRow)


@pytest.fixture
def engine(db_settings: Settings) -> Iterator[Engine]:
    engine = open_database(db_settings)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> list[int]:
    """Rows of each table; the ledger's without the key registration that an installation's
    first append adds."""
    with Session(engine) as session:
        counts = [int(session.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES]
        keys = select(func.count()).where(LedgerRow.kind == "key.registered")
        counts[-1] -= int(session.scalar(keys) or 0)
    return counts


def _import(engine: Engine, tmp_path_factory: pytest.TempPathFactory, data: bytes,
            suffix: str) -> None:  # fmt: skip
    before = _counts(engine)
    items = check_reader(partial(fa.read_file, framework=FRAMEWORK), data, tmp_path_factory,
                         suffix)  # fmt: skip
    if isinstance(items, ForewarnError):
        assert _counts(engine) == before
        return
    try:
        ledger.retrying(engine, lambda s: record_assessments(s, items, "fuzz"))
    except ForewarnError:
        assert _counts(engine) == before
        return
    after = _counts(engine)
    assert after[0] == before[0] + len(items) and after[3] == before[3] + len(items)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(data=file_inputs(ASSESSMENT_CSV))
def test_a_failed_csv_import_writes_nothing(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    _import(engine, tmp_path_factory, data, ".csv")


@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(data=file_inputs(json.dumps([ASSESSMENT], indent=1)))
def test_a_failed_json_import_writes_nothing(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    _import(engine, tmp_path_factory, data, ".json")
