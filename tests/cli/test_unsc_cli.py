"""The ``forewarn unsc`` and ``forewarn mandate`` commands, run in-process through ``main``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forewarn.cli import main
from forewarn.unsc.members import council_on

RES_1973 = {
    "date": "2011-03-17",
    "matter": "substantive",
    "votes": {
        "Bosnia and Herzegovina": "Y", "Colombia": "Y", "France": "Y", "Gabon": "Y",
        "Lebanon": "Y", "Nigeria": "Y", "Portugal": "Y", "South Africa": "Y", "UK": "Y",
        "US": "Y", "Brazil": "A", "China": "A", "Germany": "A", "India": "A", "Russia": "A",
    },
}  # fmt: skip


class Run:
    """Runs the console script's ``main`` with the test's data mirror and a private cache."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp: Path
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.tmp = tmp

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["forewarn", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args)
        assert code == 0, err
        return json.loads(out)

    def write(self, name: str, data: object) -> str:
        path = self.tmp / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return str(path)


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mirror: Path,
    tmp_path: Path,
) -> Run:
    monkeypatch.setenv("FOREWARN_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("FOREWARN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FOREWARN_DATA_DIR", str(tmp_path / "data"))
    return Run(monkeypatch, capsys, tmp_path)


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2
    assert "Traceback" not in out + err
    assert err.startswith("error: ") and err.count("\n") == 1
    return err


# -- unsc decide ------------------------------------------------------------------------------


def test_decide_resolution_1973_is_adopted(run: Run) -> None:
    decision = run.json("unsc", "decide", run.write("res1973.json", RES_1973))
    assert decision["adopted"] is True
    assert decision["vetoed_by"] == []
    assert (decision["yes"], decision["no"], decision["abstain"], decision["absent"]) == (
        10,
        0,
        5,
        0,
    )
    assert decision["votes_required"] == 9
    assert decision["reason"].startswith("adopted")


def test_decide_fourteen_yes_and_a_russian_no_is_a_veto(run: Run) -> None:
    day = date(2024, 11, 18)
    votes = {m.name: "Y" for m in council_on(day).members} | {"Russian Federation": "N"}
    path = run.write(
        "sudan.json", {"date": day.isoformat(), "matter": "substantive", "votes": votes}
    )
    decision = run.json("unsc", "decide", path)
    assert decision["adopted"] is False
    assert decision["vetoed_by"] == ["RUS"]
    assert (decision["yes"], decision["no"]) == (14, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"date": "2011-03-17", "matter": "substantive", "votes": {', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"date": "2011-03-17", "matter": "substantive"}, "missing field 'votes'"),
        ({"date": "17/03/2011", "matter": "substantive", "votes": {}}, "field 'date'"),
        ({"date": "2011-03-17", "matter": "x", "votes": {"France": "Y"}}, "field 'matter'"),
        ({"date": "2011-03-17", "matter": "substantive", "votes": {"France": "yes"}}, "France"),
        (
            {"date": "2011-03-17", "matter": "substantive", "votes": {"Atlantis": "Y"}},
            "unknown Security Council member 'Atlantis'",
        ),
        (
            {"date": "2011-03-17", "matter": "substantive", "votes": {"Japan": "Y"}},
            "'Japan' was not a member of the Security Council on 2011-03-17",
        ),
    ],
)
def test_decide_bad_files_give_one_line_errors(run: Run, content: object, message: str) -> None:
    err = _one_line_error(*run("unsc", "decide", run.write("vote.json", content)))
    assert message in err


def test_decide_missing_file(run: Run) -> None:
    err = _one_line_error(*run("unsc", "decide", str(run.tmp / "absent.json")))
    assert "cannot read" in err


# -- unsc vetoes -------------------------------------------------------------------------------


def test_vetoes_syria_json(run: Run) -> None:
    data = run.json("unsc", "vetoes", "--topic", "syria", "--since", "2011-01-01", "--json")
    assert data["total"] == 18
    assert data["counts"]["by_seat"] == {"RUS": 18, "CHN": 10}
    assert data["vetoes"][-1]["date"] == "2023-07-11"
    assert all(v["atrocity"] for v in data["vetoes"])
    defects = {d["code"]: d["count"] for d in data["defects"]}
    assert defects["meeting-symbol-in-draft"] == 24
    assert defects["member-flags-disagree"] == 26


def test_vetoes_member_aliases_and_atrocity_filter(run: Run) -> None:
    ussr = run.json("unsc", "vetoes", "--member", "USSR", "--json")
    assert ussr["counts"]["by_member"] == {"SUN": 90}
    assert ussr["counts"]["by_seat"] == {"RUS": 90}
    usa = run.json("unsc", "vetoes", "--member", "United States", "--atrocity", "--json")
    assert usa["total"] == 8 and set(usa["counts"]["by_member"]) == {"USA"}
    window = run.json("unsc", "vetoes", "--since", "2024-01-01", "--until", "2024-12-31", "--json")
    assert window["total"] == 7


def test_vetoes_report_and_text(run: Run) -> None:
    code, out, _ = run("unsc", "vetoes", "--report", "--topic", "myanmar")
    assert code == 0
    assert "meeting-symbol-in-draft: 24" in out
    assert "embedded-newline: 3" in out
    assert "missing-recent-vetoes: 18" in out
    assert "2007-01-12#1" in out and "[myanmar]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--member", "Japan"), "never held a permanent seat"),
        (("--member", "Atlantis"), "unknown Security Council member"),
        (("--since", "2011-13-01"), "--since: expected a YYYY-MM-DD date"),
    ],
)
def test_vetoes_bad_options(run: Run, args: tuple[str, ...], message: str) -> None:
    err = _one_line_error(*run("unsc", "vetoes", *args))
    assert message in err


