"""Veto restraint, what if: would atrocity-related vetoed drafts have passed?

A scenario from the packaged ``data/restraint.toml`` names the permanent members treated
as bound not to vote against drafts in atrocity situations (``none``, ``french-mexican``,
``act-code``, ``full``). For each atrocity-tagged veto (see :mod:`forewarn.unsc.vetoes`)
the bound members' negative votes are treated as abstentions, and the draft is judged:

* ``still blocked``: a permanent member that is not bound still voted against it;
* ``passes``: no permanent member's negative vote remains (negative votes of elected
  members never block) and the recorded affirmative count reaches the threshold of the day
  (nine from 1966, seven before);
* ``fails (too few affirmative votes)``: no veto remains but the recorded count is short;
* ``unknown (no recorded vote count)``: no veto remains and no affirmative count is
  recorded. Such drafts are counted separately; the *optimistic* count adds them to the
  passes, on the assumption that a draft the UN lists as vetoed had the votes it needed.

Vote counts come from the veto row (the supplement records them; the registry CSV has
none) and otherwise from a bundled case timeline (``cases/data/*.toml``) whose veto event
has the same date and the same vetoing members and carries a ``vote`` like "13-2-0".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from forewarn.cases.timeline import list_cases, load_case
from forewarn.inputs import parse_toml, read_text
from forewarn.unsc.members import UnscError, council_on

__all__ = [
    "STATUS_TEXT",
    "TREATMENT",
    "Outcome",
    "Scenario",
    "ScenarioResult",
    "VoteCount",
    "judge",
    "load_scenarios",
    "recorded_counts",
    "run_scenarios",
]

Status = Literal["passes", "blocked", "fails", "unknown"]
STATUS_TEXT: Mapping[Status, str] = {
    "passes": "passes",
    "blocked": "still blocked",
    "fails": "fails (too few affirmative votes)",
    "unknown": "unknown (no recorded vote count)",
}


def N_(message: str) -> str:
    """Mark a text for the translation catalogue (``i18n/babel.cfg`` extracts this module);
    the dashboard translates it when it shows it."""
    return message


TREATMENT = N_(
    "Bound permanent members' negative votes are treated as abstentions. A draft passes only"
    " if no unbound permanent member voted against it and its recorded affirmative count"
    " reaches 9 (7 before 1966); elected members' negative votes never block. Drafts with no"
    " recorded affirmative count are 'unknown (no recorded vote count)', not passes; the"
    " optimistic count adds them, assuming a listed veto means the draft had the votes."
)
_SCHEMA = 1
_LABEL = "forewarn/unsc/data/restraint.toml"


@dataclass(frozen=True, slots=True)
class Scenario:
    """Which permanent members a scenario treats as bound, with its note and sources."""

    id: str
    title: str
    bound: frozenset[str]
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VoteCount:
    """A recorded vote: affirmative, negative and abstaining counts, and where it is from."""

    yes: int
    no: int | None
    abstain: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """One draft under one scenario."""

    veto_id: str
    date: date
    draft: str
    topic: str
    vetoed_by: tuple[str, ...]
    set_aside: tuple[str, ...]
    blocked_by: tuple[str, ...]
    status: Status
    yes: int | None
    required: int
    count_source: str | None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.veto_id,
            "date": self.date.isoformat(),
            "draft": self.draft,
            "topic": self.topic,
            "vetoed_by": list(self.vetoed_by),
            "negative_votes_set_aside": list(self.set_aside),
            "still_blocked_by": list(self.blocked_by),
            "status": STATUS_TEXT[self.status],
            "yes": self.yes,
            "required": self.required,
            "vote_count_source": self.count_source,
        }


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A scenario's outcomes for every atrocity-tagged veto."""

    scenario: Scenario
    outcomes: tuple[Outcome, ...]

    def number(self, status: Status) -> int:
        """How many drafts end with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    def blocked_by(self) -> dict[str, int]:
        """Drafts still blocked, per permanent member still voting against."""
        seen = Counter(code for o in self.outcomes for code in o.blocked_by)
        return dict(seen.most_common())

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict with the totals and the per-draft list."""
        s = self.scenario
        return {
            "id": s.id,
            "title": s.title,
            "bound": sorted(s.bound),
            "note": s.note,
            "sources": list(s.sources),
            "atrocity_vetoes": len(self.outcomes),
            "passes": self.number("passes"),
            "still_blocked": self.number("blocked"),
            "still_blocked_by": self.blocked_by(),
            "fails_too_few_votes": self.number("fails"),
            "unknown_no_vote_count": self.number("unknown"),
            "optimistic_passes": self.number("passes") + self.number("unknown"),
            "drafts": [o.to_record() for o in self.outcomes],
        }


# -- scenarios ---------------------------------------------------------------------------


