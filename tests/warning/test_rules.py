"""Warning rules: loading, validation and evaluation on constructed inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from forewarn.errors import ConfigError
from forewarn.framework.assessments import Assessment, Evidence, Judgement
from forewarn.framework.catalogue import load_framework
from forewarn.warning.rules import default_rules_path, evaluate, load_rules, strongest

FORECAST = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "DDD"],
        "risk_2y": [0.10, 0.035, 0.05, 0.001],
        "risk_2y_prev": [0.09, 0.01, 0.049, 0.001],
        "rank": [1, 25, 10, 160],
    }
)


def _strong(iso3: str, indicator: str, reliability: str) -> Assessment:
    ev = Evidence("seen", "report", dt.date(2024, 1, 1), reliability, 2, confidential=False)
    return Assessment(
        iso3, dt.date(2024, 2, 1), "a", (Judgement(indicator, "present-strong", (ev,)),), id=7
    )


def _levels(firings: list, rules: object) -> dict[str, str]:
    grouped = strongest(rules, firings)  # type: ignore[arg-type]
    return {iso3: items[0].level for iso3, items in grouped.items()}


def test_default_rules_on_forecast_rows() -> None:
    rules = load_rules()
    firings = evaluate(rules, FORECAST, {}, load_framework())
    fired = {(f.iso3, f.rule) for f in firings}
    assert fired == {
        ("AAA", "risk-4pct"), ("AAA", "top-30"),
        ("BBB", "top-30"), ("BBB", "sharp-rise"),
        ("CCC", "risk-4pct"), ("CCC", "top-30"),
    }  # fmt: skip
    assert _levels(firings, rules) == {"AAA": "warning", "BBB": "warning", "CCC": "warning"}


def _rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_user_threshold_changes_the_selection(tmp_path: Path) -> None:
    text = default_rules_path().read_text().replace("threshold = 0.04", "threshold = 0.08")
    rules = load_rules(_rules_file(tmp_path, text))
    firings = evaluate(rules, FORECAST, {}, load_framework())
    assert {f.iso3 for f in firings if f.rule == "risk-4pct"} == {"AAA"}


def test_indicator_rule_needs_reliable_evidence(tmp_path: Path) -> None:
    # RF10-RF12 carry no verified indicators yet, so the mechanism is exercised on RF9.
    text = (
        default_rules_path()
        .read_text()
        .replace('factors = ["RF10", "RF11", "RF12"]', 'factors = ["RF9", "RF10", "RF11", "RF12"]')
    )
    rules = load_rules(_rules_file(tmp_path, text))
    fw = load_framework()
    reliable = evaluate(rules, FORECAST.iloc[:0], {"ISL": _strong("ISL", "9.1", "B")}, fw)
    assert _levels(reliable, rules) == {"ISL": "emergency"}
    assert reliable[0].values["indicators"] == ["9.1"]
    doubtful = evaluate(rules, FORECAST.iloc[:0], {"ISL": _strong("ISL", "9.1", "E")}, fw)
    assert doubtful == []
    default = evaluate(load_rules(), FORECAST.iloc[:0], {"ISL": _strong("ISL", "9.1", "A")}, fw)
    assert default == []  # RF9 is not one of the default rule's specific factors


@pytest.mark.parametrize(
    ("reliability", "level"), [("A", "emergency"), ("B", "emergency"), ("C", None), ("E", None)]
)
def test_default_rule_on_a_whole_factor_judgement(reliability: str, level: str | None) -> None:
    # RF10 judged as a whole (its indicators are not encoded): the default emergency rule
    judged = {"ISL": _strong("ISL", "RF10", reliability)}
    rules = load_rules()
    firings = evaluate(rules, FORECAST.iloc[:0], judged, load_framework())
    assert _levels(firings, rules).get("ISL") == level
    if level:
        assert firings[0].rule == "specific-factor-strong"
        assert firings[0].values["indicators"] == ["RF10"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("threshold = 0.04", "threshold = 4"),
            r"rule 1 \(risk-4pct\), field 'threshold': 4 is not a probability",
        ),
        (('kind = "rank"', 'kind = "ranking"'), r"rule 2 \(top-30\), field 'kind': unknown kind"),
        (('level = "watch"\nmax', 'level = "amber"\nmax'), r"rule 2 \(top-30\), field 'level'"),
        (("max_rank = 30", "max_rank = 0"), r"rule 2 \(top-30\), field 'max_rank'"),
        (("min_count = 5", ""), r"rule 5 \(common-factors-high\), field 'min_count': missing"),
        (('id = "top-30"', 'id = "risk-4pct"'), r"rule id 'risk-4pct' is used twice"),
        (("[[rule]]", "[[rule]"), r"invalid TOML"),
        # rules that could never work: each one line naming file, rule and field
        (("max_rank = 30", "max_rnak = 5"), r"rule 2 \(top-30\), field 'max_rnak': unknown field"),
        (('["RF10"', '["RF99"'), r"rule 4 \(.*\), field 'factors': unknown risk factor 'RF99'"),
        (('["A", "B"]', '["A", "G"]'), r"field 'reliability': unknown reliability grade 'G'"),
        (('["A", "B"]', '["a"]'), r"field 'reliability': unknown reliability grade 'a'"),
        (("min_count = 5", "min_count = 9"), r"field 'min_count': 9 is more than the 8 factors"),
        (("min_count = 5", "min_count = true"), r"field 'min_count': True is not a whole number"),
        (('"RF1", "RF2"', '"RF1", "RF1"'), r"field 'factors': 'RF1' is listed twice"),
        (("levels = [", "level = 3\nlevels = ["), r"unknown key 'level'"),
        (('"watch", "warning"', '"watch", "watch"'), r"level 'watch' is listed twice"),
        (('id = "top-30"', f'id = "{"x" * 65}"'), r"field 'id': longer than 64 characters"),
        (
            ('description = "Among the 30 highest-risk countries"', "description = 3"),
            "'description'",
        ),
    ],
)
def test_invalid_rule_files(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    text = default_rules_path().read_text().replace(edit[0], edit[1], 1)
    with pytest.raises(ConfigError, match=message):
        load_rules(_rules_file(tmp_path, text))
