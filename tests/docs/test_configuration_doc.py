"""Every setting is documented in docs/configuration.md."""

from __future__ import annotations

from pathlib import Path

from forewarn.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [n for n in Settings.model_fields if f"`FOREWARN_{n.upper()}`" not in text]
    assert missing == []