def load_scenarios(path: Path | None = None) -> tuple[Scenario, ...]:
    """The scenarios of ``restraint.toml`` (the packaged one if ``path`` is None)."""
    if path is None:
        text = (resources.files("forewarn.unsc") / "data" / "restraint.toml").read_text("utf-8")
        label = _LABEL
    else:
        label = str(path)
        text = read_text(path, UnscError, label)
    return _parse(parse_toml(text, UnscError, label), label)


def _parse(raw: Mapping[str, Any], label: str) -> tuple[Scenario, ...]:
    if raw.get("schema") != _SCHEMA:
        raise UnscError(f"{label}: schema: expected {_SCHEMA}, got {raw.get('schema')!r}")
    permanent = frozenset(_strings(raw.get("permanent_members"), f"{label}: permanent_members"))
    sources = raw.get("sources")
    if not isinstance(sources, dict):
        raise UnscError(f"{label}: [sources]: missing table")
    tables = raw.get("scenario")
    if not isinstance(tables, list) or not tables:
        raise UnscError(f"{label}: [[scenario]]: at least one scenario is required")
    return tuple(
        _scenario(t, permanent, sources, f"{label}: scenario {n + 1}") for n, t in enumerate(tables)
    )


def _scenario(
    table: Any, permanent: frozenset[str], sources: Mapping[str, Any], where: str
) -> Scenario:
    if not isinstance(table, dict):
        raise UnscError(f"{where}: not a table")
    sid = _text(table, "id", where)
    where = f"{where} ({sid})"
    bound = frozenset(_strings(table.get("bound"), f"{where}: bound"))
    not_bound = frozenset(_strings(table.get("not_bound"), f"{where}: not_bound"))
    if bound & not_bound or bound | not_bound != permanent:
        raise UnscError(f"{where}: bound and not_bound must split the permanent members")
    cited = _strings(table.get("sources"), f"{where}: sources")
    unknown = [key for key in cited if key not in sources]
    if unknown:
        raise UnscError(f"{where}: unknown source key {unknown[0]!r}")
    return Scenario(sid, _text(table, "title", where), bound, _text(table, "note", where), cited)


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UnscError(f"{where}: {key}: missing or empty")
    return value.strip()


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UnscError(f"{where}: expected a list of strings")
    return tuple(value)


# -- vote counts ---------------------------------------------------------------------------


def _case_counts() -> dict[tuple[date, frozenset[str]], VoteCount]:
    found: dict[tuple[date, frozenset[str]], VoteCount] = {}
    for case_id in list_cases():
        for event in load_case(case_id).events_of_kind("veto"):
            if event.vote:
                yes, no, abstain = (int(part) for part in event.vote.split("-"))
                key = (event.date, frozenset(event.vetoed_by))
                found[key] = VoteCount(yes, no, abstain, f"case {case_id}: {event.vote}")
    return found


def recorded_counts(frame: pd.DataFrame) -> dict[str, VoteCount]:
    """Recorded vote counts by veto id: from the veto row, else from a case timeline."""
    cases = _case_counts()
    counts: dict[str, VoteCount] = {}
    for _, row in frame.iterrows():
        if row["yes"] is not pd.NA:
            counts[row["id"]] = VoteCount(
                int(row["yes"]), _int(row["no"]), _int(row["abstain"]), f"{row['origin']} row"
            )
        elif (row["date"], frozenset(row["seats"])) in cases:
            counts[row["id"]] = cases[(row["date"], frozenset(row["seats"]))]
    return counts


def _int(value: Any) -> int | None:
    return None if value is pd.NA else int(value)


# -- judging ---------------------------------------------------------------------------------


def judge(row: pd.Series, scenario: Scenario, count: VoteCount | None) -> Outcome:
    """The outcome of one vetoed draft (a row of the veto frame) under ``scenario``."""
    seats: tuple[str, ...] = tuple(row["seats"])
    remaining = tuple(s for s in seats if s not in scenario.bound)
    required = council_on(row["date"]).votes_required
    status: Status
    if remaining:
        status = "blocked"
    elif count is None:
        status = "unknown"
    else:
        status = "passes" if count.yes >= required else "fails"
    return Outcome(
        veto_id=str(row["id"]),
        date=row["date"],
        draft=str(row["draft"]),
        topic=str(row["topic"]),
        vetoed_by=seats,
        set_aside=tuple(s for s in seats if s in scenario.bound),
        blocked_by=remaining,
        status=status,
        yes=None if count is None else count.yes,
        required=required,
        count_source=None if count is None else count.source,
    )


def run_scenarios(frame: pd.DataFrame, scenarios: Iterable[Scenario]) -> list[ScenarioResult]:
    """Apply each scenario to the atrocity-tagged vetoes of ``frame``."""
    tagged = frame[frame["atrocity"]]
    counts = recorded_counts(tagged)
    rows = [row for _, row in tagged.iterrows()]
    return [
        ScenarioResult(s, tuple(judge(row, s, counts.get(row["id"])) for row in rows))
        for s in scenarios
    ]
