"""Article 27 of the UN Charter, as amended: is a Security Council draft adopted?

Rules applied by ``decide``:

* Procedural matters (Art. 27(2)) need the affirmative votes of nine members (seven before
  1 January 1966); no member has a veto.
* Substantive matters (Art. 27(3)) need the same number of affirmative votes and no
  negative vote of a permanent member. The abstention or absence of a permanent member
  does not block adoption: settled Council practice, upheld by the International Court of
  Justice (Namibia advisory opinion, ICJ Reports 1971, p. 16, para. 22).
* Members of the Council missing from the ``votes`` mapping are counted as absent (not
  participating), which is what a recorded vote shows for a member not present. A name
  that is not a Council member on the date raises ``UnscError``, as does naming the same
  member twice (e.g. "UK" and "United Kingdom").
* ``vetoed_by`` lists the permanent members whose negative vote defeated a draft that had
  the required affirmative votes. A negative vote on a draft that failed for want of votes
  is not counted as a veto, following the UN's veto list and the counting rule of the UK
  FCO research paper "Vetoed Draft Resolutions in the United Nations Security Council
  1946-2012" (2018).
* Not modelled: the proviso of Art. 27(3) that a party to a dispute abstains in decisions
  under Chapter VI and Art. 52(3) (record such a member as "A" or leave it out), and the
  preliminary "double veto" question of whether a matter is procedural.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeGuard, get_args

from forewarn.inputs import parse_json, read_text
from forewarn.unsc.members import Council, Member, UnscError, council_on, resolve_member

__all__ = ["MATTERS", "VOTE_VALUES", "Decision", "Matter", "Vote", "decide", "load_vote_file"]

Matter = Literal["substantive", "procedural"]
Vote = Literal["Y", "N", "A", "absent"]

MATTERS: tuple[Matter, ...] = get_args(Matter)
VOTE_VALUES: tuple[Vote, ...] = get_args(Vote)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILE_FIELDS = frozenset({"date", "matter", "votes"})


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome of a vote: adoption, the reason in one line, vetoes and the tally.

    ``vetoed_by`` holds the ISO codes of the vetoing permanent members (e.g. ``"RUS"``);
    the counts cover every member of the Council on the date, so they sum to its size.
    """

    adopted: bool
    reason: str
    vetoed_by: tuple[str, ...]
    yes: int
    no: int
    abstain: int
    absent: int
    votes_required: int

    def as_dict(self) -> dict[str, object]:
        """The JSON form printed by ``forewarn unsc decide`` and returned by the API."""
        return {
            "adopted": self.adopted,
            "reason": self.reason,
            "vetoed_by": list(self.vetoed_by),
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "absent": self.absent,
            "votes_required": self.votes_required,
        }


def decide(on: date, matter: Matter, votes: Mapping[str, Vote]) -> Decision:
    """Apply Art. 27 to ``votes`` (member name, alias or code -> "Y"/"N"/"A"/"absent")."""
    if not _is_matter(matter):
        raise UnscError(f"matter must be one of {', '.join(MATTERS)}, got {matter!r}")
    council = council_on(on)
    cast = _cast_votes(council, votes)
    tally = {value: 0 for value in VOTE_VALUES}
    for member in council.members:
        tally[cast.get(member.code, "absent")] += 1
    vetoes = _vetoes(council, cast) if matter == "substantive" else ()
    adopted, reason = _outcome(council, matter, tally["Y"], vetoes)
    return Decision(
        adopted=adopted,
        reason=reason,
        vetoed_by=tuple(m.code for m in vetoes) if tally["Y"] >= council.votes_required else (),
        yes=tally["Y"],
        no=tally["N"],
        abstain=tally["A"],
        absent=tally["absent"],
        votes_required=council.votes_required,
    )


