"""Input accepted silently no more: NUL bytes, byte-order marks, duplicate JSON keys, deep
nesting, dates in the future, evidence after its assessment, and NUL text in the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.data.schema import validate_panel_file
from forewarn.errors import SchemaError
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import load_framework
from forewarn.inputs import parse_json, read_text
from forewarn.store import auth
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import UserRow
from forewarn.warning.rules import default_rules_path, load_rules

PANEL = Path("ewp-2025") / "prepared2024predictors-2025-09-03.csv"
HEADER = (
    "country,date,analyst,indicator,judgement,evidence_text,evidence_source,evidence_date,"
    "reliability,credibility,confidential\n"
)
ROW = "MMR,2024-06-01,amara,9.1,present-strong,a report,UN,2024-05-01,B,2,false\n"
FRAMEWORK = load_framework()


def _panel_lines(mirror: Path, rows: int = 40) -> list[str]:
    return (mirror / PANEL).read_text(encoding="utf-8").splitlines()[: rows + 1]


def test_a_nul_inside_a_panel_number_is_refused_not_truncated(mirror: Path, tmp_path: Path) -> None:
    lines = _panel_lines(mirror)
    column = lines[0].split(",").index("freediscussion")
    cells = lines[3].split(",")
    cells[column] = cells[column][:3] + "\x00" + cells[column][3:]
    lines[3] = ",".join(cells)
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"panel\.csv: line 4: contains a NUL byte"):
        validate_panel_file(path)


def test_a_byte_order_mark_is_dropped_not_a_missing_column(mirror: Path, tmp_path: Path) -> None:
    text = "\n".join(_panel_lines(mirror)) + "\n"
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert validate_panel_file(marked).equals(validate_panel_file(plain))
    sheet = tmp_path / "a.csv"
    sheet.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8"))
    (item,) = fa.read_file(sheet, FRAMEWORK)
    assert item.iso3 == "MMR"
    rules = tmp_path / "rules.toml"
    rules.write_bytes(b"\xef\xbb\xbf" + default_rules_path().read_bytes())
    assert load_rules(rules).levels == ("watch", "warning", "emergency")


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes((HEADER + ROW).encode("utf-8") + b"MMR,2024-06-01,\xff\xfe,9.1\n")
    with pytest.raises(SchemaError, match=r"a\.csv: line 3: not UTF-8 text"):
        read_text(path, SchemaError)


def _json_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    return path


def _assessment(**changes: object) -> dict[str, object]:
    evidence = {"text": "a report", "source": "UN", "date": "2024-05-01", "reliability": "B",
                "credibility": 2, "confidential": False}  # fmt: skip
    judgement = {"indicator": "9.1", "judgement": "present-strong", "evidence": [evidence]}
    return {"country": "MMR", "date": "2024-06-01", "analyst": "amara",
            "judgements": [judgement]} | changes  # fmt: skip


def test_duplicate_json_keys_are_refused(tmp_path: Path) -> None:
    twice = '"confidential": true, "confidential": false'
    text = json.dumps([_assessment()]).replace('"confidential": false', twice)
    with pytest.raises(SchemaError, match="key 'confidential' appears twice in one object"):
        fa.read_file(_json_file(tmp_path, text), FRAMEWORK)


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_nesting_is_one_line(tmp_path: Path, depth: int) -> None:
    path = _json_file(tmp_path, "[" * depth + "]" * depth)
    with pytest.raises(SchemaError, match="nested more than 64 levels deep") as caught:
        fa.read_file(path, FRAMEWORK)
    assert "\n" not in str(caught.value)


def test_nan_and_nul_characters_are_refused() -> None:
    with pytest.raises(SchemaError, match="NaN is not a JSON number"):
        parse_json('{"a": NaN}', SchemaError, "x")
    with pytest.raises(SchemaError, match="NUL"):
        parse_json('{"a": "b\\u0000c"}', SchemaError, "x")


def test_an_assessment_dated_in_the_future_is_refused(tmp_path: Path) -> None:
    today = dt.date(2025, 3, 3)
    tomorrow = _assessment(date="2025-03-04")
    path = _json_file(tmp_path, json.dumps([tomorrow]))
    with pytest.raises(SchemaError, match=r"assessment 1, field 'date': 2025-03-04 is after today"):
        fa.read_file(path, FRAMEWORK, today=today)
    assert fa.read_file(_json_file(tmp_path, json.dumps([_assessment()])), FRAMEWORK, today=today)
    far = tmp_path / "far.csv"
    far.write_text(HEADER + ROW.replace("2024-06-01", "2999-01-01"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"row 2, field 'date': 2999-01-01 is after today"):
        fa.read_file(far, FRAMEWORK)  # today, as the clock says


def test_evidence_dated_after_its_assessment_is_refused(tmp_path: Path) -> None:
    late = tmp_path / "late.csv"
    late.write_text(HEADER + ROW.replace("2024-05-01", "2024-06-02"), encoding="utf-8")
    with pytest.raises(
        SchemaError, match=r"row 2, field 'evidence_date': 2024-06-02 is after the assessment's"
    ):
        fa.read_file(late, FRAMEWORK)
    same_day = tmp_path / "same.csv"
    same_day.write_text(HEADER + ROW.replace("2024-05-01", "2024-06-01"), encoding="utf-8")
    assert fa.read_file(same_day, FRAMEWORK)


def test_nul_text_never_reaches_the_database(db_settings: Settings) -> None:
    engine = open_database(db_settings)
    new = auth.NewUser("eve\x00admin", "hash", "viewer")
    with pytest.raises(Exception, match="printable"), transaction(engine) as session:
        auth.add_user(session, new, dt.datetime.now(dt.UTC))
    with pytest.raises(SchemaError, match="NUL"), transaction(engine) as session:
        now = dt.datetime.now(dt.UTC)
        session.add(UserRow(name="eve\x00", password_hash="h", role="viewer", owner_roles=[],
                            clearance=False, active=True, created_at=now))  # fmt: skip
        session.flush()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(UserRow)) == 0
    engine.dispose()
