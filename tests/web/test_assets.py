"""Third-party assets: pinned by the lock file, installed into the vendor folder, served
locally; nothing the dashboard loads comes from elsewhere."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from forewarn.web import STATIC, VENDOR, VENDOR_FILES, vendor_ready

from .conftest import Desk

REPO = Path(__file__).resolve().parents[2]


def _need_vendor() -> None:
    if vendor_ready():
        return
    reason = "the dashboard's npm assets are not installed (run scripts/web-assets.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def test_the_lock_file_pins_what_package_json_asks_for() -> None:
    wanted = json.loads((REPO / "package.json").read_text())["dependencies"]
    lock = json.loads((REPO / "package-lock.json").read_text())
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: pin an exact version"
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version
        assert locked["integrity"].startswith("sha512-")


def test_the_vendor_folder_matches_the_lock_file() -> None:
    _need_vendor()
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    lock = json.loads((REPO / "package-lock.json").read_text())
    for name, version in manifest["packages"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for name in ("d3", "topojson-client", "world-atlas"):
        assert (VENDOR / "licenses" / f"{name}.txt").is_file()


def test_the_vendor_folder_is_not_in_the_repository() -> None:
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "/src/forewarn/web/static/vendor/" in ignored


def test_vendor_files_are_served_by_the_app(desk: Desk) -> None:
    _need_vendor()
    for name in VENDOR_FILES:
        response = desk.client.get(f"/static/vendor/{name}")
        assert response.status_code == 200, name
        assert response.content == (VENDOR / name).read_bytes()
    world = desk.client.get("/static/vendor/countries-110m.json").json()
    assert world["type"] == "Topology" and "countries" in world["objects"]


def test_our_scripts_and_styles_load_nothing_from_elsewhere() -> None:
    for path in [*STATIC.glob("js/*.js"), *STATIC.glob("css/*.css")]:
        text = path.read_text()
        assert not re.search(r"https?://|//cdn|@import", text), path.name
    for path in (STATIC.parent / "templates").glob("*.html"):
        text = path.read_text()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), path.name
