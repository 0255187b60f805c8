"""The briefs to download from the dashboard, made by forewarn.reports (from the published
forecast here, so that the tests do not wait for a model)."""

from __future__ import annotations

import pytest

from forewarn.config import Settings
from forewarn.reports.inputs import ForecastInputs
from forewarn.reports.published import published_inputs

from .conftest import SECRET_EVIDENCE, Desk


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    """Briefs made from the published forecast, like the stand-in of the forecasting stage."""

    def inputs(settings: Settings, base_year: int | None = None) -> ForecastInputs:
        return published_inputs(settings)

    monkeypatch.setattr("forewarn.web.briefs.forecast_inputs", inputs)


def test_a_country_brief_in_html(desk: Desk) -> None:
    desk.login("clara")  # cleared: the brief still leaves confidential evidence out
    response = desk.client.get("/reports/country/MMR?lang=en&format=html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'filename="forewarn-brief-MMR-' in response.headers["content-disposition"]
    assert "Myanmar" in response.text and SECRET_EVIDENCE not in response.text


def test_the_watchlist_speaks_the_page_language(desk: Desk) -> None:
    desk.login("vic", lang="id")
    response = desk.client.get("/reports/watchlist?format=html")
    assert response.status_code == 200
    assert '<html lang="id">' in response.text and "Daftar pantauan" in response.text
    english = desk.client.get("/reports/watchlist?lang=en&format=html").text
    assert '<html lang="en">' in english


def test_a_brief_needs_a_session(desk: Desk) -> None:
    response = desk.client.get("/reports/watchlist", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_an_unknown_format_or_country_is_an_error_page(desk: Desk) -> None:
    desk.login("vic")
    assert desk.client.get("/reports/watchlist?format=docx").status_code == 422
    assert desk.client.get("/reports/country/XYZ?format=html").status_code == 404


@pytest.mark.slow
def test_a_country_brief_in_pdf(desk: Desk) -> None:
    desk.login("vic")
    response = desk.client.get("/reports/country/SDN?lang=id&format=pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")


def test_a_brief_is_sent_with_a_policy_that_runs_nothing(desk: Desk) -> None:
    desk.login("vic")
    for query in ("lang=en&format=html", "lang=id&format=pdf"):
        response = desk.client.get(f"/reports/country/MMR?{query}")
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy and "sandbox" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
