"""The country page's event data: the monthly chart with alerts marked, the provinces, the
events map (in a real browser), in English and Indonesian."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.events.monitor import raise_monthly_alerts
from forewarn.events.storage import events_root, import_events
from forewarn.store.db import open_database
from forewarn.warning.monthly import load_monthly_rules
from forewarn.web.events import MONTHS

from .conftest import PASSWORD, Desk
from .test_browser import Server
from .test_browser import browser as browser  # the fixtures of the browser tests
from .test_browser import server as server


def _with_events(settings: Settings) -> None:
    """The CAF events imported, and the monthly alert of July 2013 raised."""
    path = registry.fetch("ucdp-ged-caf", settings)
    root = events_root(settings.data_dir)
    import_events(root, path, sha256=registry.sha256_of(path), repair=True)
    engine = open_database(settings)
    try:
        raise_monthly_alerts(engine, root, load_monthly_rules(), dt.datetime.now(dt.UTC), "2013-07")
    finally:
        engine.dispose()


@pytest.fixture
def events_desk(desk: Desk) -> Iterator[Desk]:
    _with_events(desk.settings)
    yield desk


def test_the_country_page_shows_the_monthly_signal(events_desk: Desk) -> None:
    events_desk.login("vic")
    page = events_desk.client.get("/countries/CAF").text
    assert "Monthly violence (event data)" in page
    assert page.count('<g class="month">') == MONTHS  # ten years of months, quiet ones too
    assert re.search(r'class="alert-mark level-emergency"><title>2013-07: ', page)
    table = page.split('id="province-table"')[1].split("</table>")[0]
    assert "Ouaka province" in table and table.count("<tr>") > 10
    assert 'id="events-data"' in page and "/static/js/events.js" in page
    indonesian = events_desk.client.get("/countries/CAF?lang=id").text
    assert "Kekerasan bulanan (data peristiwa)" in indonesian and "Per provinsi" in indonesian
    other = events_desk.client.get("/countries/MMR").text  # no events imported for Myanmar
    assert "Monthly violence" not in other and "events.js" not in other


@pytest.mark.slow
def test_the_events_map_in_a_browser(
    server: Server, browser: object, web_settings: Settings
) -> None:
    from playwright.sync_api import expect

    _with_events(web_settings)
    page = browser.pages[0] if browser.pages else browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/login?next=/countries/CAF")
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", level=2, name="Monthly violence (event data)")
    ).to_be_visible()
    expect(page.locator("#events-map[data-drawn]")).to_have_count(1)
    drawn = int(page.locator("#events-map").get_attribute("data-drawn") or 0)
    assert drawn > 1000 and page.locator("#events-map circle.event").count() == drawn
    assert page.locator("#events-map path.country-shape").count() == 1
    assert page.locator("svg.monthly .alert-mark").count() >= 1
    page.locator("#events-map").screenshot(
        path=str(
            Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "12-events-map.png"
        )
    )
    page.goto(server.url + "/countries/CAF?lang=id")
    expect(
        page.get_by_role("heading", level=2, name="Kekerasan bulanan (data peristiwa)")
    ).to_be_visible()
    expect(page.locator("#events-map[data-drawn]")).to_have_count(1)
    page.screenshot(
        path=str(
            Path(__file__).resolve().parents[2]
            / "artifacts"
            / "screenshots"
            / "13-country-events-indonesian.png"
        ),
        full_page=True,
    )
    assert errors == [], errors
