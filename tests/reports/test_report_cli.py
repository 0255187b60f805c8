"""``forewarn report`` end to end, as a real process on the data mirror and a test database.

Briefs are made from forewarn's own forecast (the default model, base year 2024 on the
default data; model results come from the shared results cache), or with ``--forecast ewp``
from the Early Warning Project's published assessment read from the data mirror.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from forewarn import outlook
from forewarn.cli import main
from forewarn.config import Settings
from forewarn.i18n import format_pct
from forewarn.store.db import open_database

from .conftest import cli_env, run_cli


@pytest.fixture(autouse=True)
def database(settings: Settings) -> None:
    """The desk's database: briefs read its alerts and actions, and refuse a missing one."""
    open_database(settings).dispose()


def test_country_brief_html(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "briefs" / "mmr.html"
    done = run_cli(settings, "report", "country", "MMR", "--lang", "id", "--out", str(out),
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {out} (HTML)" in done.stdout
    html = out.read_text("utf-8")
    assert "Myanmar" in html and "Risiko dan trennya" in html
    current = outlook.current(settings)
    risk = float(current.frame.set_index("iso3").loc["MMR", "risk_2y"])
    assert format_pct(risk, "id") in html  # forewarn's own two-year risk, Indonesian format
    assert f"model {current.provenance.model} v{current.provenance.model_version}" in html
    assert "Early Warning Project" not in html


def test_the_published_ewp_forecast_for_comparison(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "mmr-ewp.html"
    done = run_cli(settings, "report", "country", "MMR", "--forecast", "ewp", "--out", str(out),
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = out.read_text("utf-8")
    assert "Early Warning Project" in html and "10.4%" in html  # EWP's published risk


def test_unknown_country_is_a_one_line_error(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(settings, "report", "country", "XYZ", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: unknown country 'XYZ'"
    assert not list(tmp_path.glob("forewarn-*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lang", "fr"), "error: unsupported language 'fr' (use one of: en, id)"),
        (("--format", "docx"), "error: unsupported format 'docx' (use html or pdf)"),
        (("--base-year", "2031"), "error: base year 2031 is not in the panel"),
        (("--forecast", "ewp", "--base-year", "2019"), "error: no forecast for base year 2019"),
        (("--forecast", "magic"), "error: unknown forecast 'magic' (use one of: forewarn, ewp)"),
    ],
)
def test_bad_options_are_one_line_errors(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    for key, value in cli_env(settings).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["forewarn", "report", "country", "SDN", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.startswith(message)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_country_pdf_and_watchlist_with_default_names(settings: Settings, tmp_path: Path) -> None:
    done = run_cli(settings, "report", "country", "sudan", "--format", "pdf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "forewarn-brief-SDN-2024-en.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    done = run_cli(settings, "report", "watchlist", "--lang", "id", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (watchlist,) = tmp_path.glob("forewarn-watchlist-*-id.html")
    assert "Daftar pantauan" in watchlist.read_text("utf-8")
