"""The action queue's forms: decisions with CSRF, recorded in the ledger, and refused when
they lack what the rules require or come from someone who may not decide."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy.orm import Session

from forewarn.ledger import entries_about
from forewarn.response import actions

from .conftest import Desk


def _live_action(desk: Desk, owner: str = "political_affairs") -> int:
    with Session(desk.engine) as session:
        found = [r for r in actions.listing(session, owner=owner) if r.state in {"open", "overdue"}]
    assert found, f"no live action owned by {owner}"
    return found[0].id


def _state(desk: Desk, action_id: int) -> str:
    with Session(desk.engine) as session:
        return actions.get(session, action_id).state


def _post(desk: Desk, action_id: int, verb: str, **form: Any) -> Any:
    return desk.client.post(f"/actions/{action_id}/{verb}", data=form, follow_redirects=False)


def test_the_queue_puts_overdue_actions_first(desk: Desk) -> None:
    desk.login("dana")
    page = desk.client.get("/actions").text
    cards = re.findall(r'<article id="action-(\d+)" class="action([^"]*)"', page)
    overdue = [" is-overdue" in classes for _, classes in cards]
    assert overdue[0] and True in overdue and False in overdue
    assert overdue == sorted(overdue, reverse=True)
    assert 'name="csrf_token"' in page


def test_acknowledging_is_recorded_and_shown(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk)
    response = _post(desk, action_id, "ack", csrf_token=csrf, show="live")
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/actions?show=live&changed={action_id}#action-{action_id}"
    )
    assert _state(desk, action_id) == "acknowledged"
    with Session(desk.engine) as session:
        entry = entries_about(session, f"action:{action_id}")[-1]
    assert (entry.kind, entry.actor) == ("action.acknowledged", "dana")
    page = desk.client.get(response.headers["location"]).text
    assert f"Recorded in the ledger: action #{action_id}." in page
    assert "Acknowledged by dana" in page


def test_closing_as_done_needs_an_outcome_of_the_ladder(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk)
    refused = _post(desk, action_id, "done", csrf_token=csrf, outcome="not an outcome")
    assert refused.status_code == 422 and "done needs an outcome among" in refused.text
    done = _post(desk, action_id, "done", csrf_token=csrf, outcome="offer made")
    assert done.status_code == 303 and _state(desk, action_id) == "done"


def test_refusing_without_a_reason_shows_the_error_and_changes_nothing(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk)
    response = _post(desk, action_id, "refuse", csrf_token=csrf, reason="   ")
    assert response.status_code == 422
    page = response.text
    assert f'id="action-{action_id}-error"' in page
    assert "a refusal must give its reason" in page and "--reason" not in page
    assert f'id="reason-{action_id}" name="reason" rows="2" aria-invalid="true"' in page
    assert "<details open>" in page
    assert _state(desk, action_id) in {"open", "overdue"}
    with_reason = _post(desk, action_id, "refuse", csrf_token=csrf, reason="No mandate to act.")
    assert with_reason.status_code == 303 and _state(desk, action_id) == "refused"


def test_blocking_by_a_veto_opens_the_general_assembly_debate(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk, "secretary_general")
    response = _post(desk, action_id, "block", csrf_token=csrf, reference="S/2017/172",
                     veto="true")  # fmt: skip
    assert response.status_code == 303
    assert _state(desk, action_id) == "blocked"
    with Session(desk.engine) as session:
        debates = [r for r in actions.listing(session, owner="ga_president")]
    assert [r.triggered_by for r in debates] == [action_id]


def test_a_form_without_the_csrf_token_is_refused(desk: Desk) -> None:
    desk.login("dana")
    action_id = _live_action(desk)
    response = _post(desk, action_id, "ack")
    assert response.status_code == 403 and "CSRF" in response.text
    assert _state(desk, action_id) in {"open", "overdue"}


def test_a_viewer_may_not_decide(desk: Desk) -> None:
    csrf = desk.login("vic")
    action_id = _live_action(desk)
    response = _post(desk, action_id, "ack", csrf_token=csrf)
    assert response.status_code == 403 and "this needs the analyst role" in response.text
    assert "Acknowledge</button>" not in desk.client.get("/actions").text


def test_only_holders_of_the_owning_role_may_decide(desk: Desk) -> None:
    csrf = desk.login("pat")
    action_id = _live_action(desk)
    page = desk.client.get("/actions").text
    assert "Only a holder of the role" in page and "Acknowledge</button>" not in page
    response = _post(desk, action_id, "ack", csrf_token=csrf)
    assert response.status_code == 403
    assert "does not hold the role 'political_affairs'" in html.unescape(response.text)


def test_an_anonymous_post_goes_to_the_login(desk: Desk) -> None:
    response = _post(desk, 1, "ack")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_acting_on_a_closed_action_is_a_conflict(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk)
    _post(desk, action_id, "refuse", csrf_token=csrf, reason="No mandate to act.")
    again = _post(desk, action_id, "ack", csrf_token=csrf, show="all")
    assert again.status_code == 409 and "already refused" in again.text


def test_the_action_timeline_of_the_country_shows_decisions(desk: Desk) -> None:
    csrf = desk.login("dana")
    action_id = _live_action(desk)
    _post(desk, action_id, "refuse", csrf_token=csrf, reason="No mandate to act.")
    with Session(desk.engine) as session:
        iso3 = actions.get(session, action_id).alert_id
        from forewarn.store.alerts import get_alert

        iso3 = get_alert(session, iso3).iso3
    page = desk.client.get(f"/countries/{iso3}").text
    timeline = page[page.index('<ol class="timeline"') :]
    assert "Refused" in timeline and "“No mandate to act.”" in timeline and "by dana" in timeline
