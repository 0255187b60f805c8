"""``forewarn framework`` and ``forewarn assess``: the Framework of Analysis and assessments."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from forewarn import ledger
from forewarn.cli.app import app, console, settings_of, write_json
from forewarn.data.countries import iso3_of, name_of
from forewarn.errors import ConfigError, NotFound
from forewarn.files import write_atomically
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import Framework, RiskFactor, load_framework
from forewarn.store.assessments import (
    load_assessments,
    record_assessments,
    review_confidentiality,
    unstated_evidence,
)
from forewarn.store.db import open_database, open_existing, transaction

framework_app = typer.Typer(help="The UN Framework of Analysis for Atrocity Crimes (2014).")
assess_app = typer.Typer(help="Analyst assessments against the Framework's indicators.")
app.add_typer(framework_app, name="framework")
app.add_typer(assess_app, name="assess")


def _factors(fw: Framework, factor: str | None) -> tuple[RiskFactor, ...]:
    if factor is None:
        return fw.factors
    try:
        return (fw.factor(factor),)
    except KeyError:
        raise NotFound(f"no risk factor {factor!r} (use RF1..RF14)") from None


@framework_app.command("show")
def show(
    factor: str = typer.Argument(None, help="A risk factor, e.g. RF10 or 10; all if omitted."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the risk factors and their indicators."""
    fw = load_framework()
    chosen = _factors(fw, factor)
    if as_json:
        write_json([f.as_dict() for f in chosen], None)
        return
    for f in chosen:
        status = "verified" if f.verified else "NOT verified against the publication"
        console.print(f"[bold]{f.id} {f.name}[/] ({f.kind}; {', '.join(f.crimes)}; {status})")
        for ind in f.indicators:
            console.print(f"  {ind.id:>6}  {ind.text}")
        if not f.indicators:
            console.print(f"  (no indicators encoded yet: judge the factor as a whole, {f.id})")


@assess_app.command("import")
def import_file(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help=".csv or .json"),
    by: str = typer.Option(getpass.getuser(), "--by", help="Who imports (the ledger's actor)."),
) -> None:
    """Import assessments from a file: all of them, or none if any row is bad."""
    items = fa.read_file(file, load_framework())
    settings = settings_of(ctx)
    engine = open_database(settings)
    stored = ledger.retrying(engine, lambda s: record_assessments(s, items, by))
    ledger.record_receipt(
        engine, ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
    )
    ids = [a.id for a in stored]
    console.print(f"imported {len(ids)} assessment(s) from {file}: ids {ids}")


@assess_app.command("show")
def show_country(
    ctx: typer.Context,
    country: str = typer.Argument(..., help="ISO3 code or name"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    include_confidential: bool = typer.Option(
        False, "--include-confidential", help="Also print evidence marked confidential."
    ),
) -> None:
    """Show a country's assessments, factor scores and evidence."""
    iso3 = iso3_of(country)
    engine = open_existing(settings_of(ctx))
    with transaction(engine) as session:
        items = load_assessments(session, iso3)
    if as_json:
        write_json(fa.to_records(items, include_confidential), None)
        return
    if not items:
        console.print(f"no assessments of {name_of(iso3)} ({iso3})")
    fw = load_framework()
    for a in items:
        _print_assessment(a if include_confidential else a.without_confidential(), fw)


def _print_assessment(a: fa.Assessment, fw: Framework) -> None:
    console.print(f"[bold]#{a.id} {name_of(a.iso3)} ({a.iso3}), {a.date}, by {a.analyst}[/]")
    table = Table("factor", "score", "completeness", "judged")
    for fid, s in fa.score(a, fw).items():
        if s.judged:
            shown = f"{s.score:.2f}" + (" high" if s.high else "")
            table.add_row(fid, shown, f"{s.completeness:.0%}", f"{s.judged}/{s.total}")
    console.print(table)
    for j in a.judgements:
        console.print(f"  {j.indicator:>6} {j.value}", markup=False)
        for e in j.evidence:
            console.print(
                f"         [{e.reliability}{e.credibility}] {e.text} — {e.source}, {e.date}"
            )


@assess_app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="File to write (.csv or .json)."),
    country: str = typer.Option(None, "--country", help="Only this country."),
    include_confidential: bool = typer.Option(
        False, "--include-confidential", help="Also export evidence marked confidential."
    ),
) -> None:
    """Export assessments in the import format (confidential evidence left out by default)."""
    iso3 = iso3_of(country) if country else None
    engine = open_existing(settings_of(ctx))
    with transaction(engine) as session:
        items = load_assessments(session, iso3)
    if out.suffix.lower() == ".csv":
        write_atomically(out, fa.to_csv(items, include_confidential).encode("utf-8"))
    else:
        write_json(fa.to_records(items, include_confidential), out)
    console.print(f"wrote {len(items)} assessment(s) to {out}")


@assess_app.command("audit")
def audit(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    include_confidential: bool = typer.Option(
        False, "--include-confidential", help="Also print the evidence text (it may name sources)."
    ),
) -> None:
    """List evidence stored before confidentiality had to be stated, for review.

    Such evidence may have been stored as public only because the importer left the
    ``confidential`` value out; it is withheld from users without clearance until an
    administrator states it with ``forewarn assess review``."""
    engine = open_existing(settings_of(ctx))
    with transaction(engine) as session:
        items = unstated_evidence(session)
    if as_json:
        write_json([i.as_dict(include_confidential) for i in items], None)
        return
    if not items:
        console.print("every stored evidence item states its confidentiality")
        return
    for i in items:
        stored = "confidential" if i.stored_confidential else "public"
        console.print(
            f"evidence #{i.evidence_id} (assessment #{i.assessment_id}, {i.iso3} "
            f"{i.assessed_on}, {i.analyst}, indicator {i.indicator}): {i.source}, "
            f"{i.observed_on}, {i.reliability}{i.credibility}; stored as {stored}",
            markup=False,
        )
        if include_confidential:
            console.print(f"    {i.text}", markup=False)
    console.print(
        f"{len(items)} evidence item(s) never stated their confidentiality; they are withheld "
        "from users without clearance until reviewed: "
        "forewarn assess review ID --confidential|--public"
    )


@assess_app.command("review")
def review(
    ctx: typer.Context,
    evidence_ids: list[int] = typer.Argument(..., help="Evidence ids (from assess audit)."),
    confidential: bool = typer.Option(
        None, "--confidential/--public", help="The reviewed confidentiality (required)."
    ),
    by: str = typer.Option(getpass.getuser(), "--by", help="Who reviews (the ledger's actor)."),
) -> None:
    """State the confidentiality of evidence items after review (recorded in the ledger)."""
    if confidential is None:
        raise ConfigError("state the review's outcome: --confidential or --public")
    settings = settings_of(ctx)
    engine = open_existing(settings)
    ledger.retrying(
        engine,
        lambda s: [review_confidentiality(s, i, confidential, by) for i in evidence_ids],
    )
    ledger.record_receipt(
        engine, ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
    )
    shown = "confidential" if confidential else "public"
    console.print(f"{len(evidence_ids)} evidence item(s) reviewed as {shown} by {by}")
