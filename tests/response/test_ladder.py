"""The escalation ladder and the roles file: the packaged defaults, and invalid files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.response.ladder import Calendar, Ladder, load_ladder, load_roles

from .conftest import SQLITE_ONLY, CliResult

DEFAULT = resources.files("forewarn.response").joinpath("ladder.toml").read_text("utf-8")


def test_default_ladder_levels_are_cumulative(ladder: Ladder) -> None:
    assert list(ladder.levels) == ["watch", "warning", "emergency"]
    assert [a.id for a in ladder.actions_for("watch")] == ["desk_review", "framework_assessment"]
    warning = [a.id for a in ladder.actions_for("warning")]
    assert warning[2:] == ["adviser_note", "preventive_diplomacy", "council_briefing"]
    emergency = [a.id for a in ladder.actions_for("emergency")]
    assert emergency[:5] == warning and emergency[5:] == ["council_meeting", "mandate_review"]


def test_default_ladder_names_its_bases(ladder: Ladder) -> None:
    bases = {a.id: a.basis for a in ladder.actions.values()}
    assert "art. 33" in bases["preventive_diplomacy"]
    assert "pillar II" in bases["preventive_diplomacy"]
    assert "art. 99" in bases["council_meeting"]
    assert "Kigali Principles" in bases["mandate_review"]
    assert "76/262" in bases["ga_debate"]
    assert all(a.outcomes and a.deadline_days >= 1 for a in ladder.actions.values())


def test_veto_of_the_council_meeting_opens_a_ten_day_ga_debate(ladder: Ladder) -> None:
    (debate,) = ladder.opened_by_veto_of("council_meeting")
    assert debate.id == "ga_debate" and debate.deadline_days == 10
    assert ladder.opened_by_veto_of("desk_review") == ()
    assert all(debate.id not in ids for ids in ladder.levels.values())


def test_every_escalation_chain_ends_with_the_secretary_general(ladder: Ladder) -> None:
    for action in ladder.actions.values():
        step = action
        while step.escalates_to is not None:
            step = ladder.get(step.escalates_to)
        assert step.id in {"council_meeting", "ga_debate"}


def test_every_owner_role_is_held_by_a_default_user(ladder: Ladder) -> None:
    held = {role for roles in load_roles().users.values() for role in roles}
    assert {a.owner for a in ladder.actions.values()} <= held


def test_deadlines_skip_weekends_and_holidays() -> None:
    calendar = Calendar(holidays=(dt.date(2025, 12, 25), dt.date(2025, 12, 26)))
    # Monday 22 December + 5 working days: 23, 24, (25, 26 holidays, 27-28 weekend), 29, 30, 31
    assert calendar.add_working_days(dt.date(2025, 12, 22), 5) == dt.date(2025, 12, 31)
    # a Saturday rolls forward to Monday before counting
    assert calendar.add_working_days(dt.date(2025, 3, 1), 1) == dt.date(2025, 3, 4)
    assert Calendar().add_working_days(dt.date(2025, 12, 22), 5) == dt.date(2025, 12, 29)


def test_the_default_calendar_comes_from_the_toml(ladder: Ladder) -> None:
    assert dt.date(2025, 12, 25) in ladder.calendar.holidays
    assert ladder.calendar.add_working_days(dt.date(2025, 12, 24), 1) == dt.date(2025, 12, 26)


def test_a_user_ladder_overrides_the_default(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "ladder.toml"
    path.write_text(DEFAULT.replace("cumulative = true", "cumulative = false"), "utf-8")
    ladder = load_ladder(settings.model_copy(update={"ladder_file": path}))
    assert [a.id for a in ladder.actions_for("emergency")] == ["council_meeting", "mandate_review"]
    assert str(path) in ladder.source


Edit = Callable[[str], str]

INVALID: list[tuple[str, Edit, str]] = [
    ("not toml", lambda t: t + "\n[[[", "invalid TOML"),
    (
        "no title",
        lambda t: re.sub(r'title = "Desk review[^\n]*\n', "", t),
        "field actions.desk_review.title",
    ),
    (
        "zero days",
        lambda t: t.replace("deadline_days = 5\nescalates_to = \"review_by_head\"",
                            "deadline_days = 0\nescalates_to = \"review_by_head\"", 1),
        "field actions.desk_review.deadline_days",
    ),
    (
        "days as text",
        lambda t: t.replace("deadline_days = 20", 'deadline_days = "twenty"'),
        "field actions.framework_assessment.deadline_days",
    ),
    (
        "unknown escalation",
        lambda t: t.replace('escalates_to = "adviser_note"', 'escalates_to = "prayer"'),
        "field actions.review_by_head.escalates_to",
    ),
    (
        "loop",
        lambda t: t.replace('escalates_to = "adviser_note"', 'escalates_to = "desk_review"'),
        "escalation loops back",
    ),
    (
        "unknown level action",
        lambda t: t.replace('"mandate_review"]', '"mandate_reviews"]'),
        "field levels.emergency: unknown action 'mandate_reviews'",
    ),
    (
        "holiday as text",
        lambda t: t.replace("2025-01-01, 2025-12-25", '"Christmas"'),
        "field calendar.holidays",
    ),
    (
        "weekmask",
        lambda t: t.replace('"Mon Tue Wed Thu Fri"', '"Moonday"'),
        "field calendar.weekmask",
    ),
    (
        "unknown field",
        lambda t: t.replace("deadline_days = 20", "deadline_days = 20\ndeadlines = 3"),
        "field actions.framework_assessment.deadlines: unknown field",
    ),
    (
        "no outcomes",
        lambda t: t.replace('outcomes = ["debate held"]', "outcomes = []"),
        "field actions.ga_debate.outcomes",
    ),
    ("no levels", lambda t: t.replace("[levels]", "[not_levels]"), "field levels"),
    (
        "veto of unknown",
        lambda t: t.replace('opens_on_veto_of = ["council_meeting"]', 'opens_on_veto_of = ["x"]'),
        "field actions.ga_debate.opens_on_veto_of",
    ),
    # ladders that could never work
    (
        "absurd deadline",
        lambda t: t.replace("deadline_days = 20", "deadline_days = 99999999999"),
        "field actions.framework_assessment.deadline_days: 99999999999 working days",
    ),
    (
        "deadline past a year",
        lambda t: t.replace("deadline_days = 20", "deadline_days = 261"),
        "field actions.framework_assessment.deadline_days",
    ),
    (
        "loop through the blocked path",
        lambda t: t.replace('owner = "ga_president"\ndeadline_days = 10',
                            'owner = "ga_president"\ndeadline_days = 10\n'
                            'escalates_to = "council_meeting"'),
        "escalation loops back to 'council_meeting' (council_meeting -> ga_debate -> "
        "council_meeting)",
    ),
    (
        "vetoes itself",
        lambda t: t.replace('opens_on_veto_of = ["council_meeting"]',
                            'opens_on_veto_of = ["ga_debate"]'),
        "field actions.ga_debate.opens_on_veto_of: an action cannot open on its own veto",
    ),
    (
        "never opened",
        lambda t: t.replace('opens_on_veto_of = ["council_meeting"]', ""),
        "field actions.ga_debate: never opened",
    ),
    (
        "empty blocked path",
        lambda t: t.replace('opens_on_veto_of = ["council_meeting"]', "opens_on_veto_of = []"),
        "field actions.ga_debate.opens_on_veto_of: required, at least one entry",
    ),
    (
        "listed at two cumulative levels",
        lambda t: t.replace('emergency = ["council_meeting"', 'emergency = ["desk_review", '
                            '"council_meeting"'),
        "field levels.emergency: 'desk_review' is already opened at level 'watch'",
    ),
    (
        "unknown table",
        lambda t: t.replace("[calendar]", "[calender]"),
        "field calender: unknown table",
    ),
    (
        "unknown ladder setting",
        lambda t: t.replace("[ladder]\ncumulative = true", "[ladder]\ncumulativ = false"),
        "field ladder.cumulativ: unknown field",
    ),
    (
        "id too long",
        lambda t: t.replace("[actions.desk_review]", f"[actions.{'d' * 65}]")
                   .replace('"desk_review"', f'"{"d" * 65}"'),
        "at most 64 characters",
    ),
    (
        "level name too long",
        lambda t: t.replace("emergency = [", "emergency_in_full_force = ["),
        "field levels.emergency_in_full_force: a level name is at most 16 characters",
    ),
    (
        "NUL byte",
        lambda t: t.replace("# The escalation ladder", "# The escalation\x00 ladder"),
        "line 1: contains a NUL byte",
    ),
]  # fmt: skip


def test_a_ladder_with_a_byte_order_mark_is_read(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "ladder.toml"
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULT.encode("utf-8"))
    assert load_ladder(settings.model_copy(update={"ladder_file": path})).levels


@pytest.mark.parametrize(("name", "edit", "field"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_ladder_names_file_and_field(
    tmp_path: Path, settings: Settings, name: str, edit: Edit, field: str
) -> None:
    path = tmp_path / "bad-ladder.toml"
    edited = edit(DEFAULT)
    assert edited != DEFAULT, name
    path.write_text(edited, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_ladder(settings.model_copy(update={"ladder_file": path}))
    assert str(path) in str(caught.value)
    assert field in str(caught.value)


def test_missing_ladder_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match="cannot read"):
        load_ladder(settings.model_copy(update={"ladder_file": path}))


@SQLITE_ONLY
def test_invalid_ladder_makes_the_cli_exit_2(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT.replace("deadline_days = 20", "deadline_days = -1"), "utf-8")
    result = cli("tick", FOREWARN_LADDER_FILE=str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert "actions.framework_assessment.deadline_days" in result.stderr


def test_roles_file_override_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "roles.toml"
    good.write_text('[users]\nzoe = ["analyst", "head_of_unit"]\n', "utf-8")
    monkeypatch.setenv("FOREWARN_ROLES_FILE", str(good))
    assert load_roles().of("zoe") == {"analyst", "head_of_unit"}
    assert load_roles().of("amara") == frozenset()
    bad = tmp_path / "bad-roles.toml"
    bad.write_text('[users]\nzoe = "analyst"\n', "utf-8")
    with pytest.raises(ConfigError, match=rf"{bad}.*field users\.zoe"):
        load_roles(bad)
