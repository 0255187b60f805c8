"""The whole dashboard in Bahasa Indonesia, walked in a real browser: no English left.

A user signs in with ``?lang=id`` and the walk opens every page the web app serves as HTML
(the route table is checked against the walk, so a new page cannot be left out): the map
(and its tooltip's data), the ranking (and a search by an Indonesian country name), country
pages with and without event data, the alert and action queues (with a refusal that lacks
its reason), the ledger, the Security Council, every case with its replay, the briefs, an
acknowledgement link (its confirmation, its done page and its refusal), the log-in page with
a failed log-in, and error pages. On each page every text node (closed ``<details>`` are
opened; text only for screen readers counts too) and the ``title``, ``aria-label``,
``placeholder`` and ``alt`` attributes go through :mod:`tests.web.english`; any text that is
still English fails the test, with the page, the text and the words that gave it away.

Excluded, with the reason: ``/docs`` and ``/redoc``, the REST API's reference for
developers, drawn by Swagger UI and ReDoc from the OpenAPI schema; ``<code>`` elements
(identifiers); what :mod:`tests.web.english` excludes.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.api import create_app
from forewarn.api.context import ApiContext
from forewarn.cases.timeline import list_cases
from forewarn.config import Settings
from forewarn.notify import links
from forewarn.reports.inputs import ForecastInputs
from forewarn.reports.published import published_inputs
from forewarn.store.db import open_database
from forewarn.store.tables import ActionRow, UserRow
from forewarn.web import ack, briefs, login, pages, vendor_ready

from . import standin
from .conftest import ARTIFACTS, PASSWORD, PUBLIC_EVIDENCE, seed
from .english import Detector, detector
from .test_browser import CHROMIUM, DECIDER_ROLES, _cli, _require, served_in_thread
from .test_browser import browser as browser  # the browser fixture
from .test_events import _with_events

pytestmark = pytest.mark.slow

TYPED = ("dana", "analyst-a", getpass.getuser(), PUBLIC_EVIDENCE, "official gazette")
"""What the walk's people typed: user names (the CLI's actor is the system user running it,
``root`` in a container), and the evidence seeded in English."""
SKIPPED_ROUTES = {"/docs", "/redoc", "/docs/oauth2-redirect"}
"""The API reference for developers (Swagger UI, ReDoc), not dashboard pages."""

COLLECT = """
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'CODE', 'KBD', 'SAMP']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let el = node.parentElement, skipped = false;
    for (; el; el = el.parentElement) { if (skip.has(el.tagName)) { skipped = true; break; } }
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (!skipped && text) out.push(text);
  }
  for (const el of document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')) {
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  out.push(document.title);
  return out;
}
"""


@dataclass(frozen=True)
class Desk:
    url: str
    context: ApiContext
    settings: Settings


@dataclass
class Walk:
    """What the walk found: English texts by page, and the route templates it opened."""

    detector: Detector
    found: dict[str, list[str]] = field(default_factory=dict)
    visited: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, problem: str) -> None:
        """Note a problem and walk on (every page is judged, whatever fails first)."""
        if not ok:
            self.problems.append(problem)

    def judge(self, where: str, texts: list[str]) -> None:
        for text in dict.fromkeys(texts):
            hits = self.detector.english_words(text)
            if hits:
                self.found.setdefault(where, []).append(f"{text[:160]!r} [{', '.join(hits)}]")

    def report(self) -> str:
        lines = [f"{sum(map(len, self.found.values()))} English texts on {len(self.found)} pages"]
        for where, texts in self.found.items():
            lines += [f"  {where} ({len(texts)}):"] + [f"    {t}" for t in texts]
        return "\n".join(lines)


@pytest.fixture
def desk(outlook: None, web_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """The app served on 127.0.0.1 on a seeded database with CAF's event data; users made by
    the CLI: ``dana`` (decision staff holding the ladder roles, speaking Indonesian)."""
    _require(Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (source scripts/browser.sh)")
    _require(vendor_ready(), "the map's npm assets are missing (run scripts/web-assets.sh)")
    monkeypatch.setattr("forewarn.web.briefs.forecast_inputs", _published)
    open_database(web_settings).dispose()
    seed(web_settings)
    _with_events(web_settings)
    roles = [arg for role in DECIDER_ROLES for arg in ("--owner-role", role)]
    _cli(web_settings, "users", "add", "dana", "--role", "decision", *roles, "--language", "id",
         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    app = create_app(web_settings)
    with served_in_thread(app) as url:
        yield Desk(url, app.state.forewarn, web_settings)


def _published(settings: Settings, base_year: int | None = None) -> ForecastInputs:
    """Briefs made from the published forecast, like the stand-in of the forecasting stage."""
    return published_inputs(settings)


def _ack_link(desk: Desk) -> str:
    """A signed acknowledgement link for dana's first open, unacknowledged action."""
    with Session(desk.context.engine) as session:
        user = session.scalars(select(UserRow).where(UserRow.name == "dana")).one()
        rows = session.scalars(
            select(ActionRow).where(ActionRow.acknowledged_at.is_(None)).order_by(ActionRow.id)
        )
        action = next(r for r in rows if r.state == "open" and r.owner in user.owner_roles)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        claim = links.Claim(f"walk:{action.id}", user.id, action.id, expires)
        return "/ack/" + links.make_token(desk.context.cookies.key, claim)


