"""The dashboard's pages in-process: log-in, every page, what each shows, and to whom."""

from __future__ import annotations

import json
import re
import sys
from html import unescape

import pytest

from forewarn.cases.timeline import load_case
from forewarn.errors import DataError
from forewarn.web import replays
from forewarn.web.render import safe_next

from .conftest import ALERTED, PUBLIC_EVIDENCE, RAISED, SECRET_EVIDENCE, Desk

PAGES = ["/", "/ranking", "/countries/MMR", "/alerts", "/actions", "/ledger", "/council",
         "/cases", "/cases/rwanda-1994"]  # fmt: skip


def _map_data(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found, "no map data in the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_users_to_the_login_and_back(desk: Desk, path: str) -> None:
    response = desk.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    desk.login("vic")
    page = desk.client.get(path)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_in_its_basics(desk: Desk, path: str) -> None:
    desk.login("vic")
    html = desk.client.get(path).text
    assert '<html lang="en">' in html
    assert '<a class="skip" href="#main">' in html and '<main id="main"' in html
    assert html.count("<h1") == 1
    assert re.search(r'<nav class="main-nav".*aria-current="(?:page|true)"', html, re.S)
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        ident = re.search(r'id="([^"]+)"', tag)
        assert ident and f'for="{ident.group(1)}"' in html, f"unlabelled control: {tag}"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "a page refers outside"


def test_pages_carry_a_strict_content_security_policy(desk: Desk) -> None:
    desk.login("vic")
    response = desk.client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text  # no inline script: the policy would block it


def test_login_with_a_wrong_password_shows_the_error(desk: Desk) -> None:
    desk.client.get("/login")
    token = desk.client.cookies["forewarn_login"]
    data = {"username": "dana", "password": "wrong password!", "token": token, "next": "/"}
    response = desk.client.post("/login", data=data)
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    assert 'role="alert"' in response.text and 'value="dana"' in response.text
    assert "forewarn_session" not in desk.client.cookies


def test_login_refuses_a_form_not_sent_from_this_site(desk: Desk) -> None:
    data = {"username": "dana", "password": "correct horse battery staple", "token": "forged"}
    response = desk.client.post("/login", data=data)
    assert response.status_code == 403
    assert "forewarn_session" not in desk.client.cookies


def test_login_goes_on_to_the_page_asked_for(desk: Desk) -> None:
    desk.client.get("/login?next=/countries/SDN")
    token = desk.client.cookies["forewarn_login"]
    data = {"username": "dana", "password": "correct horse battery staple", "token": token,
            "next": "/countries/SDN"}  # fmt: skip
    response = desk.client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/countries/SDN"
    assert desk.client.cookies["forewarn_session"] and desk.client.cookies["forewarn_csrf"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/ranking?q=x", "/ranking?q=x"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
     ("/\\evil.example", "/"), ("", "/"), (None, "/")],
)  # fmt: skip
def test_safe_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_logout_needs_the_csrf_token_and_ends_the_session(desk: Desk) -> None:
    csrf = desk.login("vic")
    assert desk.client.post("/logout", data={}).status_code == 403
    response = desk.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert desk.client.get("/", follow_redirects=False).status_code == 303


