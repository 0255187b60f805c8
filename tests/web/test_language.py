"""Languages: the switch, the cookie, Accept-Language, and a complete Indonesian catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from forewarn.i18n.extract import catalogue
from forewarn.web.language import po_path, translations

from .conftest import Desk

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "forewarn"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
MAPPING = [("web/**.py", "python"), ("web/templates/**.html", "jinja2.ext.babel_extract")]
OPTIONS = {"web/templates/**.html": {"trimmed": "true", "trim_blocks": "true",
                                      "lstrip_blocks": "true"}}  # fmt: skip


def _extracted() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(str(PACKAGE), MAPPING, OPTIONS, keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found}


def _translated(message: str | tuple[str, ...], *catalogues: object) -> bool:
    key = message if isinstance(message, str) else message[0]
    for catalog in catalogues:
        entry = catalog.get(key)  # type: ignore[attr-defined]
        if entry is not None and not entry.fuzzy:
            strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
            if all(strings):
                return True
    return False


def test_every_dashboard_message_has_an_indonesian_translation() -> None:
    with po_path("id").open("rb") as handle:
        own = read_po(handle, locale="id")
    missing = [m for m in _extracted() if not _translated(m, own, catalogue("id"))]
    assert missing == [], "translate these in web/locale/id/LC_MESSAGES/web.po"


def test_the_dashboard_catalogue_holds_nothing_stale_or_duplicated() -> None:
    with po_path("id").open("rb") as handle:
        own = read_po(handle, locale="id")
    current = {m if isinstance(m, str) else m[0] for m in _extracted()}
    project = catalogue("id")
    for entry in own:
        if not entry.id:
            continue
        key = entry.id if isinstance(entry.id, str) else entry.id[0]
        assert key in current, f"stale message in web.po: {key!r}"
        assert project.get(key) is None, f"{key!r} is already in the project catalogue"


def test_dashboard_messages_fall_back_to_the_project_catalogue() -> None:
    _ = translations("id").gettext
    assert _("Action queue") == "Antrean tindakan"  # the dashboard's own
    assert _("Two-year risk") == "Risiko dua tahun"  # the project's
    assert _("Not a message anywhere") == "Not a message anywhere"
    assert translations("en").gettext("Action queue") == "Action queue"


def test_the_switch_renders_indonesian_and_remembers_it(desk: Desk) -> None:
    desk.login("dana")
    page = desk.client.get("/actions?lang=id")
    assert '<html lang="id">' in page.text and "<h1>Antrean tindakan</h1>" in page.text
    assert "forewarn_lang=id" in page.headers["set-cookie"]
    later = desk.client.get("/alerts").text
    assert '<html lang="id">' in later and "Antrean peringatan" in later
    assert "Siaga" in later  # the level "warning", from the project catalogue
    assert 'href="/alerts?lang=en"' in later and 'hreflang="en"' in later
    back = desk.client.get("/alerts?lang=en").text
    assert '<html lang="en">' in back and "Alert queue" in back


def test_indonesian_numbers_and_dates(desk: Desk) -> None:
    desk.login("vic")
    html = desk.client.get("/countries/MMR?lang=id").text
    assert "10,4%" in html and "Risiko dua tahun" in html
    assert "Nov 2026" in html or "2026" in html


def test_accept_language_picks_the_first_language_we_speak(desk: Desk) -> None:
    headers = {"Accept-Language": "fr-FR, id;q=0.8, en;q=0.5"}
    page = desk.client.get("/login", headers=headers).text
    assert '<html lang="id">' in page and "Kata sandi" in page


def test_an_unknown_language_is_ignored(desk: Desk) -> None:
    page = desk.client.get("/login?lang=xx").text
    assert '<html lang="en">' in page


def test_stage_messages_are_shown_in_the_page_language() -> None:
    from forewarn.web.messages import localise

    _ = translations("id").gettext
    assert localise("no forecast for country 'XYZ'", _) == (
        "tidak ada prakiraan untuk negara &#39;XYZ&#39;"
    )
    level = localise("unknown level 'purple' (one of watch, warning, emergency)", _)
    assert level == (
        "tingkat &#39;purple&#39; tidak dikenal (salah satu dari "
        "<code>watch</code>, <code>warning</code>, <code>emergency</code>)"
    )
    state = localise("the action is already refused: it cannot be changed", _)
    assert state == "tindakan ini sudah berstatus ditolak: tidak dapat diubah"
    assert localise("<b>not a message</b>", _) == "&lt;b&gt;not a message&lt;/b&gt;"
    english = translations("en").gettext
    assert localise("no forecast for country 'XYZ'", english) == (
        "no forecast for country &#39;XYZ&#39;"
    )


def test_event_areas_are_named_in_the_page_language() -> None:
    from forewarn.web.language import area_name

    assert area_name("Ouaka province", "id") == "Provinsi Ouaka"
    assert area_name("North Darfur state", "id") == "Negara Bagian North Darfur"
    assert area_name("Ouaka province", "en") == "Ouaka province"
    assert area_name("Bangui", "id") == "Bangui"  # no kind: as the data name it
    assert area_name("Somewhere zone", "id") == "Somewhere zone"  # a kind we do not know