# -- unsc restraint ----------------------------------------------------------------------------


def test_restraint_json(run: Run) -> None:
    data = run.json("unsc", "restraint", "--json")
    assert "treatment" in data
    results = {s["id"]: s for s in data["scenarios"]}
    assert list(results) == ["none", "french-mexican", "act-code", "full"]
    assert results["none"]["passes"] == 0
    full = results["full"]
    assert full["passes"] >= results["act-code"]["passes"] >= results["french-mexican"]["passes"]
    assert full["unknown_no_vote_count"] > 0
    assert full["optimistic_passes"] == full["passes"] + full["unknown_no_vote_count"]


def test_restraint_one_scenario_text(run: Run) -> None:
    code, out, _ = run("unsc", "restraint", "--scenario", "act-code")
    assert code == 0
    assert "act-code" in out and "full:" not in out
    assert "33 atrocity vetoes: 0 would have passed, 33 still blocked" in out
    err = _one_line_error(*run("unsc", "restraint", "--scenario", "nope"))
    assert "no restraint scenario 'nope'" in err


# -- mandate ------------------------------------------------------------------------------------


def test_mandate_check_packaged_missions(run: Run) -> None:
    (cut,) = run.json("mandate", "check", "--mission", "unamir-1994-cut", "--json")
    assert [f["code"] for f in cut["flags"]] == ["force-cut-during-crisis"]
    unamir = run.json("mandate", "check", "--mission", "UNAMIR", "--json")
    assert [r["id"] for r in unamir] == ["unamir-1993", "unamir-1994-cut", "unamir-ii-1994"]
    code, out, _ = run("mandate", "check", "--mission", "unprofor")
    assert code == 0
    assert "FLAG protection-without-force" in out and "FLAG severe-under-resourcing" in out


def test_mandate_check_file(run: Run) -> None:
    good = {
        "id": "good-2020",
        "date": "2020-03-01",
        "troops_requested": 12000,
        "troops_authorised": 11000,
        "chapter_vii": True,
        "poc_authority": True,
    }
    (record,) = run.json("mandate", "check", run.write("good.json", [good]), "--json")
    assert record["flags"] == []
    assert record["resourcing_ratio"] == pytest.approx(0.917)


def test_mandate_bad_input(run: Run) -> None:
    err = _one_line_error(*run("mandate", "check", run.write("bad.toml", "[[mission]\n")))
    assert "invalid TOML" in err
    err = _one_line_error(*run("mandate", "check", "--mission", "monusco"))
    assert "no mandate record 'monusco'" in err
    code, out, err = run("mandate", "check")
    assert code == 2 and "Traceback" not in out + err


def test_mandate_list(run: Run) -> None:
    code, out, _ = run("mandate", "list")
    assert code == 0
    assert "unamir-1994-cut" in out and "force-cut-during-crisis" in out
    assert len(run.json("mandate", "list", "--json")) == 5