def test_the_map_page_joins_world_atlas_ids_to_the_forecast(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/").text
    data = _map_data(html)
    countries = data["countries"]
    assert isinstance(countries, dict) and len(countries) == 168
    assert countries["MMR"]["rank"] == 1 and countries["MMR"]["level"] == "warning"
    numeric = data["numeric"]
    assert isinstance(numeric, dict)
    assert numeric["104"] == "MMR" and numeric["729"] == "SDN" and numeric["004"] == "AFG"
    assert data["byName"] == {"Kosovo": "XKX"}
    assert data["breaks"] == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert 'src="/static/vendor/d3.min.js"' in html and "countries-110m.json" in html
    assert "≥ 8%" in html and "No forecast" in html  # the legend


def test_the_ranking_lists_every_country_and_filters(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/ranking").text
    assert html.count("<tr data-name=") == 168
    assert 'aria-sort="ascending"' in html and 'data-sort="num"' in html
    filtered = desk.client.get("/ranking?q=myan").text
    assert filtered.count("<tr data-name=") == 1 and "Myanmar" in filtered
    assert "1 of 168 countries" in filtered


def test_the_country_page_shows_history_drivers_profile_alerts_and_timeline(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/countries/MMR").text
    assert "<h1>Myanmar" in html
    assert html.count('class="onset"') == 2 and "onset 2016" in html and "onset 2021" in html
    assert 'class="band"' in html and 'class="line"' in html
    assert "Coup attempt in the past five years" in html  # a driver, by its label
    assert "Region:" not in html and 'id="baseline"' in html  # region: baseline, not a driver
    indonesian = desk.client.get("/countries/MMR?lang=id").text
    assert "Percobaan kudeta dalam lima tahun terakhir" in indonesian
    assert "Garis dasar struktural" in indonesian
    desk.client.get("/countries/MMR?lang=en")
    assert "Situations of armed conflict or other forms of instability" in html  # RF1
    assert "Alert raised" in html and "Action opened" in html and "by the forewarn clock" in html
    assert "/reports/country/MMR?lang=en&amp;format=pdf" in html


def test_confidential_evidence_only_with_clearance(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/countries/MMR").text
    assert PUBLIC_EVIDENCE in html and SECRET_EVIDENCE not in html
    assert "1 confidential evidence item is withheld." in html
    desk.login("clara")
    cleared = desk.client.get("/countries/MMR").text
    assert PUBLIC_EVIDENCE in cleared and SECRET_EVIDENCE in cleared
    assert "withheld" not in cleared


def test_an_unknown_country_is_a_404_page(desk: Desk) -> None:
    desk.login("vic")
    response = desk.client.get("/countries/XYZ")
    assert response.status_code == 404
    assert "no forecast for country" in response.text and "<h1>Not found</h1>" in response.text


def test_the_alert_queue_shows_the_gap(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/alerts").text
    assert html.count('href="/countries/') >= ALERTED
    assert "Never answered" in html and "none yet" in html
    only = desk.client.get("/alerts?level=emergency").text
    assert "No alert has been raised." in only


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:li|table)>', html, re.S)
    assert found, f"no #{element_id} in the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_alert_queue_counts_the_never_answered(desk: Desk) -> None:
    """Nobody answered the five alerts raised three weeks ago: every window counts them."""
    desk.login("vic")
    html = desk.client.get("/alerts").text
    assert _text(html, "answered-in-a-week") == "0 of 5 Answered within 5 working days (0%)"
    assert (
        _text(html, "median-answered") == "— Median days to first response of the 0 answered alerts"
    )
    table = _text(html, "unanswered-counted")
    assert "Answered within 1 working day 0 of 5 (0%)" in table
    assert "still waiting not reached 5 of 5 still waiting" in table
    indonesian = desk.client.get("/alerts?lang=id").text
    assert _text(indonesian, "answered-in-a-week") == "0 dari 5 Ditanggapi dalam 5 hari kerja (0%)"
    assert "belum tercapai 5 dari 5 masih menunggu" in _text(indonesian, "unanswered-counted")


def test_the_ledger_page_verifies_the_chain(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/ledger").text
    assert "The ledger verifies." in html
    assert html.count('<code class="hash" title=') == 50
    assert 'href="/api/ledger/export"' in html


def test_the_security_council_page_shows_vetoes_and_restraint(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/council").text
    assert "Article 27(3)" in html
    assert "S/2011/612" in html  # the first Syria draft vetoed by China and Russia
    assert "french-mexican" not in html and "France-Mexico" in html


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("en", ["People's Republic of China", "Russian Federation", "United States", "France"]),
        ("id", ["Republik Rakyat Tiongkok", "Rusia", "Uni Soviet", "Prancis"]),
    ],
)
def test_the_council_page_names_its_members(desk: Desk, lang: str, names: list[str]) -> None:
    desk.login("vic")
    html = desk.client.get(f"/council?lang={lang}").text
    counts = html.split('id="counts-title"', 1)[1].split("</table>", 1)[0]
    cells = [unescape(c) for c in re.findall(r"<tr><td>([^<]+)</td>", counts)]
    assert set(names) <= set(cells), cells
    assert not [c for c in cells if re.fullmatch(r"[A-Z]{3}", c)], cells
    vetoes = re.findall(r"<td>([^<]*)</td><td>(?:\d+–\d+–\d+|—)</td></tr>", html)
    assert vetoes and not [v for v in vetoes if re.search(r"\b[A-Z]{3}\b", v)], vetoes[:5]


def test_cases_are_timelines_of_sourced_events(desk: Desk) -> None:
    desk.login("vic")
    listing = desk.client.get("/cases").text
    for case in ("rwanda-1994", "srebrenica-1995", "libya-2011", "syria-2011", "myanmar-2017"):
        assert f'href="/cases/{case}"' in listing
    rwanda = desk.client.get("/cases/rwanda-1994").text
    assert '<ol class="timeline case-timeline"' in rwanda and "Source:" in rwanda
    assert '<time datetime="1994-04-07">' in rwanda
    assert desk.client.get("/cases/atlantis-2000").status_code == 404


def _failing(*args: object, **kwargs: object) -> object:
    raise DataError("the panel file fails its hash check")


def test_a_failure_of_the_forecasting_stage_is_an_error_page(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.login("vic")
    monkeypatch.setattr(sys.modules["forewarn.outlook"], "current_forecast", _failing)
    response = desk.client.get("/ranking")
    assert response.status_code == 422
    assert "fails its hash check" in response.text and 'role="alert"' in response.text
    assert desk.client.get("/alerts").status_code == 200  # pages without a forecast still work


def test_a_case_replayed_beside_its_recorded_history(desk: Desk) -> None:
    desk.login("vic")
    plain = desk.client.get("/cases/myanmar-2017").text
    assert 'href="/cases/myanmar-2017?replay=true#replay-title"' in plain
    assert "system-alert" not in plain
    html = desk.client.get("/cases/myanmar-2017?replay=true").text
    assert "forewarn would have warned" in html
    assert '<li class="entry system system-alert">' in html
    assert "Deadline: <strong>Desk review of the alert" in html
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}(?:-\d{2})?)">', html)
    assert dates == sorted(dates)
    shown = dict(re.findall(r'<tr data-span="(\w+)">.*?<td class="num">(.*?)</td>', html, re.S))
    measured = replays.replay_of(desk.app.state.forewarn, load_case("myanmar-2017")).gaps
    assert list(shown) == [s.key for s in measured.spans]  # every span, in order
    for span in measured.spans:  # the page shows the one computation's figures
        if span.days is not None:
            assert f"<strong>{span.days}</strong>" in shown[span.key], span.key
    assert "first alert (any level)" in html


def test_a_replay_that_fails_says_why_beside_the_record(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.login("vic")
    monkeypatch.setattr(sys.modules["forewarn.outlook"], "provider", _failing)
    response = desk.client.get("/cases/rwanda-1994?replay=true")
    assert response.status_code == 200
    assert "fails its hash check" in response.text
    assert 'class="timeline case-timeline"' in response.text


def test_the_timeline_dates_alerts_when_they_were_raised(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/countries/MMR").text
    timeline = html[html.index('<ol class="timeline"') :]
    first = re.search(r'<time datetime="([^"]+)">', timeline)
    assert first and first.group(1).startswith(RAISED.date().isoformat())
