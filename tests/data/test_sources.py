"""Every source in the packaged data files is primary.

A source passes when (1) it cites a UN document symbol (S/RES/918 (1994), S/PV.9552,
A/54/549, UN press releases SC/15595 and GA/12677) or names a publisher on a short
allow-list of primary publishers (the UN's own organs and services, its courts, the archive
of declassified cables, and governments for their own words), (2) it names no secondary
source (news agencies, newspapers, encyclopaedias, blogs, mirror sites, reprints "via" a
third party) and (3) every website it names belongs to a primary publisher."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import forewarn

PACKAGE = Path(forewarn.__file__).parent
DATA_FILES = sorted(
    [*PACKAGE.glob("*/data/*.toml"), *PACKAGE.glob("*/data/*.csv"),
     PACKAGE / "response" / "ladder.toml"]
)  # fmt: skip

SYMBOL = re.compile(
    # S/RES/918 (1994), A/54/549, S/PV.9552
    r"\b(?:S|A|E|ST|A/HRC)/(?:RES/|PRST/|PV\.)?[\w.()/-]*\d"
    r"|\b(?:SC|GA|SG/SM|HRC)/\d+"  # UN press releases: SC/15595, GA/12677
    r"|\bA/HRC/RES/\d+/\d+"
)
PRIMARY_PUBLISHERS = (
    "UN press release", "UN News", "UN meetings coverage", "United Nations", "UN Security Council",
    "Security Council", "Secretary-General", "General Assembly", "Human Rights Council", "OHCHR",
    "Charter of the United Nations", "UN Treaty Collection", "UNTS", "Dag Hammarskjold Library",
    "Repertoire of the Practice of the Security Council", "UN Audiovisual Library",
    "International Court of Justice", "ICJ", "ICTY", "Framework of Analysis for Atrocity Crimes",
    "Advisory Commission on Rakhine State", "National Security Archive",
    "UK Parliament", "UK Mission to the UN", "Permanent Mission", "Government of",
    "French Ministry for Europe and Foreign Affairs", "President of the French Republic",
    "US Department of State", "USUN", "UKMIS",
)  # fmt: skip
"""Publishers whose own documents a citation without a symbol may name. Governments count
only for their own words (a commitment, a cable they sent)."""
PRIMARY_DOMAINS = (
    "un.org", "undocs.org", "icj-cij.org", "icty.org", "irmct.org", "ohchr.org",
    "nsarchive.gwu.edu", "parliament.uk", "gov.uk", "diplomatie.gouv.fr", "delegfrance.org",
    "elysee.fr", "franceintheus.org", "state.gov", "usmission.gov",
)  # fmt: skip
NOT_SOURCES = re.compile(
    r"wiki|sputnik|menafn|5rmi|webdo|studylib|radicali|voltairenet|muqatel|reuters|\bafp\b|"
    r"\bap\b|associated press|xinhua|tass|kuna|anadolu|\bvoa\b|bbc|guardian|le monde|"
    r"independent|upi|ilna|arab news|telesur|mizzima|euobserver|christian science|"
    r"harvard law|globe post|pakistan observer|alliansfriheten|unscr\.com|humanrights-jwg|"
    r"anaween|becker|asil|reliefweb|kipdf|gulfnews|unian|irish independent|government-world|"
    r"parallelparliament|centerforunreform|una\.org\.uk|latestly|tellerreport|"
    r"ummnews|1lurer|caliber|cavac|aussenpolitik|wragge|evamaerey|github|yahoo|promoteukraine|"
    r"miragenews|blogspot|laitimes|globaleconomicreport|agencia brasil|diplomatic insight|"
    r"thenational|lbc|gulf news|tribuneindia|emirates247|abc\.net|nippon|babel\.ua|fbcnews|"
    r"aawsat|qazinform|kazinform|anews|jwire|upday|inform\.kz|allafrica|zambiaun|thenews|"
    r"equatorialguinea|lemm\.ee|\bvia\b|reproduced by|as quoted by|copy at",
    re.IGNORECASE,
)
DOMAIN = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:org|com|net|int|gov|edu|uk|fr|ch|kz|am|az|ua|tn|es|it|se|info|io)\b",
    re.IGNORECASE,
)


def _toml_sources(doc: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{where}.{key}"
            if key == "sources" and isinstance(value, dict):
                yield from ((f"{here}.{k}", str(v)) for k, v in value.items())
            elif (key == "source" or key.endswith("_source")) and isinstance(value, str):
                yield here, value
            else:
                yield from _toml_sources(value, here)
    elif isinstance(doc, list):
        for n, item in enumerate(doc):
            yield from _toml_sources(item, f"{where}[{n}]")


def sources() -> Iterator[tuple[str, str]]:
    """(where, source) for every source field of every packaged data file."""
    for path in DATA_FILES:
        name = str(path.relative_to(PACKAGE))
        if path.suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                for n, row in enumerate(csv.DictReader(handle), start=2):
                    if "source" in row:
                        yield f"{name}: line {n}", row["source"]
        else:
            yield from _toml_sources(tomllib.loads(path.read_text(encoding="utf-8")), name)


def problems(text: str) -> list[str]:
    """What makes ``text`` not a primary source (empty when it is one)."""
    found = []
    bad = NOT_SOURCES.search(text)
    if bad:
        found.append(f"names a secondary source ({bad.group(0)!r})")
    for domain in DOMAIN.findall(text):
        host = domain.lower()
        if not any(host == d or host.endswith("." + d) for d in PRIMARY_DOMAINS):
            found.append(f"cites a site that is not a primary publisher ({domain})")
    if not SYMBOL.search(text) and not any(p.lower() in text.lower() for p in PRIMARY_PUBLISHERS):
        found.append("neither a document symbol nor a primary publisher")
    return found


ALL = list(sources())


def test_every_data_file_with_sources_is_read() -> None:
    places = {where.split(":")[0].split(".")[0] for where, _ in ALL}
    assert len(ALL) > 140
    wanted = ("cases/data/rwanda-1994", "unsc/data/vetoes_supplement", "unsc/data/members",
              "unsc/data/restraint", "unsc/data/mandates", "framework/data/framework")  # fmt: skip
    for name in wanted:
        assert any(p.startswith(name) for p in places), name


@pytest.mark.parametrize(("where", "text"), ALL, ids=[w for w, _ in ALL])
def test_every_source_is_a_document_symbol_or_a_primary_publisher(where: str, text: str) -> None:
    assert not problems(text), f"{where}: {problems(text)}"


@pytest.mark.parametrize(
    "text",
    [
        "S/RES/918 (1994), adopted at the 3377th meeting (text via radicali.it)",
        "Sputnik (quoting the Council President), 4 Jun 2025",
        "KUNA via menafn.com, 20 Feb 2024",
        "Wikipedia, 'UNSC Resolution 929'",
        "The Diplomatic Insight and webdo.tn, 25-26 Oct 2023",
        "A newspaper, 1 May 1994",
    ],
)
def test_secondary_sources_are_refused(text: str) -> None:
    assert problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "S/PV.9552; UN press release SC/15595",
        "S/RES/1973 (2011), para. 4",
        "ICJ, Order of 23 Jan 2020, para. 86",
        "UN press release GA/12677 (press.un.org/en/2025/ga12677.doc.htm)",
    ],
)
def test_primary_sources_pass(text: str) -> None:
    assert not problems(text)
