"""``forewarn unsc`` and ``forewarn mandate``: Council votes, vetoes, restraint, mandates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from forewarn.cli.app import app, console, settings_of, write_json
from forewarn.errors import NotFound
from forewarn.unsc import mandates as mt
from forewarn.unsc import restraint as rs
from forewarn.unsc import vetoes as vt
from forewarn.unsc.members import UnscError
from forewarn.unsc.voting import decide, load_vote_file

unsc_app = typer.Typer(help="The UN Security Council: votes, vetoes and veto restraint.")
mandate_app = typer.Typer(help="Peacekeeping mandate adequacy: resourcing and protection flags.")
app.add_typer(unsc_app, name="unsc")
app.add_typer(mandate_app, name="mandate")


# -- unsc decide ---------------------------------------------------------------------------


@unsc_app.command("decide")
def decide_file(
    file: Path = typer.Argument(..., help='JSON file {"date", "matter", "votes"}.'),
) -> None:
    """Apply Article 27 of the Charter to a recorded vote and print the decision as JSON."""
    on, matter, votes = load_vote_file(file)
    d = decide(on, matter, votes)
    write_json({"date": on.isoformat(), "matter": matter, **d.as_dict()}, None)


# -- unsc vetoes ---------------------------------------------------------------------------


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UnscError(f"{option}: expected a YYYY-MM-DD date, got {text!r}") from None


@unsc_app.command("vetoes")
def vetoes(
    ctx: typer.Context,
    member: str = typer.Option(None, "--member", help="Russia, USSR, China, UK, USA, FRA ..."),
    topic: str = typer.Option(None, "--topic", help="Text in the agenda item or topic."),
    since: str = typer.Option(None, "--since", help="First date, YYYY-MM-DD (inclusive)."),
    until: str = typer.Option(None, "--until", help="Last date, YYYY-MM-DD (inclusive)."),
    atrocity: bool = typer.Option(False, "--atrocity", help="Only atrocity-tagged vetoes."),
    report: bool = typer.Option(False, "--report", help="Print the loader's defect report."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (defects included)."),
) -> None:
    """List vetoes with counts per member; the registry file's defects with --report."""
    filters = {"member": member, "topic": topic, "since": since, "until": until}
    first, last = _day(since, "--since"), _day(until, "--until")
    frame, load_report = vt.load_vetoes(settings_of(ctx))
    chosen = vt.filter_vetoes(
        frame, member=member, topic=topic, since=first, until=last, atrocity=atrocity
    )
    if as_json:
        write_json(
            {
                "filters": filters | {"atrocity": atrocity},
                "total": len(chosen),
                "counts": vt.counts(chosen),
                "vetoes": vt.to_records(chosen),
                "defects": load_report.to_records(),
            },
            None,
        )
        return
    if report:
        _print_report(load_report)
    _print_vetoes(chosen)


def _print_report(report: vt.LoadReport) -> None:
    console.print(
        f"[bold]Defect report[/] for {report.source}: {report.base_rows} rows read,"
        f" {report.supplement_rows} supplement rows added"
    )
    for d in report.defects:
        console.print(f"  {d.code}: {d.count} — {d.description}; {d.treatment}", markup=False)
        for example in d.examples:
            console.print(f"      e.g. {example}", markup=False)
    console.print()


def _print_vetoes(frame: pd.DataFrame) -> None:
    c = vt.counts(frame)
    per = ", ".join(f"{k} {v}" for k, v in c["by_member"].items()) or "none"
    seats = ", ".join(f"{k} {v}" for k, v in c["by_seat"].items()) or "none"
    console.print(f"[bold]{len(frame)} veto(es)[/]; by member: {per}; by seat: {seats}")
    for rec in vt.to_records(frame):
        tag = f"[{rec['atrocity_rule']}]" if rec["atrocity"] else ""
        console.print(
            f"{rec['id']:<13} {rec['draft'] or '-':<14} {rec['meeting'] or '-':<12}"
            f" {', '.join(rec['vetoed_by']):<13} {tag} {rec['topic'] or rec['agenda']}"
            f" ({_source(rec)})",
            markup=False,
        )


def _source(rec: dict[str, Any]) -> str:
    if rec["origin"] == "registry":
        return "registry CSV " + str(rec["source"]).rsplit(", ", 1)[-1]
    return "supplement: " + _short(rec["source"], 70)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- unsc restraint --------------------------------------------------------------------------


