"""Every file forewarn reads, fuzzed: success or one line, never another exception.

Samples are the packaged files themselves (rules, ladder, roles, mandates, restraint
scenarios, a case file), a few rows of the real panel read from the data mirror, and small
assessment files written here; :mod:`tests.fuzz.harness` mutates them.
"""

from __future__ import annotations

import json
import os
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forewarn.cases.timeline import load_case
from forewarn.config import Settings
from forewarn.data.schema import validate_panel_file
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import load_framework
from forewarn.response.ladder import load_ladder, load_roles
from forewarn.unsc.mandates import load_mandates
from forewarn.unsc.restraint import load_scenarios
from forewarn.unsc.voting import load_vote_file
from forewarn.warning.rules import load_rules

from .harness import FUZZ, check_reader, file_inputs, json_values

REPO = Path(__file__).resolve().parents[2]
MIRROR = Path(os.environ.get("FOREWARN_DATA_MIRROR", REPO.parent / "shared" / "data"))
PANEL = MIRROR / "ewp-2025" / "prepared2024predictors-2025-09-03.csv"


def _packaged(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text("utf-8")


def _panel_sample() -> str:
    if not PANEL.is_file():
        return "ewp_name,ccode,year\nX,2,2000\n"
    lines = PANEL.read_text(encoding="utf-8").splitlines()
    return "\n".join([lines[0], *lines[5000:5004]]) + "\n"


ASSESSMENT_CSV = (
    "country,date,analyst,indicator,judgement,evidence_text,evidence_source,evidence_date,"
    "reliability,credibility,confidential\n"
    "MMR,2024-06-01,amara,9.1,present-strong,Law excludes group,UN report,2024-05-01,B,2,false\n"
    "MMR,2024-06-01,amara,9.1,present-strong,a source,interview,2024-05-20,C,3,true\n"
    "MMR,2024-06-01,amara,RF10,present-weak,,,,,,\n"
    "SYR,2024-02-01,bao,7.2,absent,,,,,,\n"
)
ASSESSMENT = {
    "country": "MMR",
    "date": "2024-06-01",
    "analyst": "amara",
    "judgements": [
        {"indicator": "9.1", "judgement": "present-strong", "evidence": [
            {"text": "Law excludes group", "source": "UN report", "date": "2024-05-01",
             "reliability": "B", "credibility": 2, "confidential": False}]},
        {"indicator": "RF10", "judgement": "unknown"},
    ],
}  # fmt: skip
VOTE = {"date": "2011-10-04", "matter": "substantive", "votes": {"CHN": "no", "RUS": "no"}}
FRAMEWORK = load_framework()
read_assessments = partial(fa.read_file, framework=FRAMEWORK)


@FUZZ
@given(data=file_inputs(_panel_sample()))
def test_panel(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(validate_panel_file, data, tmp_path_factory, ".csv")


@FUZZ
@given(data=file_inputs(ASSESSMENT_CSV))
def test_assessment_csv(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(read_assessments, data, tmp_path_factory, ".csv")


@FUZZ
@given(data=file_inputs(json.dumps([ASSESSMENT], indent=1)))
def test_assessment_json(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(read_assessments, data, tmp_path_factory, ".json")


def _anything() -> st.SearchStrategy[Any]:
    return json_values(6)


def _shaped_assessments() -> st.SearchStrategy[Any]:
    """Assessment documents of the right shape with any values (to reach the deep checks)."""
    value = st.sampled_from(["MMR", "2024-06-01", "9.1", "RF10", "B", "present-weak", 2, True])
    field = value | _anything()
    evidence = st.dictionaries(
        st.sampled_from(sorted(fa.EVIDENCE_KEYS)) | st.text(max_size=8), field, max_size=7
    )
    judgement = st.fixed_dictionaries(
        {"indicator": field, "judgement": field},
        optional={"evidence": st.lists(evidence, max_size=3) | _anything()},
    )
    assessment = st.fixed_dictionaries(
        {"country": field, "date": field, "analyst": field,
         "judgements": st.lists(judgement, max_size=3) | _anything()},
        optional={"id": field},
    )  # fmt: skip
    return st.lists(assessment, max_size=3) | _anything()


@FUZZ
@given(doc=_shaped_assessments())
def test_assessment_json_documents(tmp_path_factory: pytest.TempPathFactory, doc: Any) -> None:
    data = json.dumps(doc).encode("utf-8")
    check_reader(read_assessments, data, tmp_path_factory, ".json")


@FUZZ
@given(data=file_inputs(_packaged("forewarn.warning", "data/rules.toml")))
def test_rules(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(partial(load_rules, framework=FRAMEWORK), data, tmp_path_factory, ".toml")


def _ladder(path: Path) -> object:
    return load_ladder(Settings(ladder_file=path))


@FUZZ
@given(data=file_inputs(_packaged("forewarn.response", "ladder.toml")))
def test_ladder(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    ladder = check_reader(_ladder, data, tmp_path_factory, ".toml")
    if not isinstance(ladder, Exception):  # a ladder that loads can always set deadlines
        for action in ladder.actions.values():  # type: ignore[attr-defined]
            ladder.calendar.add_working_days(__import__("datetime").date(2025, 3, 3),  # type: ignore[attr-defined]
                                             action.deadline_days)  # fmt: skip


@FUZZ
@given(data=file_inputs(_packaged("forewarn.response", "roles.toml")))
def test_roles(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(load_roles, data, tmp_path_factory, ".toml")


@FUZZ
@given(data=file_inputs(_packaged("forewarn.unsc", "data/mandates.toml")))
def test_mandates_toml(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(load_mandates, data, tmp_path_factory, ".toml")


@FUZZ
@given(doc=st.lists(st.dictionaries(st.text(max_size=20), _anything(), max_size=6)) | _anything())
def test_mandates_json(tmp_path_factory: pytest.TempPathFactory, doc: Any) -> None:
    check_reader(load_mandates, json.dumps(doc).encode(), tmp_path_factory, ".json")


@FUZZ
@given(data=file_inputs(_packaged("forewarn.unsc", "data/restraint.toml")))
def test_restraint_scenarios(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(load_scenarios, data, tmp_path_factory, ".toml")


@FUZZ
@given(data=file_inputs(json.dumps(VOTE)))
def test_vote_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(load_vote_file, data, tmp_path_factory, ".json")


@FUZZ
@given(data=file_inputs(_packaged("forewarn.cases", "data/rwanda-1994.toml")))
def test_case_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check_reader(load_case, data, tmp_path_factory, ".toml")
