"""The dashboard's pages: map, ranking, country, alert and action queues, ledger, Security
Council, cases, and the briefs to download.

Every page needs a signed-in user (any role); deciding an action needs the analyst role and
the ladder role that owns the action, exactly as the API's ``POST /api/actions/...`` (whose
handler the forms call). Forms carry the session's CSRF token.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.api.context import ApiContext, utc_now
from forewarn.api.deps import Analyst, ContextDep, SessionDep
from forewarn.api.routes import actions as api_actions
from forewarn.api.routes.countries import find_row
from forewarn.api.routes.forecasts import forecast_frame, history_frame
from forewarn.api.routes.ledger import verify
from forewarn.cases.timeline import list_cases, load_case
from forewarn.errors import ForewarnError, NotFound
from forewarn.framework.catalogue import load_framework
from forewarn.notify import told
from forewarn.response import gap
from forewarn.response.actions import Verb
from forewarn.store.alerts import list_alerts
from forewarn.unsc import restraint as rs
from forewarn.unsc import vetoes as vt
from forewarn.warning.monthly import load_monthly_rules
from forewarn.warning.rules import load_rules
from forewarn.web import geo, replays, views
from forewarn.web.language import language_of, translations
from forewarn.web.render import PageRoute, VisitorDep, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOW = ("live", "all", "closed")


def _map_labels(request: Request) -> dict[str, str]:
    _ = translations(language_of(request)).gettext
    return {
        "risk": _("Two-year risk"),
        "rank": _("Rank"),
        "change": _("Change since last year"),
        "noData": _("No forecast"),
        "of": _("of"),
        "points": _("points"),
        "open": _("Press Enter to open the country page"),
    }


def _rule_texts(context: ApiContext) -> dict[str, str]:
    """What each rule checks (its description), by id: the annual and the monthly rules."""

    def read() -> dict[str, str]:
        settings = context.settings
        annual = load_rules(settings.rules_file).rules
        monthly = load_monthly_rules(settings.monthly_rules_file).rules
        return {r.id: r.description for r in (*annual, *monthly) if r.description}

    return context.cached("rule-texts", read)


def _rows(context: ApiContext, session: Session, lang: str) -> list[views.RankRow]:
    levels = views.current_levels(session, list(context.ladder.levels))
    return views.ranking(forecast_frame(context), levels, lang)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, visitor: VisitorDep, context: ContextDep, session: SessionDep) -> Any:
    """The world map of two-year risk, and what is waiting for a response."""
    lang = language_of(request)
    rows = _rows(context, session, lang)
    today = utc_now().date()
    queue = views.action_views(session, today)
    return page(
        request,
        "map.html",
        {
            "rows": rows,
            "top": rows[:10],
            "legend": geo.legend(lang),
            "no_data": geo.NO_DATA,
            "map_data": geo.map_data(rows, lang, _map_labels(request)),
            "overdue": sum(v.overdue for v in queue),
            "live": sum(v.live for v in queue),
            "gap": gap.report(session, utc_now(), calendar=context.ladder.calendar).totals,
        },
        visitor=visitor,
    )


@router.get("/ranking", response_class=HTMLResponse)
def ranking(
    request: Request,
    visitor: VisitorDep,
    context: ContextDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Any:
    """Every country by two-year risk, sortable and filterable."""
    rows = _rows(context, session, language_of(request))
    shown = [r for r in rows if r.matches(q)]
    return page(
        request, "ranking.html", {"rows": shown, "total": len(rows), "q": q}, visitor=visitor
    )


def _country(context: ApiContext, session: Session, iso3: str, clearance: bool) -> dict[str, Any]:
    row = find_row(forecast_frame(context), iso3)
    code = str(row["iso3"])
    points, chart = views.history_chart_of(history_frame(context, code))
    alerts = list_alerts(session, iso3=code)
    actions = views.country_actions(session, alerts)
    framework = context.cached("framework", load_framework)
    return {
        "row": row,
        "iso3": code,
        "points": points,
        "chart": chart,
        "drivers": views.drivers_of(row.get("drivers")),
        "baseline": views.optional_float(row.get("baseline")),
        "profile": views.profile_of(row.get("profile"), framework),
        "assessments": views.assessments_of(session, code, clearance),
        "indicator_text": {
            **{f.id: f.name for f in framework.factors},  # a whole-factor judgement
            **{i.id: i.text for i in framework.indicators},
        },
        "alerts": alerts,
        "actions": views.action_views(session, utc_now().date(), actions),
        "timeline": views.timeline(session, alerts, actions),
        "titles": {a.id: a.title for a in actions},
        "rules": _rule_texts(context),
        "level": views.current_level(alerts, list(context.ladder.levels)),
        "total": len(forecast_frame(context)),
        **_events(context, code, alerts),
    }


def _events(context: ApiContext, iso3: str, alerts: list[Any]) -> dict[str, Any]:
    """The event-data section of a country page (monthly chart, events map, provinces)."""
    from forewarn.web.events import country_events

    found = country_events(context.settings.data_dir, iso3, alerts)
    if found is None:
        return {"events": None, "events_map": None}
    numeric = {v: k for k, v in geo.numeric_to_iso3().items()}
    where = {"iso3": iso3, "numeric": numeric.get(iso3), "points": found.points}
    return {"events": found, "events_map": where}


@router.get("/countries/{iso3}", response_class=HTMLResponse)
def country(
    iso3: str, request: Request, visitor: VisitorDep, context: ContextDep, session: SessionDep
) -> Any:
    """A country: risk history, drivers, profile, assessments, alerts and the action timeline."""
    data = _country(context, session, iso3, visitor.user.clearance)
    return page(request, "country.html", data, visitor=visitor)


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    context: ContextDep,
    level: Annotated[str, Query(max_length=32)] = "",
) -> Any:
    """Alerts, newest first, with how long each has waited for a response."""
    if level:
        context.ladder.check_level(level)
    now, calendar = utc_now(), context.ladder.calendar
    report = gap.report(session, now, calendar=calendar)
    gaps = {g.alert_id: g for g in report.alerts}
    heard = told.report(session, now, calendar=calendar)
    alerts = list_alerts(session, level=level or None)
    shown = {"alerts": alerts, "gaps": gaps, "totals": report.totals, "level": level}
    shown |= {"told": {t.alert_id: t for t in heard.alerts}, "told_totals": heard.totals}
    shown |= {"rules": _rule_texts(context)}
    return page(request, "alerts.html", shown, visitor=visitor)


def _queue(session: Session, visitor: VisitorDep, show: str, mine: bool) -> list[views.ActionView]:
    queue = views.action_views(session, utc_now().date())
    if show == "live":
        queue = [v for v in queue if v.live]
    elif show == "closed":
        queue = [v for v in queue if not v.live]
    if mine:
        queue = [v for v in queue if visitor.holds(v.row.owner)]
    return queue


def _actions_page(
    request: Request,
    visitor: VisitorDep,
    session: Session,
    show: str,
    mine: bool,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    chosen = show if show in SHOW else "live"
    changed = request.query_params.get("changed", "")
    here = f"/actions?show={chosen}" + ("&mine=true" if mine else "")
    return page(
        request,
        "actions.html",
        {
            "queue": _queue(session, visitor, chosen, mine),
            "told": {t.action_id: t for t in told.report(session, utc_now()).actions},
            "show": chosen,
            "mine": mine,
            "error": error,
            "changed": int(changed) if changed.isdigit() else None,
            "today": utc_now().date(),
        },
        visitor=visitor,
        status=status,
        here=here if error else None,
    )


@router.get("/actions", response_class=HTMLResponse)
def action_queue(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    show: Annotated[str, Query(max_length=10)] = "live",
    mine: bool = False,
) -> Any:
    """The actions, overdue first, with the forms to decide them."""
    return _actions_page(request, visitor, session, show, mine)


def _message(exc: ForewarnError | ValidationError) -> str:
    """What went wrong, without the command line's option names (``(--reason)``)."""
    if isinstance(exc, ValidationError):
        return "; ".join(str(e.get("msg", "invalid")) for e in exc.errors()) or "invalid decision"
    return re.sub(r"--(\w)", r"\1", re.sub(r"\s*\(--[\w-]+\)", "", str(exc)))


