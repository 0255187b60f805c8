"""Rendering briefs: both languages, self-contained HTML, PDF, and nothing confidential."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from forewarn.errors import ConfigError
from forewarn.reports import render
from forewarn.reports.brief import assemble_country_brief, assemble_watchlist
from forewarn.reports.inputs import ForecastInputs
from forewarn.reports.values import CountryBrief, Watchlist
from forewarn.response.ladder import load_ladder

from .conftest import NOW, PUBLIC, SECRET, Scenario

HEADINGS = {
    "en": [
        "Country brief", "Risk and its trend", "Drivers in the terms of the Framework of Analysis",
        "Risk-factor profile", "Analyst findings", "Alerts and the response", "Overdue actions",
        "Recommended measures",
    ],
    "id": [
        "Laporan singkat negara", "Risiko dan trennya",
        "Pendorong risiko menurut Kerangka Analisis", "Profil faktor risiko", "Temuan analis",
        "Peringatan dan respons",
        "Tindakan yang lewat tenggat", "Langkah yang direkomendasikan",
    ],
}  # fmt: skip
DATA_STRINGS = {
    "en": ["Intergroup tensions or patterns of discrimination", "President of the Security Council",
           "Emergency", "10.4%", "Coup attempt in the past five years", "Structural baseline"],
    "id": ["Ketegangan antarkelompok atau pola diskriminasi", "Presiden Dewan Keamanan",
           "Darurat", "10,4%", "Percobaan kudeta dalam lima tahun terakhir",
           "Garis dasar struktural"],
}  # fmt: skip
WATCHLIST_HEADINGS = {
    "en": ["Watchlist", "Highest-risk countries", "New alerts", "The warning–response gap"],
    "id": ["Daftar pantauan", "Negara dengan risiko tertinggi", "Peringatan baru",
           "Kesenjangan antara peringatan dan respons"],
}  # fmt: skip
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["'](?!#|data:)|<link\b|<script\b|@import|url\((?!#)"""
)


@pytest.fixture
def brief(inputs: ForecastInputs, sqlite_scenario: Scenario) -> CountryBrief:
    with Session(sqlite_scenario.engine) as session:
        return assemble_country_brief(sqlite_scenario.settings, inputs, "MMR", session, NOW)


@pytest.fixture
def watchlist(inputs: ForecastInputs, sqlite_scenario: Scenario) -> Watchlist:
    with Session(sqlite_scenario.engine) as session:
        return assemble_watchlist(sqlite_scenario.settings, inputs, session, NOW)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_country_html_speaks_the_language(brief: CountryBrief, lang: str) -> None:
    html = render.country_html(brief, lang)
    assert f'<html lang="{lang}">' in html
    missing = [s for s in HEADINGS[lang] + DATA_STRINGS[lang] if s not in html]
    assert not missing, f"not in the {lang} brief: {missing}"
    if lang == "id":
        assert not [s for s in HEADINGS["en"] if s in html]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_country_html_is_self_contained_and_keeps_secrets(brief: CountryBrief, lang: str) -> None:
    html = render.country_html(brief, lang)
    assert SECRET not in html and PUBLIC in html
    assert not EXTERNAL.findall(html)
    assert html.count("<svg") == 2 and "<style>" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two charts share an id"


def test_recommended_measures_match_the_ladder(
    brief: CountryBrief, sqlite_scenario: Scenario
) -> None:
    html = render.country_html(brief, "en")
    shown = re.findall(r'<tr data-action="([^"]+)">', html)
    ladder = load_ladder(sqlite_scenario.settings)
    assert brief.level == "emergency"
    assert shown == [a.id for a in ladder.actions_for("emergency")]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_watchlist_html(watchlist: Watchlist, lang: str) -> None:
    html = render.watchlist_html(watchlist, lang)
    missing = [s for s in WATCHLIST_HEADINGS[lang] if s not in html]
    assert not missing, f"not in the {lang} watchlist: {missing}"
    assert "Myanmar" in html and ("Norwegia" if lang == "id" else "Norway") in html
    assert html.count("<svg") == 1
    assert not EXTERNAL.findall(html)


def test_unsupported_languages_and_formats_are_refused(brief: CountryBrief) -> None:
    with pytest.raises(ConfigError, match="unsupported language 'fr'"):
        render.country_html(brief, "fr")
    with pytest.raises(ConfigError, match="unsupported format 'docx'"):
        render.output_format("docx")


def _pdftotext(data: bytes, tmp_path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "id"])
def test_country_pdf(brief: CountryBrief, lang: str, tmp_path: Path) -> None:
    pdf = render.pdf_of(render.country_html(brief, lang))
    assert pdf.data.startswith(b"%PDF-") and pdf.pages >= 1
    text = _pdftotext(pdf.data, tmp_path)
    if text is not None:
        assert SECRET not in text and HEADINGS[lang][1] in text


@pytest.mark.slow
def test_watchlist_pdf_page_one_as_png(watchlist: Watchlist, tmp_path: Path) -> None:
    pdf = tmp_path / "watchlist.pdf"
    render.write(render.watchlist_html(watchlist, "id"), render.Format.PDF, pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: scripts/system-deps.sh")
    page = ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")]
    subprocess.run(page, check=True)
    (png,) = tmp_path.glob("p*.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5_000
