"""Message extraction: the TOML data files' user-facing strings, and the catalogue check.

``babel.cfg`` next to this module maps the package's files to Babel extractors: Python code
(``_()``, ``N_()``), Jinja2 templates, and :func:`extract_toml` for the data files whose
strings appear in briefs, pages and messages — the 14 risk-factor names and the indicators'
texts (``framework/data/framework.toml``), the ladder's action titles, bases and outcomes
(``response/ladder.toml``), the predictors' labels (``framework/data/drivers.toml``), the
cases' titles, summaries and event texts (``cases/data/*.toml``), the restraint scenarios'
titles and notes (``unsc/data/restraint.toml``) and the warning rules' descriptions
(``warning/data/*.toml``) — and :func:`extract_topics` for the crisis topics of the vetoes'
supplement (``unsc/data/vetoes_supplement.csv``). The English text is the message id, so a
text edited in a data file loses its translation until the catalogue catches up. The same
mapping drives ``pybabel extract`` (see ``docs/briefs.md``) and :func:`untranslated`, which
a test keeps empty: a data text without its Indonesian fails it.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Collection, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from forewarn.i18n import DOMAIN, po_path

Found = tuple[int, str | None, str, list[str]]
"""What a Babel extractor yields: line, function name, message, comments."""


def _line_of(text: str, message: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if message in line:
            return number
    return 0


def _toml_messages(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(message, comment) pairs of the data files' user-facing strings."""
    for factor in doc.get("factor", []):
        yield factor["name"], f"risk factor {factor['id']}"
        for indicator in factor.get("indicator", []):
            yield indicator["text"].strip(), f"risk factor indicator {indicator['id']}"
    for action_id, action in doc.get("actions", {}).items():
        yield action["title"], f"ladder action {action_id}: title"
        yield action["basis"], f"ladder action {action_id}: basis"
    for predictor, entry in doc.get("predictor", {}).items():
        yield entry["label"], f"model predictor {predictor}"
    for suffix, entry in doc.get("transform", {}).items():
        yield entry["label"], f"model feature transform {suffix}"
    for feature, entry in doc.get("feature", {}).items():
        yield entry["label"], f"model feature {feature}"
    yield from _outcomes(doc)
    yield from _case_messages(doc)
    for scenario in doc.get("scenario", []):
        yield scenario["title"].strip(), f"restraint scenario {scenario['id']}: title"
        if scenario.get("note"):
            yield scenario["note"].strip(), f"restraint scenario {scenario['id']}: note"
    for rule in doc.get("rule", []):
        if rule.get("description"):
            yield rule["description"].strip(), f"warning rule {rule['id']}: description"


def _outcomes(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for action_id, action in doc.get("actions", {}).items():
        for outcome in action.get("outcomes", []):
            yield outcome, f"ladder action {action_id}: outcome"


CASE_TEXTS = ("title", "detail", "source", "protective_source")
"""The texts of a case event that pages show (as the case loader reads them, stripped)."""


def _case_messages(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    head = doc.get("case")
    if not isinstance(head, Mapping):
        return
    yield head["title"].strip(), f"case {head['id']}: title"
    yield head["summary"].strip(), f"case {head['id']}: summary"
    for event in doc.get("event", []):
        for key in CASE_TEXTS:
            if str(event.get(key, "")).strip():
                yield event[key].strip(), f"case {head['id']}, event of {event['date']}: {key}"


def extract_toml(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Any
) -> Iterator[Found]:
    """Babel extractor for the framework, ladder and driver TOML files."""
    text = fileobj.read().decode("utf-8")
    for message, comment in _toml_messages(tomllib.loads(text)):
        yield _line_of(text, message), None, message, [comment]


def extract_topics(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Any
) -> Iterator[Found]:
    """Babel extractor for the crisis topics of the vetoes' supplement (a CSV file)."""
    rows = csv.DictReader(io.StringIO(fileobj.read().decode("utf-8")))
    for number, row in enumerate(rows, start=2):
        topic = (row.get("crisis_topic") or "").strip()
        if topic:
            yield number, None, topic, [f"veto of {row.get('date')}: crisis topic"]


def package_dir() -> Path:
    """The folder of the ``forewarn`` package, the root that ``babel.cfg`` paths start from."""
    return Path(str(resources.files("forewarn")))


def extracted() -> Catalog:
    """Every translatable message of the package, as ``pybabel extract`` would find them."""
    config = Path(str(resources.files("forewarn.i18n") / "babel.cfg"))
    with config.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(config))  # type: ignore[no-untyped-call]
    catalog = Catalog(domain=DOMAIN)
    found = extract_from_dir(str(package_dir()), method_map, options_map, keywords=_KEYWORDS)
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


_KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
}


def catalogue(lang: str) -> Catalog:
    """The packaged catalogue of ``lang``."""
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def _key(message: Any) -> str:
    return message if isinstance(message, str) else str(message[0])


def untranslated(lang: str) -> list[str]:
    """Extracted messages that ``lang``'s catalogue lacks, leaves empty or marks fuzzy."""
    known = catalogue(lang)
    missing = []
    for message in extracted():
        if not message.id:
            continue
        entry = known.get(message.id, message.context)
        strings: Any = entry.string if entry is not None else ""
        values = [strings] if isinstance(strings, str) else list(strings or [""])
        if entry is None or entry.fuzzy or not all(values):
            missing.append(_key(message.id))
    return sorted(missing)


def stale(lang: str) -> list[str]:
    """Messages in ``lang``'s catalogue that nothing extracts any more."""
    current = {_key(m.id) for m in extracted() if m.id}
    return sorted(_key(m.id) for m in catalogue(lang) if m.id and _key(m.id) not in current)
