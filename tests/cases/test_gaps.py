"""What a replay measures, on a small case and a hand-made forecast: which decisions count as
protective, and the gaps from the first alert of any level and from the first warning."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from forewarn.cases.replay import SPAN_LABELS, replay
from forewarn.cases.timeline import CaseFileError, load_case
from forewarn.config import Settings
from forewarn.framework.catalogue import load_framework
from forewarn.response.ladder import load_ladder
from forewarn.warning.rules import load_rules

CASE = """
[case]
id = "{stem}"
title = "A small case"
country_iso3 = "RWA"
ccode = 517
onset_year = 1994
summary = "Made up to test the measures."

[[event]]
date = "1993-10-05"
kind = "decision"
title = "A peacekeeping mandate without civilian protection"
source = "S/RES/872 (1993)"
protective = false
protective_source = "S/RES/872 (1993), para. 3"

[[event]]
date = "1994-01-11"
kind = "warning"
title = "A warning"
source = "S/1999/1257"

[[event]]
date = "1994-04-07"
kind = "violence"
title = "Killing begins"
source = "S/1999/1257"

[[event]]
date = "1994-05-17"
kind = "decision"
title = "A mandate to protect civilians"
source = "S/RES/918 (1994)"
protective = true
protective_source = "S/RES/918 (1994), para. 3 (a)"
"""

RISKS = {1990: (0.010, 25), 1991: (0.012, 24), 1992: (0.050, 3), 1993: (0.060, 2)}
"""Base year -> (two-year risk, rank): a watch in 1991 (top 30), a warning from 1993 (>= 4 %)."""


def _provider(base_year: int) -> pd.DataFrame:
    risk, rank = RISKS[base_year]
    previous = RISKS.get(base_year - 1, (risk, rank))[0]
    row = {"iso3": "RWA", "ccode": 517, "country": "Rwanda", "risk_2y": risk, "rank": rank,
           "risk_2y_prev": previous}  # fmt: skip
    return pd.DataFrame([row])


def _case(tmp_path: Path, text: str = CASE, stem: str = "small-case") -> Path:
    path = tmp_path / f"{stem}.toml"
    path.write_text(text.format(stem=stem), encoding="utf-8")
    return path


def test_gaps_count_from_any_alert_and_from_the_first_warning_to_protective_decisions(
    settings: Settings, tmp_path: Path
) -> None:
    case = load_case(_case(tmp_path))
    result = replay(case, _provider, load_rules(), load_framework(), load_ladder(settings))
    gaps = result.gaps
    assert gaps.first_alert is not None and gaps.first_alert.level == "watch"
    assert gaps.first_warning is not None and gaps.first_warning.level == "warning"
    assert gaps.first_alert.issued.year == 1991 and gaps.first_warning.issued.year == 1993
    days = {s.key: s.days for s in gaps.spans}
    alert, warning = gaps.first_alert.issued, gaps.first_warning.issued
    violence, protective = pd.Timestamp("1994-04-07").date(), pd.Timestamp("1994-05-17").date()
    assert days["first_alert_to_violence"] == (violence - alert).days
    assert days["first_warning_to_violence"] == (violence - warning).days
    assert days["first_alert_to_violence"] > days["first_warning_to_violence"]
    # the 1993 mandate comes after the first alert but is not protective: it does not count
    assert days["first_alert_to_protective_decision"] == (protective - alert).days
    assert gaps.span("first_alert_to_protective_decision").end_event.title.startswith("A mandate")
    assert days["recorded_warning_to_violence"] == 86
    assert days["recorded_warning_to_protective_decision"] == 126
    record = result.as_dict()["gaps"]
    assert [s["key"] for s in record["spans"]] == list(SPAN_LABELS)
    assert record["days"] == days and record["first_alert"]["level"] == "watch"
    assert [e["protective"] for e in result.as_dict()["events"] if "protective" in e] == [
        False, True,
    ]  # fmt: skip


def test_without_a_protective_decision_the_spans_end_nowhere(
    settings: Settings, tmp_path: Path
) -> None:
    text = CASE.replace("protective = true", "protective = false")
    case = load_case(_case(tmp_path, text))
    gaps = replay(case, _provider, load_rules(), load_framework(), load_ladder(settings)).gaps
    protective = [s for s in gaps.spans if s.key.endswith("protective_decision")]
    assert protective and all(s.days is None and s.end is None for s in protective)
    assert all(s.start is not None for s in protective)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("protective = true\n", ""), "event[3].protective: a decision must say"),
        (('protective_source = "S/RES/918 (1994), para. 3 (a)"\n', ""),
         "event[3].protective_source: missing"),
        (('title = "Killing begins"\n', 'title = "Killing begins"\nprotective = false\n'),
         "event[2].protective: only decisions"),
        (("protective = true\n", 'protective = "yes"\n'), "event[3].protective: must be true"),
    ],
)  # fmt: skip
def test_protection_is_required_of_decisions_and_only_of_them(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = _case(tmp_path, CASE.replace(*change))
    with pytest.raises(CaseFileError, match=re.escape(message)):
        load_case(path)