def _text(value: str) -> str | None:
    return value.strip() or None


@router.post("/actions/{action_id}/{verb}", response_class=HTMLResponse)
def decide(
    action_id: int,
    verb: Verb,
    request: Request,
    user: Analyst,
    visitor: VisitorDep,
    context: ContextDep,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=5000)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
    outcome: Annotated[str, Form(max_length=200)] = "",
    veto: Annotated[bool, Form()] = False,
    show: Annotated[str, Form(max_length=10)] = "live",
    mine: Annotated[bool, Form()] = False,
) -> Any:
    """Acknowledge, close as done, refuse (a reason is required) or block an action."""
    try:
        body = api_actions.DecisionBody(
            reason=_text(reason), reference=_text(reference), outcome=_text(outcome), veto=veto
        )
        api_actions.decide(action_id, verb, user, context, body)
    except (ForewarnError, ValidationError) as exc:
        status = exc.http_status if isinstance(exc, ForewarnError) else 422
        message = _message(exc)
        error = {"action": action_id, "verb": verb.value, "message": message,
                 "reason": reason, "reference": reference}  # fmt: skip
        return _actions_page(request, visitor, session, show, mine, error, status)
    target = f"/actions?show={show if show in SHOW else 'all'}&changed={action_id}"
    if mine:
        target += "&mine=true"
    return RedirectResponse(f"{target}#action-{action_id}", status_code=303)


