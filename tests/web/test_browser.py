"""The dashboard in a real browser: Debian's Chromium, driven by Python Playwright, against a
real server on 127.0.0.1 with users made by the CLI and alerts and actions made by the stages.

Screenshots are saved in ``artifacts/screenshots/``. The browser is ``/usr/bin/chromium``
(``scripts/browser.sh`` installs it), never a browser build downloaded by Playwright. Without
it the tests are skipped, except under ``CI=true``, where its absence fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from forewarn.api import create_app
from forewarn.config import Settings
from forewarn.store.db import open_database
from forewarn.web import vendor_ready

from .conftest import ARTIFACTS, PASSWORD, seed

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("FOREWARN_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FOREWARN = Path(sys.executable).with_name("forewarn")
DECIDER_ROLES = (
    "analyst", "head_of_unit", "special_adviser", "political_affairs", "secretary_general"
)  # fmt: skip


def _require(ready: bool, reason: str) -> None:
    if ready:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def _cli(settings: Settings, *args: str, stdin: str = "") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env |= {
        "FOREWARN_DATABASE_URL": settings.resolved_database_url(),
        "FOREWARN_DATA_DIR": str(settings.data_dir),
        "FOREWARN_CACHE_DIR": str(settings.cache_dir),
        "FOREWARN_DATA_MIRROR": str(settings.data_mirror),
    }
    done = subprocess.run(
        [str(FOREWARN), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served_in_thread(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread; its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Server:
    url: str


@pytest.fixture
def server(outlook: None, web_settings: Settings) -> Iterator[Server]:
    """``forewarn``'s app served by uvicorn on 127.0.0.1, on a database seeded by the stages,
    with an admin and a decision user made by ``forewarn users add``."""
    _require(Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (source scripts/browser.sh)")
    _require(vendor_ready(), "the map's npm assets are missing (run scripts/web-assets.sh)")
    open_database(web_settings).dispose()
    seed(web_settings)
    _cli(web_settings, "users", "add", "admin", "--role", "admin", "--password-stdin",
         stdin=PASSWORD + "\n")  # fmt: skip
    roles = [arg for role in DECIDER_ROLES for arg in ("--owner-role", role)]
    _cli(web_settings, "users", "add", "dana", "--role", "decision", *roles,
         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    with served_in_thread(create_app(web_settings)) as url:
        yield Server(url)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A fresh headless Chromium profile (the Debian browser, not a downloaded build)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)


def _shot(page: object, name: str, full: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)  # type: ignore[attr-defined]


def _no_outside_requests(page: object, base: str) -> list[str]:
    outside: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url)
    )
    return outside


def test_the_analysts_desk_in_a_browser(server: Server, browser: object) -> None:
    from playwright.sync_api import expect

    page = browser.pages[0] if browser.pages else browser.new_page()  # type: ignore[attr-defined]
    outside = _no_outside_requests(page, server.url)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # log in: the map asks for a session first
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _shot(page, "01-login")
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server.url + "/")

    # the map: coloured countries, a tooltip on hover and on keyboard focus
    expect(page.locator("#map[data-drawn]")).to_have_count(1)
    coloured = page.locator("#map path.country:not(.no-data)")
    assert coloured.count() > 140
    fills = set(page.eval_on_selector_all("#map path.country:not(.no-data)",
                                          "ps => ps.map(p => p.getAttribute('fill'))"))  # fmt: skip
    assert len(fills) >= 5, fills
    myanmar = page.locator('#map path[data-iso3="MMR"]')
    myanmar.hover()
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip")).to_contain_text("Myanmar")
    expect(page.locator("#tooltip")).to_contain_text("Rank: 1 of 168")
    _shot(page, "02-map-tooltip", full=False)
    page.locator('#map path[data-iso3="SDN"]').focus()
    expect(page.locator("#tooltip")).to_contain_text("Sudan")
    _shot(page, "03-map")

    # a country page, opened from the map with the keyboard
    page.keyboard.press("Enter")
    expect(page).to_have_url(server.url + "/countries/SDN")
    page.goto(server.url + "/countries/MMR")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Myanmar")
    expect(page.locator("svg.history .onset")).to_have_count(2)
    expect(page.locator("svg.history .band")).to_have_count(1)
    expect(page.locator("#drivers-title")).to_be_visible()
    expect(page.get_by_text("Curfew orders targeting one minority")).to_be_visible()
    expect(page.get_by_text("Name and village of the informant")).to_have_count(0)
    _shot(page, "04-country")

    # acknowledge an action in the queue (overdue first) ...
    page.get_by_role("link", name="Actions", exact=True).click()
    first = page.locator("article.action").first
    expect(first).to_have_class(re.compile("is-overdue"))
    card = page.locator("article.action", has=page.get_by_role("button", name="Acknowledge"))
    card = card.first
    action_id = (card.get_attribute("id") or "").removeprefix("action-")
    country = card.locator(".meta a").first.inner_text()
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text(f"action #{action_id}")
    changed = page.locator(f"#action-{action_id}")
    expect(changed).to_contain_text("Acknowledged by dana")
    _shot(page, "05-actions-acknowledged")

    # ... and see it in the country's action timeline and in the ledger
    changed.locator(".meta a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(country)
    entry = page.locator("ol.timeline li.kind-action-acknowledged")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("by dana")
    expect(entry).to_contain_text(f"#{action_id}")
    _shot(page, "06-country-timeline")
    page.get_by_role("link", name="Ledger").click()
    expect(page.get_by_role("status")).to_contain_text("The ledger verifies.")
    newest = page.locator("table.data tbody tr").first
    expect(newest).to_contain_text("Acknowledged")
    expect(newest).to_contain_text(f"action {action_id}")  # the subject, named
    expect(newest).to_contain_text("dana")
    _shot(page, "07-ledger")

    # refusing without a reason is refused, with the reason why
    page.get_by_role("link", name="Actions", exact=True).click()
    card = page.locator("article.action:has(textarea[name=reason])").first
    refused_id = (card.get_attribute("id") or "").removeprefix("action-")
    card.locator("summary").click()
    card.get_by_role("button", name="Refuse").click()
    alert = page.locator(f"#action-{refused_id}-error")
    expect(alert).to_contain_text("a refusal must give its reason")
    expect(alert).to_have_attribute("role", "alert")
    expect(page.locator(f"#reason-{refused_id}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#action-{refused_id}")).not_to_contain_text("Closed by")
    _shot(page, "08-refuse-without-reason")

    # switch to Bahasa Indonesia; the choice sticks
    page.get_by_role("link", name=re.compile("Bahasa Indonesia")).click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrean tindakan")
    page.get_by_role("link", name="Peta").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#map[data-drawn]")).to_have_count(1)
    page.locator('#map path[data-iso3="MMR"]').hover()
    expect(page.locator("#tooltip")).to_contain_text("Risiko dua tahun")
    _shot(page, "09-map-indonesian")

    # a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/actions")
    _shot(page, "10-phone-actions")
    page.goto(server.url + "/countries/MMR")
    _shot(page, "11-phone-country")

    assert errors == [], errors
    assert outside == [], f"requests left the server: {outside}"