@unsc_app.command("restraint")
def restraint(
    ctx: typer.Context,
    scenario: str = typer.Option(None, "--scenario", help="none, french-mexican, act-code, full"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What if bound permanent members had not vetoed atrocity-related drafts?"""
    scenarios = rs.load_scenarios()
    if scenario is not None:
        scenarios = tuple(s for s in scenarios if s.id == scenario)
        if not scenarios:
            known = ", ".join(s.id for s in rs.load_scenarios())
            raise NotFound(f"no restraint scenario {scenario!r} (known: {known})")
    frame, _ = vt.load_vetoes(settings_of(ctx))
    results = rs.run_scenarios(frame, scenarios)
    if as_json:
        write_json({"treatment": rs.TREATMENT, "scenarios": [r.to_record() for r in results]}, None)
        return
    console.print(rs.TREATMENT, markup=False)
    for result in results:
        _print_scenario(result.to_record())


def _print_scenario(rec: dict[str, Any]) -> None:
    bound = ", ".join(rec["bound"]) or "none"
    blockers = ", ".join(f"{k} {v}" for k, v in rec["still_blocked_by"].items()) or "-"
    console.print(f"\n[bold]{rec['id']}[/]: {rec['title']} (bound: {bound})")
    console.print(
        f"  {rec['atrocity_vetoes']} atrocity vetoes: {rec['passes']} would have passed,"
        f" {rec['still_blocked']} still blocked (by {blockers}),"
        f" {rec['fails_too_few_votes']} too few votes,"
        f" {rec['unknown_no_vote_count']} unknown (no recorded vote count);"
        f" optimistic count (unknown taken as passing): {rec['optimistic_passes']}",
        markup=False,
    )
    for d in rec["drafts"]:
        outcome = d["status"]
        if d["still_blocked_by"]:
            outcome += f" by {', '.join(d['still_blocked_by'])}"
        yes = "?" if d["yes"] is None else str(d["yes"])
        console.print(
            f"  {d['id']:<13} {d['draft'] or '-':<12} vetoed by {', '.join(d['vetoed_by']):<9}"
            f" yes {yes:>2}/{d['required']}: {outcome}"
            f" (count: {d['vote_count_source'] or 'none recorded'})",
            markup=False,
        )


# -- mandate check / list ----------------------------------------------------------------------


@mandate_app.command("check")
def check(
    file: Path = typer.Argument(None, help="Mission records (.toml or .json)."),
    mission: str = typer.Option(None, "--mission", help="A packaged record's id or mission."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Resourcing ratio, troops per 1,000 protected and flags for mission records."""
    if (file is None) == (mission is None):
        raise typer.BadParameter("give a FILE or --mission NAME (not both)")
    assessed = mt.assess(mt.load_mandates(file))
    if mission is not None:
        assessed = mt.select(assessed, mission)
        if not assessed:
            known = ", ".join(m.id for m in mt.load_mandates())
            raise NotFound(f"no mandate record {mission!r} (known: {known})")
    if as_json:
        write_json([a.to_record() for a in assessed], None)
        return
    for a in assessed:
        _print_assessment(a.to_record())


def _print_assessment(rec: dict[str, Any]) -> None:
    console.print(f"\n[bold]{rec['id']}[/] {rec['name']}, {rec['date']}, {rec['resolution']}")
    ratio = rec["resourcing_ratio"]
    per = rec["troops_per_1000_protected"]
    console.print(
        f"  troops requested {_n(rec['troops_requested'])}, authorised"
        f" {_n(rec['troops_authorised'])}; resourcing ratio {_n(ratio)};"
        f" troops per 1,000 protected {_n(per)}; Chapter VII {_n(rec['chapter_vii'])};"
        f" protection promised {_n(rec['protection_promised'])}",
        markup=False,
    )
    for flag in rec["flags"]:
        console.print(f"  FLAG {flag['code']}: {flag['reason']}", markup=False)
    if not rec["flags"]:
        console.print("  no flags")
    for note in rec["notes"]:
        console.print(f"  note: {note}", markup=False)


def _n(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@mandate_app.command("list")
def list_mandates(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The packaged mission records."""
    records = [a.to_record() for a in mt.assess(mt.load_mandates())]
    if as_json:
        write_json(records, None)
        return
    for r in records:
        flags = ", ".join(f["code"] for f in r["flags"]) or "no flags"
        console.print(
            f"{r['id']:<26} {r['date']} {r['resolution'] or '-':<18}"
            f" requested {_n(r['troops_requested']):>7}, authorised"
            f" {_n(r['troops_authorised']):>7}: {flags}",
            markup=False,
        )
