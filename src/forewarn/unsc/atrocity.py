"""Which vetoes are atrocity-related: the rule table :data:`ATROCITY_RULES` (documented in
``docs/security-council.md``): keywords searched in a veto's agenda item and crisis topic
together, some limited to a period, plus draft symbols named explicitly with their source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class AtrocityRule:
    """A veto is atrocity-related if ``pattern`` (and ``also``) match within the dates.

    Patterns are regular expressions searched case-insensitively in the agenda item and
    crisis topic together. ``drafts`` names draft symbols tagged whatever their text.
    """

    id: str
    pattern: str
    why: str
    since: date | None = None
    until: date | None = None
    also: str | None = None
    drafts: tuple[str, ...] = ()

    def matches(self, text: str, on: date, draft: str) -> bool:
        """True if the rule tags a veto with this text, date and draft symbol."""
        if draft and draft in self.drafts:
            return True
        if (self.since and on < self.since) or (self.until and on > self.until):
            return False
        if not re.search(self.pattern, text, re.IGNORECASE):
            return False
        return self.also is None or bool(re.search(self.also, text, re.IGNORECASE))


ATROCITY_RULES: tuple[AtrocityRule, ...] = (
    AtrocityRule(
        "syria-war",
        r"\bsyria",
        "Syria from March 2011: crackdown, sieges, chemical weapons, ICC referral, cross-border"
        " aid (case file syria-2011)",
        since=date(2011, 3, 1),
    ),
    AtrocityRule("myanmar", r"myanmar|burma", "Myanmar: repression of minorities and dissent"),
    AtrocityRule(
        "bosnia-war",
        r"bosnia|srebrenica",
        "Bosnia and Herzegovina during the war (6 Apr 1992 to the Dayton agreement, 14 Dec 1995)",
        since=date(1992, 4, 6),
        until=date(1995, 12, 14),
    ),
    AtrocityRule(
        "srebrenica-genocide",
        r"srebrenica",
        "Srebrenica genocide; S/2015/508 per case file srebrenica-1995 (UK draft, 8 Jul 2015)",
        drafts=("S/2015/508",),
    ),
    AtrocityRule("rwanda", r"rwanda", "Rwanda"),
    AtrocityRule("darfur-sudan", r"darfur|(?<!south )sudan", "Darfur and Sudan"),
    AtrocityRule("gaza", r"gaza", "Gaza: civilians, humanitarian access, ceasefire"),
    AtrocityRule("yemen", r"yemen", "Yemen war"),
    AtrocityRule(
        "ukraine-civilians",
        r"ukraine",
        "Ukraine, only drafts whose recorded text names civilians or humanitarian needs",
        also=r"civilian|humanitarian",
    ),
    AtrocityRule(
        "atrocity-terms",
        r"genocide|mass atrocit|crimes? against humanity|war crimes|ethnic cleansing"
        r"|protection of civilians",
        "The recorded text names an atrocity crime or the protection of civilians",
    ),
)


def atrocity_rule_of(text: str, on: date, draft: str) -> str:
    """The id of the first rule that tags this veto, or "" if none does."""
    return next((r.id for r in ATROCITY_RULES if r.matches(text, on, draft)), "")
