"""Every case replays end to end, without hindsight, with the documented JSON keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forewarn.cases.replay import SPAN_LABELS, base_years, replay
from forewarn.cases.timeline import list_cases, load_case
from forewarn.config import Settings
from forewarn.framework.catalogue import load_framework
from forewarn.outlook import provider
from forewarn.response.ladder import load_ladder
from forewarn.warning.rules import load_rules

pytestmark = pytest.mark.slow
KEYS = {"case", "forecasts", "alerts", "actions", "events", "gaps"}


@pytest.mark.parametrize("case_id", list_cases())
def test_replay_has_the_keys_and_sourced_events(settings: Settings, case_id: str) -> None:
    case = load_case(case_id)
    forecasts = provider(settings, base_years=base_years(case))
    result = replay(
        case, forecasts, load_rules(), load_framework(), load_ladder(settings)
    ).as_dict()
    assert set(result) >= KEYS
    assert result["forecasts"] and all(
        {"year", "risk", "rank"} <= set(f) for f in result["forecasts"]
    )
    assert all(f["year"] < case.onset_year for f in result["forecasts"])  # no hindsight
    assert all(e["source"] and e["date"] and e["kind"] for e in result["events"])
    assert all("deadline" in a and a["deadline"] >= a["opened"] for a in result["actions"])
    assert result["gaps"]["model_warned"] == bool(result["alerts"])
    spans = result["gaps"]["spans"]
    assert [s["key"] for s in spans] == list(SPAN_LABELS)
    assert result["gaps"]["days"] == {s["key"]: s["days"] for s in spans}


FIRST = {
    # case: (first alert of any level and its level, first warning-level alert)
    "libya-2011": (None, None),
    "myanmar-2017": (("2014-01-01", "watch"), "2016-01-01"),
    "rwanda-1994": (("1991-01-01", "warning"), "1991-01-01"),
    "srebrenica-1995": (("1993-01-01", "warning"), "1993-01-01"),
    "syria-2011": (("2008-01-01", "warning"), "2008-01-01"),
}
DAYS = {
    # first alert -> violence, first warning -> violence, first alert -> protective decision,
    # first warning -> protective decision, recorded warning -> violence, recorded warning ->
    # protective decision (None: no starting point, or no protective decision on record)
    "libya-2011": (None, None, None, None, -30, 0),
    "myanmar-2017": (1012, 282, None, None, -117, None),
    "rwanda-1994": (1191, 1191, 1232, 1232, 85, 126),
    "srebrenica-1995": (921, 921, 154, 154, None, None),
    "syria-2011": (1155, 1155, None, None, None, None),
}
PROTECTIVE = {
    "libya-2011": "S/RES/1973",
    "rwanda-1994": "S/RES/918",  # not S/RES/872: no civilian-protection authority
    "srebrenica-1995": "S/RES/836",
}


@pytest.mark.parametrize("case_id", list_cases())
def test_replay_figures_are_pinned_for_every_case(settings: Settings, case_id: str) -> None:
    case = load_case(case_id)
    forecasts = provider(settings, base_years=base_years(case))
    gaps = replay(case, forecasts, load_rules(), load_framework(), load_ladder(settings)).gaps
    alert, warning = FIRST[case_id]
    got = gaps.first_alert
    assert (got.issued.isoformat(), got.level) == alert if got else alert is None
    assert gaps.first_warning is None if warning is None else (
        gaps.first_warning is not None and gaps.first_warning.issued.isoformat() == warning
    )  # fmt: skip
    assert tuple(s.days for s in gaps.spans) == DAYS[case_id]
    ends = {s.end_event.title for s in gaps.spans if "protective" in s.key and s.end_event}
    if case_id in PROTECTIVE:
        assert len(ends) == 1 and PROTECTIVE[case_id] in ends.pop()
    else:
        assert not ends


def test_syria_vetoes_open_general_assembly_debates(settings: Settings) -> None:
    case = load_case("syria-2011")
    forecasts = provider(settings, base_years=base_years(case))
    result = replay(case, forecasts, load_rules(), load_framework(), load_ladder(settings))
    debates = [a for a in result.actions if a.action == "ga_debate"]
    assert len(debates) == len(case.events_of_kind("veto")) == 18
    first = min(debates, key=lambda a: a.opened)
    assert (first.opened.isoformat(), first.deadline.isoformat()) == ("2011-10-04", "2011-10-18")


def test_replay_cli_writes_json_and_lists_cases(settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "FOREWARN_CACHE_DIR": str(settings.cache_dir),
           "FOREWARN_DATA_MIRROR": str(settings.data_mirror)}  # fmt: skip
    cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", "replay"]
    listed = subprocess.run([*cmd, "--list"], capture_output=True, text=True, env=env, check=True)
    assert all(c in listed.stdout for c in list_cases())
    out = tmp_path / "rwanda.json"
    done = subprocess.run([*cmd, "rwanda-1994", "--json", str(out)], capture_output=True,
                          text=True, env=env, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert set(json.loads(out.read_text())) >= KEYS
    assert "what happened" in done.stdout
    myanmar = subprocess.run([*cmd, "myanmar-2017"], capture_output=True, text=True, env=env,
                             timeout=600)  # fmt: skip
    assert myanmar.returncode == 0, myanmar.stderr
    lines = myanmar.stdout.splitlines()
    assert "first alert (any level): 2014-01-01 (watch)" in lines
    assert "first warning-level alert: 2016-01-01 (warning)" in lines
    assert (
        "days from the first alert (any level) to the violence: 1012 (2014-01-01 to 2016-10-09)"
        in lines
    )
    assert (
        "days from the first warning-level alert to the violence: 282 (2016-01-01 to 2016-10-09)"
        in lines
    )
    bad = subprocess.run([*cmd, "atlantis-2030"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
