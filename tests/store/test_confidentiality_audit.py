"""Evidence stored before confidentiality had to be stated: withheld until reviewed.

The database is built at revision 0003 (before the fix), evidence is written the way the old
importer wrote it (``confidential`` defaulted to false), then the database is migrated; the
item must be withheld from users without clearance, listed by the audit, and shown again
only after an administrator's review, which the ledger records.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import text

from forewarn import ledger
from forewarn.framework import assessments as fa
from forewarn.store.assessments import (
    load_assessments,
    review_confidentiality,
    unstated_evidence,
)
from forewarn.store.db import alembic_config, make_engine, migrate, transaction

INFORMANT = "named informant in the district office"


def _legacy_database(url: str) -> None:
    """A database at revision 0003 holding one assessment with evidence whose
    confidentiality was never stated (stored as public, as the old default did)."""
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assessments (id, iso3, assessed_on, analyst, imported_at) "
                "VALUES (1, 'MMR', :day, 'old.analyst', :now)"
            ),
            {"day": dt.date(2026, 11, 1), "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO judgements (id, assessment_id, indicator_id, value) "
                "VALUES (1, 1, '9.1', 'present-strong')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO evidence (id, judgement_id, text, source, observed_on, "
                "reliability, credibility, confidential) "
                "VALUES (1, 1, :t, 'interview', :day, 'B', 2, :no)"
            ),
            {"t": INFORMANT, "day": dt.date(2026, 10, 20), "no": False},
        )
    engine.dispose()


def test_unstated_evidence_is_withheld_until_reviewed(database_url: str, tmp_path: Path) -> None:
    _legacy_database(database_url)
    migrate(database_url)
    engine = ledger.sign_with(make_engine(database_url), ledger.KeyFile(tmp_path / "key.pem"))
    with transaction(engine) as session:
        (item,) = load_assessments(session)
        (listed,) = unstated_evidence(session)
    public = fa.to_records([item], include_confidential=False)
    assert INFORMANT not in str(public)
    assert item.judgements[0].evidence[0].confidential
    assert (listed.evidence_id, listed.iso3, listed.stored_confidential) == (1, "MMR", False)
    assert "text" not in listed.as_dict(include_text=False)

    with ledger.write_transaction(engine) as session:
        review_confidentiality(session, 1, confidential=False, actor="admin")
    with transaction(engine) as session:
        (item,) = load_assessments(session)
        assert unstated_evidence(session) == []
        (entry,) = ledger.entries_about(session, "evidence:1")
    assert INFORMANT in str(fa.to_records([item], include_confidential=False))
    assert (entry.kind, entry.actor, entry.payload["confidential"]) == (
        "evidence.reviewed",
        "admin",
        False,
    )
    assert INFORMANT not in str(entry.payload)
    engine.dispose()


def test_the_audit_command_lists_and_the_review_command_clears(
    database_url: str, tmp_path: Path
) -> None:
    _legacy_database(database_url)
    env = {**os.environ, "FOREWARN_DATABASE_URL": database_url}
    env["FOREWARN_DATA_DIR"] = str(tmp_path / "data")

    def forewarn(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)

    listed = forewarn("assess", "audit", "--json")
    assert listed.returncode == 0, listed.stderr
    (item,) = json.loads(listed.stdout)
    assert (item["evidence_id"], item["country"], item["stored_confidential"]) == (1, "MMR", False)
    assert INFORMANT not in listed.stdout
    assert INFORMANT in forewarn("assess", "audit", "--include-confidential").stdout
    assert INFORMANT not in forewarn("assess", "show", "MMR").stdout
    reviewed = forewarn("assess", "review", "1", "--confidential", "--by", "admin")
    assert reviewed.returncode == 0, reviewed.stderr
    assert json.loads(forewarn("assess", "audit", "--json").stdout) == []
    assert INFORMANT not in forewarn("assess", "show", "MMR").stdout
    assert forewarn("ledger", "verify").returncode == 0
