"""One risk-factor profile: the brief, the dashboard, ``plot factors`` and the alert snapshot
show the same one for every country, made from all of the forecast's contributions."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from forewarn import outlook
from forewarn.cli.warning import factor_shares
from forewarn.config import Settings
from forewarn.framework.catalogue import load_framework
from forewarn.framework.drivers import FactorShare, profile, shares_of
from forewarn.reports.forecast_parts import profile_of as brief_profile
from forewarn.reports.forecasts import from_forecasting_stage
from forewarn.reports.values import ProfileRow
from forewarn.warning.alerts import candidates
from forewarn.warning.rules import Firing, load_rules
from forewarn.web.views import FactorView
from forewarn.web.views import profile_of as dashboard_profile

pytestmark = pytest.mark.slow


Share = FactorShare | ProfileRow | FactorView


def _rows(shares: Iterable[Share]) -> list[tuple[str, float, float]]:
    return [(r.factor, round(r.raising, 12), round(r.net, 12)) for r in shares]


def _snapshots(settings: Settings) -> dict[str, list[FactorShare]]:
    """The profile each alert would freeze, with an alert raised for every country."""
    current = outlook.current(settings)
    frame = current.frame
    rules = load_rules()
    rule = rules.rules[0]
    firings = [Firing(str(iso3), rule.id, rule.level) for iso3 in frame["iso3"]]
    names = {str(i): (int(c), str(n)) for i, c, n in zip(frame["iso3"], frame["ccode"],
                                                        frame["country"], strict=True)}  # fmt: skip
    made = candidates(rules, firings, frame, {}, current.provenance, names)
    return {c.iso3: shares_of(c.snapshot["forecast"]["risk_factor_profile"]) for c in made}


def test_every_interface_shows_the_same_profile_for_every_country(settings: Settings) -> None:
    framework = load_framework()
    inputs = from_forecasting_stage(settings, None)
    frame = outlook.current_forecast(settings)
    snapshots = _snapshots(settings)
    assert len(frame) > 150
    for row in frame.to_dict("records"):
        iso3 = str(row["iso3"])
        every = dict(inputs.contributions[iso3])
        expected = _rows(profile(every))  # the one function, over all contributions
        assert len(every) > len(row["drivers"])  # more than the drivers a reader sees
        assert _rows(brief_profile(inputs.contributions[iso3], framework)) == expected, iso3
        assert _rows(dashboard_profile(row["profile"], framework)) == expected, iso3
        assert _rows(factor_shares(frame, iso3)) == expected, iso3
        assert _rows(snapshots[iso3]) == expected, iso3
