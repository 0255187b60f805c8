"""Every case replays end to end, without hindsight, with the documented JSON keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forewarn.cases.replay import base_years, replay
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
    bad = subprocess.run([*cmd, "atlantis-2030"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