@router.get("/ledger", response_class=HTMLResponse)
def ledger_status(
    request: Request, visitor: VisitorDep, context: ContextDep, session: SessionDep
) -> Any:
    """The ledger: does the chain verify, its head, and the newest entries."""
    return page(
        request,
        "ledger.html",
        {
            "check": verify(visitor.user, context),
            "head": ledger.read_head(session),
            "entries": views.recent_entries(session),
        },
        visitor=visitor,
    )


@router.get("/council", response_class=HTMLResponse)
def council(request: Request, visitor: VisitorDep, context: ContextDep) -> Any:
    """The Security Council: the veto record and what veto restraint would have changed."""
    frame, report = context.cached("vetoes", lambda: vt.load_vetoes(context.settings))
    atrocity = vt.filter_vetoes(frame, atrocity=True)
    results = rs.run_scenarios(frame, rs.load_scenarios())
    return page(
        request,
        "council.html",
        {
            "counts": vt.counts(frame),
            "atrocity_counts": vt.counts(atrocity),
            "vetoes": list(reversed(vt.to_records(atrocity))),
            "total": len(frame),
            "scenarios": [r.to_record() for r in results],
            "treatment": rs.TREATMENT,
            "defects": report.to_records(),
        },
        visitor=visitor,
    )


@router.get("/cases", response_class=HTMLResponse)
def cases(request: Request, visitor: VisitorDep) -> Any:
    """The historical cases the system is replayed on."""
    found = [load_case(case_id) for case_id in list_cases()]
    return page(request, "cases.html", {"cases": found}, visitor=visitor)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case(
    case_id: str,
    request: Request,
    visitor: VisitorDep,
    context: ContextDep,
    replay: bool = False,
) -> Any:
    """One case as a sourced timeline; with ``?replay=true``, beside what forewarn would have
    raised and demanded by when."""
    if case_id not in list_cases():
        raise NotFound(f"no case {case_id!r} (known: {', '.join(list_cases())})")
    chosen = load_case(case_id)
    replayed, problem = None, None
    if replay:
        try:
            replayed = replays.replay_of(context, chosen)
        except ForewarnError as exc:
            problem = str(exc)
    data = {
        "case": chosen,
        "replayed": replayed,
        "problem": problem,
        "moments": replays.timeline(chosen, replayed),
        "years": replays.years(chosen),
    }
    return page(request, "case.html", data, visitor=visitor)
