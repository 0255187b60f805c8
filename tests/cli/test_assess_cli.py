"""``forewarn framework`` and ``forewarn assess`` end to end, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forewarn.framework.assessments import CSV_COLUMNS

SECRET = "the informant's village"
GOOD = [
    "MMR,2024-06-01,a.analyst,9.1,present-strong,Law excludes group,UN report,2024-05-01,B,2,false",
    f"MMR,2024-06-01,a.analyst,9.1,present-strong,{SECRET},interview,2024-05-20,C,3,true",
    "MMR,2024-06-01,a.analyst,8.3,present-weak,,,,,,",
]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FOREWARN_DATABASE_URL": f"sqlite:///{tmp_path / 'fw.db'}",
        "FOREWARN_DATA_DIR": str(tmp_path / "data"),
        "FOREWARN_CACHE_DIR": str(tmp_path / "cache"),
    }
    cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def csv_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "assessment.csv"
    path.write_text("\n".join([",".join(CSV_COLUMNS), *rows]) + "\n")
    return path


def test_framework_show_json(tmp_path: Path) -> None:
    out = run(tmp_path, "framework", "show", "--json")
    factors = json.loads(out.stdout)
    assert [f["id"] for f in factors] == [f"RF{n}" for n in range(1, 15)]
    rf9 = factors[8]
    assert rf9["crimes"] == ["genocide"] and [i["id"] for i in rf9["indicators"]][-1] == "9.6"
    assert all(set(i) == {"id", "text"} for f in factors for i in f["indicators"])


@pytest.mark.slow
def test_import_show_export_and_ledger(tmp_path: Path) -> None:
    done = run(tmp_path, "assess", "import", str(csv_file(tmp_path, GOOD)), "--by", "a.analyst")
    assert done.returncode == 0, done.stderr
    shown = run(tmp_path, "assess", "show", "MMR")
    assert "9.1" in shown.stdout and "Law excludes group" in shown.stdout
    assert SECRET not in shown.stdout
    assert SECRET in run(tmp_path, "assess", "show", "MMR", "--include-confidential").stdout
    out = tmp_path / "export.json"
    assert run(tmp_path, "assess", "export", "--out", str(out)).returncode == 0
    assert SECRET not in out.read_text() and "UN report" in out.read_text()
    verified = run(tmp_path, "ledger", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "MMR,2024-06-01,x,10.99,absent,,,,,,",
            "row 5, field 'indicator': unknown indicator '10.99'",
        ),
        ("MMR,2024-06-01,x,9.1,present-strong,t,s,2024-01-01,Z,2,no", "row 5, field 'reliability'"),
        ("MMR,2024-06-01,,9.1,absent,,,,,,", "row 5, field 'analyst': missing value"),
        ("MMR,01/06/2024,x,9.1,absent,,,,,,", "row 5, field 'date': not a date"),
    ],
)
def test_bad_files_are_rejected_whole(tmp_path: Path, bad: str, message: str) -> None:
    result = run(tmp_path, "assess", "import", str(csv_file(tmp_path, [*GOOD, bad])))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "fw.db").exists()  # nothing written, not even an empty database
    assert "no database at" in run(tmp_path, "assess", "show", "MMR").stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("header", "cell", "message"),
    [
        (CSV_COLUMNS[:-1], None, "row 1, field 'confidential': missing column"),
        ((*CSV_COLUMNS[:-1], "confidental"), "true", "row 1, field 'confidental': unknown column"),
        (CSV_COLUMNS, "", "row 2, field 'confidential': must be stated explicitly"),
    ],
)
def test_unstated_confidentiality_is_refused_and_nothing_is_shown(
    tmp_path: Path, header: tuple[str, ...], cell: str | None, message: str
) -> None:
    row = f"MMR,2024-06-01,a.analyst,9.1,present-strong,{SECRET},interview,2024-05-20,C,3"
    path = tmp_path / "informant.csv"
    path.write_text(",".join(header) + "\n" + row + ("" if cell is None else f",{cell}") + "\n")
    result = run(tmp_path, "assess", "import", str(path))
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert not (tmp_path / "fw.db").exists()  # nothing written, not even an empty database
    shown = run(tmp_path, "assess", "show", "MMR", "--json")
    assert shown.returncode == 2 and SECRET not in shown.stdout + shown.stderr


@pytest.mark.slow
def test_audit_lists_nothing_for_new_imports_and_review_needs_an_outcome(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "assess", "import", str(csv_file(tmp_path, GOOD))).returncode == 0
    audit = run(tmp_path, "assess", "audit", "--json")
    assert audit.returncode == 0 and json.loads(audit.stdout) == []
    missing = run(tmp_path, "assess", "review", "1")
    assert missing.returncode == 2 and "--confidential or --public" in missing.stderr
    unknown = run(tmp_path, "assess", "review", "99", "--public")
    assert unknown.returncode == 2 and "no evidence item #99" in unknown.stderr
