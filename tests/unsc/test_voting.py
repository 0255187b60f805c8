"""Tests for the Article 27 voting rule, on the real Council membership of each date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from forewarn.unsc.members import UnscError, council_on
from forewarn.unsc.voting import Vote, decide, load_vote_file

TODAY = date(2026, 11, 25)
RES_1973_DAY = date(2011, 3, 17)
RES_1973_YES = [
    "Bosnia and Herzegovina", "Colombia", "France", "Gabon", "Lebanon",
    "Nigeria", "Portugal", "South Africa", "UK", "US",
]  # fmt: skip
RES_1973_ABSTAIN = ["Brazil", "China", "Germany", "India", "Russia"]


def _everyone(on: date, vote: Vote) -> dict[str, Vote]:
    return {m.code: vote for m in council_on(on).members}


def test_permanent_member_no_blocks_fourteen_yes() -> None:
    votes = _everyone(TODAY, "Y") | {"Russia": "N"}
    votes.pop("RUS")
    decision = decide(TODAY, "substantive", votes)
    assert not decision.adopted
    assert decision.vetoed_by == ("RUS",)
    assert (decision.yes, decision.no, decision.abstain, decision.absent) == (14, 1, 0, 0)
    assert "negative vote of a permanent member" in decision.reason


def test_two_permanent_members_veto_together() -> None:
    votes = _everyone(TODAY, "Y") | {"CHN": "N", "RUS": "N"}
    decision = decide(TODAY, "substantive", votes)
    assert not decision.adopted
    assert decision.vetoed_by == ("CHN", "RUS")


def test_permanent_member_abstention_does_not_block() -> None:
    votes = _everyone(TODAY, "Y") | {"CHN": "A"}
    decision = decide(TODAY, "substantive", votes)
    assert decision.adopted
    assert decision.vetoed_by == ()
    assert (decision.yes, decision.abstain) == (14, 1)


def test_permanent_member_absence_does_not_block() -> None:
    votes = _everyone(TODAY, "Y")
    votes.pop("USA")
    decision = decide(TODAY, "substantive", votes)
    assert decision.adopted
    assert (decision.yes, decision.absent) == (14, 1)


def test_explicit_absent_counts_as_absent() -> None:
    votes = _everyone(TODAY, "Y") | {"FRA": "absent"}
    decision = decide(TODAY, "substantive", votes)
    assert decision.adopted and decision.absent == 1


def test_procedural_votes_cannot_be_vetoed() -> None:
    votes = _everyone(TODAY, "Y") | {"RUS": "N", "USA": "N", "CHN": "N"}
    decision = decide(TODAY, "procedural", votes)
    assert decision.adopted
    assert decision.vetoed_by == ()
    assert decision.yes == 12


def test_eight_yes_is_not_enough() -> None:
    council = council_on(TODAY)
    votes: dict[str, Vote] = {m.code: "A" for m in council.members}
    for member in council.elected[:8]:
        votes[member.code] = "Y"
    for matter in ("substantive", "procedural"):
        decision = decide(TODAY, matter, votes)
        assert not decision.adopted
        assert "8 affirmative votes, 9 required" in decision.reason


def test_nine_yes_is_enough() -> None:
    council = council_on(TODAY)
    votes: dict[str, Vote] = {m.code: "A" for m in council.members}
    for member in council.elected[:9]:
        votes[member.code] = "Y"
    assert decide(TODAY, "substantive", votes).adopted


def test_negative_vote_on_a_draft_short_of_votes_is_not_a_veto() -> None:
    council = council_on(TODAY)
    votes: dict[str, Vote] = {m.code: "A" for m in council.members}
    for member in council.elected[:8]:
        votes[member.code] = "Y"
    votes["USA"] = "N"
    decision = decide(TODAY, "substantive", votes)
    assert not decision.adopted
    assert decision.vetoed_by == ()


def test_pre_1966_threshold_seven_of_eleven() -> None:
    on = date(1950, 6, 27)
    council = council_on(on)
    assert (council.size, council.votes_required) == (11, 7)
    votes: dict[str, Vote] = {m.code: "A" for m in council.members}
    members = list(council.members)
    for member in members[:7]:
        votes[member.code] = "Y"
    assert decide(on, "substantive", votes).adopted
    votes[members[6].code] = "A"
    decision = decide(on, "substantive", votes)
    assert not decision.adopted
    assert "6 affirmative votes, 7 required of 11 members" in decision.reason


def test_1950_soviet_absence_does_not_block() -> None:
    on = date(1950, 6, 27)
    votes = _everyone(on, "Y")
    votes.pop("SUN")
    decision = decide(on, "substantive", votes)
    assert decision.adopted
    assert (decision.yes, decision.absent) == (10, 1)


def test_resolution_1973() -> None:
    votes: dict[str, Vote] = {name: "Y" for name in RES_1973_YES}
    votes |= {name: "A" for name in RES_1973_ABSTAIN}
    decision = decide(RES_1973_DAY, "substantive", votes)
    assert decision.adopted
    assert (decision.yes, decision.no, decision.abstain, decision.absent) == (10, 0, 5, 0)
    assert decision.votes_required == 9


def test_non_member_voting_is_an_error() -> None:
    votes: dict[str, Vote] = {name: "Y" for name in RES_1973_YES}
    votes["Japan"] = "Y"
    with pytest.raises(UnscError, match="'Japan' was not a member of the Security Council"):
        decide(RES_1973_DAY, "substantive", votes)


def test_russia_in_1980_cannot_vote_but_ussr_can() -> None:
    on = date(1980, 1, 7)
    with pytest.raises(UnscError, match="'Russia'"):
        decide(on, "substantive", {"Russia": "N"})
    votes = _everyone(on, "Y")
    votes.pop("SUN")
    votes["USSR"] = "N"
    decision = decide(on, "substantive", votes)
    assert decision.vetoed_by == ("SUN",)


def test_ussr_in_2000_cannot_vote() -> None:
    with pytest.raises(UnscError, match="'USSR'"):
        decide(date(2000, 1, 1), "substantive", {"USSR": "Y"})


def _china_votes_no(on: date) -> tuple[str, ...]:
    votes: dict[str, Vote] = {m.code: "Y" for m in council_on(on).members}
    votes.pop("TWN", None)
    votes.pop("CHN", None)
    votes["China"] = "N"
    return decide(on, "substantive", votes).vetoed_by


def test_china_means_the_seat_holder_on_the_date() -> None:
    assert _china_votes_no(date(1971, 10, 1)) == ("TWN",)
    assert _china_votes_no(date(1971, 11, 1)) == ("CHN",)


def test_same_member_twice_is_an_error() -> None:
    with pytest.raises(UnscError, match="votes twice"):
        decide(TODAY, "substantive", {"UK": "Y", "United Kingdom": "N"})


def test_bad_vote_value_and_matter_are_errors() -> None:
    with pytest.raises(UnscError, match="vote of 'France' must be one of"):
        decide(TODAY, "substantive", {"France": "yes"})  # type: ignore[dict-item]
    with pytest.raises(UnscError, match="matter must be one of"):
        decide(TODAY, "important", {})  # type: ignore[arg-type]


# --- vote files ----------------------------------------------------------------------------


def _write(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "vote.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_vote_file_round_trip(tmp_path: Path) -> None:
    votes = {name: "Y" for name in RES_1973_YES} | {name: "A" for name in RES_1973_ABSTAIN}
    path = _write(tmp_path, {"date": "2011-03-17", "matter": "substantive", "votes": votes})
    on, matter, loaded = load_vote_file(path)
    assert (on, matter, loaded) == (RES_1973_DAY, "substantive", votes)
    assert decide(on, matter, loaded).adopted


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"date": "17/03/2011", "matter": "substantive", "votes": {}}, "field 'date'"),
        ({"date": "2011-02-30", "matter": "substantive", "votes": {}}, "field 'date'"),
        ({"date": "2011-03-17", "matter": "urgent", "votes": {}}, "field 'matter'"),
        ({"date": "2011-03-17", "matter": "substantive", "votes": []}, "field 'votes'"),
        ({"date": "2011-03-17", "matter": "procedural", "votes": {"France": "yes"}},
         "field 'votes.France'"),
        ({"date": "2011-03-17", "matter": "procedural"}, "missing field 'votes'"),
        ({"date": "2011-03-17", "matter": "procedural", "votes": {}, "note": 1},
         "unexpected field 'note'"),
        (["2011-03-17"], "expected a JSON object"),
    ],
)  # fmt: skip
def test_vote_file_errors_name_file_and_field(
    tmp_path: Path, payload: object, expected: str
) -> None:
    path = _write(tmp_path, payload)
    with pytest.raises(UnscError) as caught:
        load_vote_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_vote_file_invalid_json_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"date": "2011-03-17",\n', encoding="utf-8")
    with pytest.raises(UnscError, match=r"broken\.json: invalid JSON at line 2"):
        load_vote_file(path)
    with pytest.raises(UnscError, match="cannot read"):
        load_vote_file(tmp_path / "absent.json")