def _page_routes() -> set[str]:
    """The GET routes of the dashboard's routers (the pages a browser can open)."""
    found = set()
    for module in (login, pages, briefs, ack):
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                found.add(route.path)
    return found - SKIPPED_ROUTES


def _look(page: Any, walk: Walk, where: str, route: str) -> None:
    walk.visited.add(route)
    assert page.locator("html").get_attribute("lang") == "id", where
    walk.judge(where, page.evaluate(COLLECT))


def _open(page: Any, walk: Walk, url: str, route: str, where: str | None = None) -> None:
    page.goto(url)
    _look(page, walk, where or url.split("://", 1)[1].split("/", 1)[1], route)


def _sign_in(page: Any, desk: Desk, walk: Walk) -> None:
    page.goto(desk.url + "/login?lang=id")
    page.locator("#username").fill("dana")
    page.locator("#password").fill("not the password")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_selector("#login-error")
    _look(page, walk, "login (wrong password)", "/login")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(desk.url + "/")


def _map(page: Any, desk: Desk, walk: Walk) -> None:
    _open(page, walk, desk.url + "/", "/", "map")
    page.wait_for_selector("#map[data-drawn]")
    data = json.loads(page.locator("#map-data").text_content() or "{}")
    names = [c["name"] for c in data["countries"].values()] + list(data["names"].values())
    walk.judge("map (country names of the map data)", names)
    walk.judge("map (tooltip labels)", list(data["labels"].values()))
    page.locator('#map path[data-iso3="PHL"]').focus()
    tooltip = page.locator("#tooltip").inner_text()
    walk.judge("map (tooltip)", [tooltip])
    walk.check("Filipina" in tooltip, f"the map's tooltip for PHL says {tooltip!r}")


def _ranking(page: Any, desk: Desk, walk: Walk) -> None:
    _open(page, walk, desk.url + "/ranking", "/ranking", "ranking")
    _open(page, walk, desk.url + "/ranking?q=Filipina", "/ranking", "ranking?q=Filipina")
    shown = page.locator("#ranking tbody").inner_text()
    walk.check("Filipina" in shown, f"searching 'Filipina' found {shown[:80]!r}")
    _open(page, walk, desk.url + "/ranking?q=Philippines", "/ranking", "ranking?q=Philippines")
    rows = page.locator("#ranking tbody tr").count()
    walk.check(rows == 1, f"searching 'Philippines' found {rows} rows")
    page.goto(desk.url + "/ranking")
    page.locator("#q").fill("sudan selatan")
    rows = page.locator("#ranking tbody tr:visible").count()
    walk.check(rows == 1, f"filtering 'sudan selatan' in the page shows {rows} rows")


