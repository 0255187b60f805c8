"""``forewarn warn`` on the default data, idempotent; a user rule file changes the alert set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.outlook import current
from forewarn.warning.rules import default_rules_path

pytestmark = pytest.mark.slow


def run(
    settings: Settings, *args: str, rules: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FOREWARN_DATABASE_URL": str(settings.database_url),
        "FOREWARN_DATA_DIR": str(settings.data_dir),
        "FOREWARN_CACHE_DIR": str(settings.cache_dir),
        "FOREWARN_DATA_MIRROR": str(settings.data_mirror),
    }
    if rules is not None:
        env["FOREWARN_RULES_FILE"] = str(rules)
    cmd = [sys.executable, "-c", "from forewarn.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def alerts(settings: Settings) -> list[dict[str, object]]:
    out = run(settings, "alerts", "list", "--json")
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout))


def test_warn_on_default_data_is_idempotent_and_matches_the_rules(settings: Settings) -> None:
    frame = current(settings, base_year=2024).frame
    expected_warning = set(frame.loc[frame["risk_2y"] >= 0.04, "iso3"])
    expected_watch = set(frame.loc[frame["rank"] <= 30, "iso3"]) - expected_warning
    first = run(settings, "warn", "--base-year", "2024")
    assert first.returncode == 0, first.stderr
    stored = alerts(settings)
    by_level = {lv: {a["iso3"] for a in stored if a["level"] == lv} for lv in ("watch", "warning")}
    # the sharp-rise rule may add warnings; nothing else may
    assert expected_warning <= by_level["warning"]
    assert by_level["watch"] == expected_watch - by_level["warning"]
    snap = stored[0]["snapshot"]
    assert isinstance(snap, dict) and snap["data"]["sha256"] and snap["model"]["param_hash"]
    again = run(settings, "warn", "--base-year", "2024")
    assert "0 new alert(s)" in again.stdout
    assert len(alerts(settings)) == len(stored)
    assert run(settings, "ledger", "verify").returncode == 0


def test_a_user_threshold_changes_the_alerts(settings: Settings, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        default_rules_path().read_text().replace("threshold = 0.04", "threshold = 0.10")
    )
    frame = current(settings, base_year=2024).frame
    assert run(settings, "warn", "--base-year", "2024", rules=rules).returncode == 0
    warned = {a["iso3"] for a in alerts(settings) if a["rule"] == "risk-4pct"}
    assert warned == set(frame.loc[frame["risk_2y"] >= 0.10, "iso3"])


def test_a_malformed_rule_file_is_refused_and_nothing_written(
    settings: Settings, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(default_rules_path().read_text().replace("max_rank = 30", "max_rank = -1"))
    out = run(settings, "warn", "--base-year", "2024", rules=rules)
    assert out.returncode == 2
    assert "rule 2 (top-30), field 'max_rank'" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    listed = run(settings, "alerts", "list", "--json")  # nothing written, not even a database
    assert listed.returncode == 2 and "no database at" in listed.stderr


def test_plots_render(settings: Settings, tmp_path: Path) -> None:
    for kind, target in (("risk", "MMR"), ("factors", "SDN"), ("replay", "rwanda-1994")):
        path = tmp_path / f"{kind}.png"
        out = run(settings, "plot", kind, target, "--out", str(path))
        assert out.returncode == 0, out.stderr
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


@pytest.mark.parametrize(("reliability", "level"), [("B", "emergency"), ("E", None)])
def test_a_whole_factor_judgement_of_rf10_raises_an_emergency_on_reliable_evidence(
    settings: Settings, tmp_path: Path, reliability: str, level: str | None
) -> None:
    # A fictional country-year: Iceland, far outside the model's top 30, judged in June 2024
    # to show signs of an intent to destroy a protected group (RF10, judged as a whole).
    path = tmp_path / "isl.csv"
    path.write_text(
        "country,date,analyst,indicator,judgement,evidence_text,evidence_source,"
        "evidence_date,reliability,credibility,confidential\n"
        "ISL,2024-06-01,t.analyst,RF10,present-strong,Officials call for the group's removal,"
        f"Broadcast transcript,2024-05-28,{reliability},2,false\n"
    )
    imported = run(settings, "assess", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert run(settings, "warn", "--base-year", "2024").returncode == 0
    iceland = [a for a in alerts(settings) if a["iso3"] == "ISL"]
    assert [a["level"] for a in iceland] == ([level] if level else [])
    if level:
        (alert,) = iceland
        assert alert["rule"] == "specific-factor-strong"
        snapshot = alert["snapshot"]
        assert isinstance(snapshot, dict) and snapshot["assessment_ids"]
