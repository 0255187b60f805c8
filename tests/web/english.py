"""Is a text still English? The detector behind the Indonesian page walk and message tests.

A text is English when one of its words is an English word that Indonesian does not use.
Two word lists decide it, neither of them written with the pages in view:

* :data:`FUNCTION_WORDS`: English function words (articles, prepositions, pronouns,
  auxiliaries, conjunctions) that are not Indonesian words. Every English sentence has one.
* the English vocabulary of forewarn's own words, derived: every word of an English message
  of the catalogues (``forewarn.po``, ``web.po``) that no Indonesian translation uses, and
  every word of an English country name (CLDR's, and the forecast's own) that the Indonesian
  names (CLDR's) do not use. "Ledger", "Deadline", "Philippines" or "South" are caught; a
  word the translations keep ("Myanmar", "forewarn", "PDF") is not.

What is not judged (and why), before the words are looked at:

* quotations and document titles in single quotes (``'The 11 January Cable'``): they are
  reproduced as published, like a quotation in any Indonesian text;
* document symbols, URLs, e-mail addresses, numbers and hashes (any chunk with a digit, a
  slash, an ``@`` or an inner dot: ``S/RES/872``, ``press.un.org/...``, ``ab12…``);
* acronyms written in capitals (``UNAMIR``, ``ICJ``, ``UTC``): names, not words;
* :data:`PROPER_NOUNS`: the names of a few publishers and organisations that are cited by
  their own (English) name;
* what people typed (``typed``: user names, the evidence an analyst wrote), which is shown
  as typed, in whatever language it was written.

The page walk also skips ``<code>`` elements: identifiers (rule ids, hashes, ledger ids).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.messages.pofile import read_po

from forewarn.i18n import po_path as project_po
from forewarn.web.language import po_path as web_po

_FUNCTION_WORDS = """
    the of and to in is are was were be been being for with on at from by as an or not
    this that these those which who whom whose what when where why how it its they their
    them there has have had does did will would can could should must shall might than
    then into onto over under after before between until since about against during
    without within each every all any some more most only also but if yet still such
    other same both here your you our we my his her he she none nobody nothing whether
    because though although while upon via
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
"""English function words that are not Indonesian words (``di``, ``per``, ``data`` and
``no`` are left out: Indonesian uses them too)."""

PROPER_NOUNS = (
    "National Security Archive",
    "Electronic Briefing Book",
    "Dag Hammarskjold Library",
    "Dag Hammarskjöld Library",
    "Human Rights Watch",
    "Amnesty International",
)
"""Organisations and publications cited by their own name."""

_QUOTED = re.compile(r"(?<![\w])'[^']+'(?![\w])|‘[^’]+’")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def words(text: str) -> list[str]:
    """The lower-case words of ``text``, without what the module docstring excludes."""
    for noun in PROPER_NOUNS:
        text = text.replace(noun, " ")
    text = _QUOTED.sub(" ", text)
    found: list[str] = []
    for chunk in text.split():
        core = chunk.strip('.,;:!?()[]{}"“”«»—–-…·')
        if not core or any(c.isdigit() for c in core) or "/" in core or "@" in core:
            continue
        if "." in core:  # a URL or an abbreviation with inner dots (p.m., U.N.)
            continue
        for word in _WORD.findall(core):
            if len(word) > 1 and word.isupper():
                continue  # an acronym
            found.append(word.lower().replace("’", "'"))
    return found


def _catalogue_words(path: object) -> tuple[set[str], set[str]]:
    with path.open("rb") as handle:  # type: ignore[attr-defined]
        catalog = read_po(handle, locale="id")
    english: set[str] = set()
    indonesian: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= set(words(re.sub(r"%\(\w+\)s", " ", text)))
        for text in strings:
            indonesian |= set(words(re.sub(r"%\(\w+\)s", " ", text or "")))
    return english, indonesian


@cache
def _territories() -> tuple[set[str], set[str]]:
    english = {w for name in Locale.parse("en").territories.values() for w in words(name)}
    indonesian = {w for name in Locale.parse("id").territories.values() for w in words(name)}
    return english, indonesian


@cache
def _vocabulary(country_names: tuple[str, ...]) -> frozenset[str]:
    english, indonesian = set(), set()
    for path in (project_po("id"), web_po("id")):
        found, translated = _catalogue_words(path)
        english |= found
        indonesian |= translated
    places, local_places = _territories()
    english |= places | {w for name in country_names for w in words(name)}
    indonesian |= local_places
    return frozenset(w for w in english - indonesian if len(w) > 2)


@dataclass(frozen=True)
class Detector:
    """Judges texts with the function words and the derived vocabulary."""

    vocabulary: frozenset[str]
    typed: tuple[str, ...] = ()

    def english_words(self, text: str) -> list[str]:
        """The words of ``text`` that make it English (empty: not English)."""
        for typed in self.typed:
            text = text.replace(typed, " ")
        return [w for w in words(text) if w in FUNCTION_WORDS or w in self.vocabulary]


def detector(country_names: Iterable[str] = (), typed: Iterable[str] = ()) -> Detector:
    """A detector whose vocabulary includes the words of ``country_names`` (the forecast's
    English names) that Indonesian names do not use, and that leaves out ``typed``."""
    longest_first = tuple(sorted(set(typed), key=len, reverse=True))
    return Detector(_vocabulary(tuple(sorted(set(country_names)))), longest_first)