def _queues(page: Any, desk: Desk, walk: Walk) -> None:
    for path in ("/alerts", "/alerts?level=warning"):
        _open(page, walk, desk.url + path, "/alerts")
    _open(page, walk, desk.url + "/actions?show=live", "/actions")
    card = page.locator("article.action:has(textarea[name=reason])").first
    card_id = card.get_attribute("id")  # its form is open: the walk opened every <details>
    card.locator("form[action$='/refuse'] button").click()
    page.wait_for_selector(f"#{card_id}-error")
    _look(page, walk, "actions (refusal without a reason)", "/actions")
    card = page.locator(f"#{card_id}")  # its form is open, showing the error
    card.locator("textarea[name=reason]").fill("Misi penilaian sudah dijadwalkan bulan depan.")
    card.locator("form[action$='/refuse'] button").click()
    page.wait_for_selector("[role=status]")
    _look(page, walk, "actions (refused)", "/actions")
    _open(page, walk, desk.url + "/actions?show=all", "/actions")
    _open(page, walk, desk.url + "/ledger", "/ledger")


def _countries(page: Any, desk: Desk, walk: Walk) -> None:
    for iso3 in ("CAF", "MMR", "SDN", "PHL"):
        _open(page, walk, desk.url + f"/countries/{iso3}", "/countries/{iso3}")
    page.goto(desk.url + "/countries/CAF")
    page.wait_for_selector("#events-map[data-drawn]")
    _look(page, walk, "countries/CAF (events map drawn)", "/countries/{iso3}")


def _council_and_cases(page: Any, desk: Desk, walk: Walk) -> None:
    _open(page, walk, desk.url + "/council", "/council")
    _open(page, walk, desk.url + "/cases", "/cases")
    for case_id in list_cases():
        _open(page, walk, desk.url + f"/cases/{case_id}", "/cases/{case_id}")
        _open(page, walk, desk.url + f"/cases/{case_id}?replay=true", "/cases/{case_id}")


def _briefs(page: Any, desk: Desk, walk: Walk) -> None:
    for path, route in (("/reports/country/MMR", "/reports/country/{iso3}"),
                        ("/reports/watchlist", "/reports/watchlist")):  # fmt: skip
        page.goto(desk.url + path + "?format=html")
        _look(page, walk, path, route)


def _acknowledgement(page: Any, desk: Desk, walk: Walk) -> None:
    link = _ack_link(desk)
    _open(page, walk, desk.url + link, "/ack/{token}", "ack link (confirmation)")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_selector("#ack-done")
    _look(page, walk, "ack link (done)", "/ack/{token}")
    _open(page, walk, desk.url + link, "/ack/{token}", "ack link (used again)")
    _open(page, walk, desk.url + "/ack/not-a-token", "/ack/{token}", "ack link (tampered)")


def _errors(page: Any, desk: Desk, walk: Walk) -> None:
    _open(page, walk, desk.url + "/countries/XYZ", "/countries/{iso3}", "error (no country)")
    _open(page, walk, desk.url + "/cases/nowhere", "/cases/{case_id}", "error (no case)")
    _open(page, walk, desk.url + "/alerts?level=purple", "/alerts", "error (no such level)")


def test_every_page_speaks_indonesian(desk: Desk, browser: Any) -> None:
    names = standin.forecast_of(desk.settings)["country"].astype(str)
    walk = Walk(detector(names, typed=TYPED))
    page = browser.pages[0] if browser.pages else browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, desk, walk)
    for step in (_map, _ranking, _countries, _queues, _council_and_cases, _briefs, _errors):
        step(page, desk, walk)
    page.goto(desk.url + "/council")
    page.screenshot(path=str(ARTIFACTS / "20-council-indonesian.png"), full_page=True)
    page.goto(desk.url + "/cases/rwanda-1994?replay=true")
    page.screenshot(path=str(ARTIFACTS / "21-case-indonesian.png"), full_page=True)
    page.goto(desk.url + "/ranking?q=Filipina")
    page.screenshot(path=str(ARTIFACTS / "22-ranking-filipina.png"), full_page=False)
    _acknowledgement(page, desk, walk)
    missing = _page_routes() - walk.visited
    assert not missing, f"pages the walk does not open: {sorted(missing)}"
    if os.environ.get("FOREWARN_WALK_REPORT"):
        text = walk.report() + "\n" + "\n".join(walk.problems)
        Path(os.environ["FOREWARN_WALK_REPORT"]).write_text(text, encoding="utf-8")
    assert not walk.found, walk.report()
    assert not walk.problems, walk.problems
    assert errors == [], errors
