"""The gettext catalogues: complete, consistent with the code, and falling back to English."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import jinja2
import pytest

from forewarn.errors import ConfigError
from forewarn.framework.catalogue import load_framework
from forewarn.i18n import (
    SUPPORTED,
    format_day,
    format_pct,
    format_points,
    gettext_for,
    jinja_environment,
    negotiate,
    ngettext_for,
    normalise,
    translator,
)
from forewarn.i18n.extract import catalogue, extracted, stale, untranslated

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_is_translated_into_indonesian() -> None:
    missing = untranslated("id")
    assert not missing, "untranslated in forewarn.po (id):\n" + "\n".join(missing)


def test_the_catalogue_holds_no_stale_messages() -> None:
    old = stale("id")
    assert not old, "in forewarn.po (id) but no longer in the code:\n" + "\n".join(old)


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for message in catalogue("id"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        wrong += [ids[0] for s in strings if set(PLACEHOLDER.findall(s)) != wanted]
    assert not wrong, f"placeholders differ: {wrong}"


def test_factor_names_ladder_titles_and_labels_are_extracted() -> None:
    found = {m.id for m in extracted()}
    assert {f.name for f in load_framework().factors} <= found
    ladder = tomllib.loads(resources.files("forewarn.response").joinpath("ladder.toml").read_text())
    assert {a["title"] for a in ladder["actions"].values()} <= found
    assert {a["basis"] for a in ladder["actions"].values()} <= found
    assert "Coup attempt in the past five years" in found
    assert "Recommended measures" in found  # from a template


def test_translator_falls_back_to_english() -> None:
    _ = gettext_for("id")
    assert _("Recommended measures") == "Langkah yang direkomendasikan"
    assert _("Weakness of State structures") == "Lemahnya struktur Negara"
    assert _("A message nobody has translated") == "A message nobody has translated"
    assert gettext_for("en")("Recommended measures") == "Recommended measures"
    assert translator("id-ID") is translator("id")
    many = "%(num)s confidential evidence items are withheld."
    one = "%(num)s confidential evidence item is withheld."
    assert ngettext_for("id")(one, many, 3) == ngettext_for("id")(one, many, 1)


def test_languages_are_normalised_and_negotiated() -> None:
    assert SUPPORTED == ("en", "id")
    assert [normalise(x) for x in ("ID", "id-ID", "id_ID", "en-GB")] == ["id", "id", "id", "en"]
    with pytest.raises(ConfigError, match="unsupported language 'fr'"):
        normalise("fr")
    assert negotiate("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert negotiate("fr-FR,fr;q=0.9,id;q=0.5") == "id"
    assert negotiate("fr, de;q=0.5") == "en"
    assert negotiate(None) == "en" and negotiate("en;q=bad") == "en"


def test_numbers_and_dates_follow_the_language() -> None:
    import datetime as dt

    assert (format_pct(0.10412, "en"), format_pct(0.10412, "id")) == ("10.4%", "10,4%")
    assert format_pct(float("nan"), "id") == "–" and format_pct(None, "en") == "–"
    assert (format_points(-0.0123, "en"), format_points(0.0, "id")) == ("−1.2", "±0,0")
    assert format_day(dt.date(2025, 3, 3), "id", "long") == "3 Maret 2025"


def test_jinja_environment_for_the_dashboard() -> None:
    page = '{{ _("Watchlist") }} {{ 0.0812|pct }} {{ _("Base year %(year)s", year=2024) }}'
    loader = jinja2.DictLoader({"page.html": page})
    assert jinja_environment("id", loader).get_template("page.html").render() == (
        "Daftar pantauan 8,1% Tahun dasar 2024"
    )
    assert jinja_environment("en", loader).get_template("page.html").render() == (
        "Watchlist 8.1% Base year 2024"
    )


def test_country_names_follow_the_language() -> None:
    from forewarn.i18n import country_name

    assert country_name("NOR", "id", "Norway") == "Norwegia"
    assert country_name("MMR", "id", "Myanmar") == "Myanmar"
    assert country_name("COD", "id", "DR Congo") == "Republik Demokratik Kongo"
    assert country_name("RVN", "id", "South Vietnam") == "Vietnam Selatan"  # a dissolved state
    assert country_name("SUN", "id", "USSR") == "Uni Soviet"  # not CLDR's first successor
    assert country_name("ZZZ", "id", "Nowhere") == "Nowhere"  # no name: the data's own
    assert country_name("NOR", "en", "Norway (data)") == "Norway (data)"


def test_filled_templates_are_translated_with_their_values() -> None:
    from forewarn.i18n import translate_filled
    from forewarn.reports.inputs import MODEL_SOURCE, SOURCES

    _ = gettext_for("id")
    values = {"model": "ewp-logit", "version": "2", "parameters": "ab12", "file": "x.csv",
              "sha": "cd34"}  # fmt: skip
    assert translate_filled(MODEL_SOURCE % values, SOURCES, _) == (
        "forewarn, model ewp-logit v2 (parameter ab12), data x.csv (SHA-256 cd34)"
    )
    published = SOURCES[1]
    assert translate_filled(published, SOURCES, _).startswith("Early Warning Project, penilaian")
    assert translate_filled("Recommended measures", SOURCES, _) == "Langkah yang direkomendasikan"
    assert translate_filled("untranslated text", SOURCES, _) == "untranslated text"
