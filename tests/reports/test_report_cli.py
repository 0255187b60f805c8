"""``forewarn report`` end to end, as a real process on the data mirror and a test database.

Until the forecasting stage is wired, the command reports on the published EWP forecast
(base year 2024) read from the data mirror.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from forewarn.cli import main
from forewarn.config import Settings

from .conftest import cli_env, run_cli


def test_country_brief_html(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "briefs" / "mmr.html"
    done = run_cli(settings, "report", "country", "MMR", "--lang", "id", "--out", str(out),
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {out} (HTML)" in done.stdout
    html = out.read_text("utf-8")
    assert "Myanmar" in html and "Risiko dan trennya" in html
    assert "Early Warning Project" in html and "10,4%" in html


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
        (("--base-year", "2019"), "error: no forecast for base year 2019"),
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