def load_vote_file(path: Path | str) -> tuple[date, Matter, dict[str, Vote]]:
    """Read a JSON vote file ``{"date": "YYYY-MM-DD", "matter": ..., "votes": {...}}``.

    Checks the file's shape only; ``decide`` checks the names against the Council.
    """
    label = str(path)
    raw = _read_json(Path(path), label)
    if not isinstance(raw, dict):
        raise UnscError(f"{label}: expected a JSON object with fields date, matter, votes")
    missing = sorted(_FILE_FIELDS - raw.keys())
    if missing:
        raise UnscError(f"{label}: missing field {missing[0]!r}")
    extra = sorted(raw.keys() - _FILE_FIELDS)
    if extra:
        raise UnscError(f"{label}: unexpected field {extra[0]!r}")
    return (
        _file_date(raw["date"], label),
        _file_matter(raw["matter"], label),
        _file_votes(raw["votes"], label),
    )


# -- deciding ----------------------------------------------------------------------------


def _is_matter(value: object) -> TypeGuard[Matter]:
    return value in MATTERS


def _is_vote(value: object) -> TypeGuard[Vote]:
    return value in VOTE_VALUES


def _cast_votes(council: Council, votes: Mapping[str, Vote]) -> dict[str, Vote]:
    """Map each voter to its member code, rejecting non-members, repeats and bad values."""
    cast: dict[str, Vote] = {}
    named: dict[str, str] = {}
    for name, value in votes.items():
        if not _is_vote(value):
            raise UnscError(
                f"vote of {name!r} must be one of {', '.join(VOTE_VALUES)}, got {value!r}"
            )
        member = resolve_member(name, council.on)
        if member.code in cast:
            raise UnscError(f"{member.name} votes twice (as {named[member.code]!r} and {name!r})")
        cast[member.code] = value
        named[member.code] = name
    return cast


def _vetoes(council: Council, cast: Mapping[str, Vote]) -> tuple[Member, ...]:
    return tuple(m for m in council.permanent if cast.get(m.code) == "N")


def _outcome(
    council: Council, matter: Matter, yes: int, vetoes: tuple[Member, ...]
) -> tuple[bool, str]:
    required = council.votes_required
    article = "Art. 27(2)" if matter == "procedural" else "Art. 27(3)"
    counted = f"{yes} affirmative votes, {required} required of {council.size} members"
    if yes < required:
        return False, f"not adopted: {counted} ({article})"
    if vetoes:
        names = ", ".join(m.name for m in vetoes)
        return False, f"not adopted: negative vote of a permanent member ({names}); {counted}"
    if matter == "procedural":
        return True, f"adopted: procedural matter, no veto applies; {counted} ({article})"
    return True, (
        f"adopted: {counted}, no permanent member voting against; abstention or"
        " absence of a permanent member does not block (Art. 27(3), ICJ Namibia"
        " opinion 1971)"
    )


# -- vote files ---------------------------------------------------------------------------


def _read_json(path: Path, label: str) -> Any:
    return parse_json(read_text(path, UnscError, label), UnscError, label)


def _file_date(value: object, label: str) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UnscError(f"{label}: field 'date': expected a YYYY-MM-DD date, got {_show(value)}")


def _file_matter(value: object, label: str) -> Matter:
    if not _is_matter(value):
        raise UnscError(
            f"{label}: field 'matter': expected one of {', '.join(MATTERS)}, got {_show(value)}"
        )
    return value


def _file_votes(value: object, label: str) -> dict[str, Vote]:
    if not isinstance(value, dict):
        raise UnscError(
            f"{label}: field 'votes': expected an object mapping member names"
            f" to votes, got {_show(value)}"
        )
    votes: dict[str, Vote] = {}
    for name, vote in value.items():
        if not name.strip():
            raise UnscError(f"{label}: field 'votes': empty member name")
        if not _is_vote(vote):
            field = "votes." + json.dumps(name, ensure_ascii=False)[1:-1]
            raise UnscError(
                f"{label}: field {field!r}: expected one of"
                f" {', '.join(VOTE_VALUES)}, got {_show(vote)}"
            )
        votes[name] = vote
    return votes


def _show(value: object) -> str:
    """A short, single-line rendering of a user-supplied value for error messages."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
