"""Assessment files: parsing, all-or-nothing errors, confidentiality, scores, storage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from forewarn.errors import Conflict, SchemaError
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import Framework, load_framework
from forewarn.store.assessments import load_assessments, save_assessments
from forewarn.store.db import make_engine, migrate, transaction

HEADER = ",".join(fa.CSV_COLUMNS)
SECRET = "informant in the district office"
ROWS = [
    "MMR,2024-06-01,a.analyst,9.1,present-strong,Law excludes group,UN report,2024-05-01,B,2,false",
    f"MMR,2024-06-01,a.analyst,9.1,present-strong,{SECRET},interview,2024-05-20,C,3,true",
    "MMR,2024-06-01,a.analyst,9.2,present-weak,,,,,,",
    "MMR,2024-06-01,a.analyst,8.1,absent,,,,,,",
    "RWA,2024-06-02,b.analyst,9.3,unknown,,,,,,",
]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


def write(tmp_path: Path, rows: list[str], name: str = "a.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_csv_groups_rows_into_assessments(tmp_path: Path, framework: Framework) -> None:
    items = fa.read_file(write(tmp_path, ROWS), framework)
    assert [(a.iso3, a.analyst, len(a.judgements)) for a in items] == [
        ("MMR", "a.analyst", 3),
        ("RWA", "b.analyst", 1),
    ]
    first = items[0].judgements[0]
    assert (first.indicator, first.value, len(first.evidence)) == ("9.1", "present-strong", 2)
    assert first.evidence[1].confidential and first.best_reliability() == "B"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "MMR,2024-06-01,x,99.1,absent,,,,,,",
            r"row 2, field 'indicator': unknown indicator '99.1'",
        ),
        (
            "MMR,2024-06-01,x,9.1,present-strong,t,s,2024-01-01,G,2,no",
            r"row 2, field 'reliability'",
        ),
        (
            "MMR,2024-06-01,x,9.1,present-strong,t,s,2024-01-01,A,7,no",
            r"row 2, field 'credibility'",
        ),
        ("MMR,2024-06-01,,9.1,absent,,,,,,", r"row 2, field 'analyst': missing value"),
        ("MMR,2024-13-01,x,9.1,absent,,,,,,", r"row 2, field 'date': not a date"),
        ("XXX,2024-06-01,x,9.1,absent,,,,,,", r"row 2, field 'country': unknown country 'XXX'"),
        ("MMR,2024-06-01,x,9.1,likely,,,,,,", r"row 2, field 'judgement'"),
        ("MMR,2024-06-01,x,9.1,present-weak,text only,,,,,", r"row 2, field 'evidence_source'"),
    ],
)
def test_bad_rows_reject_the_whole_file(
    tmp_path: Path, framework: Framework, row: str, message: str
) -> None:
    path = write(tmp_path, [row, *ROWS])
    with pytest.raises(SchemaError, match=message):
        fa.read_file(path, framework)


def test_json_round_trip_and_confidential_filter(tmp_path: Path, framework: Framework) -> None:
    items = fa.read_file(write(tmp_path, ROWS), framework)
    public = json.dumps(fa.to_records(items, include_confidential=False))
    assert SECRET not in public and "UN report" in public
    full = tmp_path / "full.json"
    full.write_text(json.dumps(fa.to_records(items, include_confidential=True)))
    again = fa.read_file(full, framework)
    assert [a.judgements for a in again] == [a.judgements for a in items]
    assert SECRET not in fa.to_csv(items, include_confidential=False)
    assert SECRET in fa.to_csv(items, include_confidential=True)


def test_json_errors_name_the_place(tmp_path: Path, framework: Framework) -> None:
    doc = [{"country": "MMR", "date": "2024-01-01", "analyst": "x", "judgements": [
        {"indicator": "9.1", "judgement": "present-strong",
         "evidence": [{"text": "t", "source": "s", "date": "2024-01-01", "reliability": "B",
                       "credibility": 9, "confidential": False}]}]}]  # fmt: skip
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        SchemaError, match=r"assessment 1, judgement 1, evidence 1, field 'credibility'"
    ):
        fa.read_file(path, framework)


def test_scores_and_completeness(tmp_path: Path, framework: Framework) -> None:
    mmr = fa.read_file(write(tmp_path, ROWS), framework)[0]
    scores = fa.score(mmr, framework)
    assert scores["RF9"].score == pytest.approx((2 + 1) / 4)  # mean points / 2
    assert scores["RF9"].completeness == pytest.approx(2 / 6) and scores["RF9"].high
    assert scores["RF8"].score == 0.0 and not scores["RF8"].high
    assert scores["RF1"].score is None and scores["RF1"].judged == 0


def test_whole_factor_judgements(tmp_path: Path, framework: Framework) -> None:
    rows = [
        "SSD,2024-06-01,a.analyst,rf10,present-strong,Calls to remove them,Radio,2024-05-02,B,2,"
        "false",
        "SSD,2024-06-01,a.analyst,RF9,present-weak,,,,,,",
        "SSD,2024-06-01,a.analyst,9.1,present-strong,,,,,,",
    ]
    ssd = fa.read_file(write(tmp_path, rows), framework)[0]
    assert [j.indicator for j in ssd.judgements] == ["RF10", "RF9", "9.1"]
    scores = fa.score(ssd, framework)
    # RF10 has no encoded indicators: judged as a whole, score 1, complete
    assert (scores["RF10"].score, scores["RF10"].completeness) == (1.0, 1.0)
    assert scores["RF10"].total == len(framework.factor("RF10").indicators)
    # a whole-factor judgement and an indicator judgement of RF9: (1 + 2) / 4
    assert scores["RF9"].score == pytest.approx(0.75) and scores["RF9"].completeness == 1.0


@pytest.mark.parametrize("subject", ["RF15", "RF0", "10", "R10", "RF10.1"])
def test_unknown_subjects_name_row_and_field(
    tmp_path: Path, framework: Framework, subject: str
) -> None:
    path = write(tmp_path, [f"SSD,2024-06-01,a.analyst,{subject},absent,,,,,,"])
    with pytest.raises(SchemaError, match=r"row 2, field 'indicator': unknown indicator "):
        fa.read_file(path, framework)


def test_storage_round_trip_and_duplicates(
    tmp_path: Path, framework: Framework, database_url: str
) -> None:
    items = fa.read_file(write(tmp_path, ROWS), framework)
    migrate(database_url)
    engine = make_engine(database_url)
    with transaction(engine) as session:
        ids = save_assessments(session, items)
    with transaction(engine) as session:
        stored = load_assessments(session, "MMR")
    assert [a.id for a in stored] == ids[:1]
    assert stored[0].judgements == items[0].judgements
    with pytest.raises(Conflict, match="already stored"), transaction(engine) as session:
        save_assessments(session, items[1:] + items[:1])
    with transaction(engine) as session:  # the failed import left nothing behind
        assert len(load_assessments(session)) == 2
    engine.dispose()


def test_latest_per_country() -> None:
    old = fa.Assessment("MMR", dt.date(2020, 1, 1), "a", (), id=1)
    new = fa.Assessment("MMR", dt.date(2024, 1, 1), "b", (), id=2)
    assert fa.latest_per_country([new, old])["MMR"] is new


# --- confidentiality fails closed ---------------------------------------------------------

EVIDENCE = "MMR,2024-06-01,x,9.1,present-strong,{text},interview,2024-05-20,C,3"


def _without_column(column: str, rename: str | None = None) -> str:
    """A CSV of one evidence row in which ``column`` is dropped (or renamed)."""
    names = list(fa.CSV_COLUMNS)
    values = [*EVIDENCE.format(text=SECRET).split(","), "true"]
    at = names.index(column)
    if rename is None:
        del names[at], values[at]
    else:
        names[at] = rename
    return ",".join(names) + "\n" + ",".join(values) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_without_column("confidential"), r"row 1, field 'confidential': missing column"),
        (
            _without_column("confidential", rename="confidental"),
            r"row 1, field 'confidental': unknown column",
        ),
        (_without_column("evidence_date"), r"row 1, field 'evidence_date': missing column"),
        (
            HEADER + ",notes\n" + EVIDENCE.format(text=SECRET) + ",true,x\n",
            r"row 1, field 'notes': unknown column",
        ),
        (
            HEADER + "\n" + EVIDENCE.format(text=SECRET) + ",\n",
            r"row 2, field 'confidential': must be stated explicitly as true or false",
        ),
        (
            HEADER + "\n" + EVIDENCE.format(text=SECRET) + ",  \n",
            r"row 2, field 'confidential': must be stated",
        ),
        (
            HEADER + "\n" + EVIDENCE.format(text=SECRET) + ",yes\n",
            r"row 2, field 'confidential': 'yes' is not true or false",
        ),
        (
            HEADER + "\n" + EVIDENCE.format(text=SECRET) + ",0\n",
            r"row 2, field 'confidential': '0' is not true or false",
        ),
        (
            HEADER + "\nMMR,2024-06-01,x,9.2,present-weak,,,,,,true\n",
            r"row 2, field 'evidence_text': missing value",
        ),
    ],
)
def test_csv_confidentiality_must_be_stated(
    tmp_path: Path, framework: Framework, text: str, message: str
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(text)
    with pytest.raises(SchemaError, match=message):
        fa.read_file(path, framework)


def _json_evidence(**fields: object) -> list[dict[str, object]]:
    evidence = {"text": SECRET, "source": "interview", "date": "2024-05-20"}
    evidence |= {"reliability": "C", "credibility": 3, **fields}
    judgement = {"indicator": "9.1", "judgement": "present-strong", "evidence": [evidence]}
    return [{"country": "MMR", "date": "2024-06-01", "analyst": "x", "judgements": [judgement]}]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_json_evidence(), r"evidence 1, field 'confidential': must be stated explicitly"),
        (_json_evidence(confidential=None), r"field 'confidential': must be stated explicitly"),
        (
            _json_evidence(confidental=True),
            r"evidence 1, field 'confidental': unknown key \(expected confidential, ",
        ),
        (
            _json_evidence(confidential=True, note="x"),
            r"evidence 1, field 'note': unknown key",
        ),
        (_json_evidence(confidential="yes"), r"field 'confidential': 'yes' is not true or false"),
        (_json_evidence(confidential=1), r"field 'confidential': 1 is not true or false"),
        (_json_evidence(confidential=""), r"field 'confidential': must be stated explicitly"),
    ],
)
def test_json_confidentiality_must_be_stated(
    tmp_path: Path, framework: Framework, document: list[dict[str, object]], message: str
) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SchemaError, match=message):
        fa.read_file(path, framework)


def test_json_unknown_keys_are_refused_at_every_level(tmp_path: Path, framework: Framework) -> None:
    doc = _json_evidence(confidential=True)
    doc[0]["judgements"][0]["evidnce"] = []  # type: ignore[index]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=r"assessment 1, judgement 1, field 'evidnce'"):
        fa.read_file(path, framework)
    doc = _json_evidence(confidential=True)
    doc[0]["anlyst"] = "y"
    path.write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=r"assessment 1, field 'anlyst': unknown key"):
        fa.read_file(path, framework)


def test_explicit_values_and_the_export_round_trip(tmp_path: Path, framework: Framework) -> None:
    for word, expected in (("TRUE", True), ("false", False), ("True", True)):
        path = write(tmp_path, [EVIDENCE.format(text="t") + f",{word}"])
        (item,) = fa.read_file(path, framework)
        assert item.judgements[0].evidence[0].confidential is expected
    items = fa.read_file(write(tmp_path, ROWS), framework)
    exported = tmp_path / "export.csv"
    exported.write_text(fa.to_csv(items, include_confidential=True))
    assert [a.judgements for a in fa.read_file(exported, framework)] == [
        a.judgements for a in items
    ]
