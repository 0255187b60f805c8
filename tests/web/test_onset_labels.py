"""The onset labels of a country's risk chart: close years get labels that do not overlap,
checked on the geometry and, in Chromium, on the text as the browser lays it out."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import pytest

from forewarn.web.charts import WIDTH, onset_marks

from .conftest import Desk

CHROMIUM = os.environ.get("FOREWARN_CHROMIUM", "/usr/bin/chromium")
Box = tuple[float, float, float, float]


def _apart(first: Box, second: Box) -> bool:
    return first[2] <= second[0] or second[2] <= first[0] or first[3] <= second[1] or (
        second[3] <= first[1])  # fmt: skip


def test_close_years_get_labels_on_separate_lines() -> None:
    step = 14.0  # one year on a chart of the 1960s to the 2020s
    years = (1990, 1993, 1994, 2009, 2010, 2023)
    marks = onset_marks([(60 + (y - 1960) * step, y) for y in years])
    boxes = [m.label_box() for m in marks]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert _apart(first, second), (first, second)
    assert all(box[0] >= 0 and box[2] <= WIDTH for box in boxes)
    assert marks[0].label_y == marks[3].label_y  # far apart: the same line
    assert marks[-1].anchor == "end"  # near the right edge: left of its line


def _labels(html: str) -> list[str]:
    return re.findall(r'<text [^>]*class="onset-label"[^>]*>[^<]*</text>', html)


def test_the_country_page_draws_close_onsets_apart(desk: Desk) -> None:
    desk.login("vic")
    for lang in ("en", "id"):
        html = desk.client.get(f"/countries/NGA?lang={lang}").text
        assert html.count('class="onset"') == 3
        labels = _labels(html)
        assert len(labels) == 3 and len({re.search(r' y="([^"]+)"', t)[1] for t in labels}) > 1
        _laid_out_apart(html)


def _laid_out_apart(html: str) -> None:
    """The chart, with the dashboard's style sheet, in Chromium: no two labels overlap."""
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    svg = re.search(r'<svg viewBox[^>]*class="history".*?</svg>', html, re.S)
    assert svg is not None
    css = (resources.files("forewarn.web") / "static" / "css" / "forewarn.css").read_text("utf-8")
    page_html = f"<!doctype html><style>{css}</style><figure>{svg[0]}</figure>"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_content(page_html)
            boxes = page.eval_on_selector_all(
                "text.onset-label",
                "ts => ts.map(t => { const b = t.getBBox(); "
                "return [b.x, b.y, b.x + b.width, b.y + b.height]; })",
            )
        finally:
            browser.close()
    assert len(boxes) == 3 and all(b[2] > b[0] for b in boxes)
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert _apart(tuple(first), tuple(second)), (first, second)
