"""``/api/actions``: the deadline-bound actions and their owners' decisions.

The decider is always the authenticated user: the body cannot name anyone, and the action
state machine checks that the user holds the ladder role owning the action.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from forewarn.api.context import utc_now
from forewarn.api.deps import Analyst, ContextDep, PageDep, RowId, SessionDep, Viewer
from forewarn.response import actions
from forewarn.response.actions import Decision, Verb

router = APIRouter(prefix="/api/actions", tags=["actions"])


@router.get("")
def list_actions(
    user: Viewer,
    session: SessionDep,
    context: ContextDep,
    page: PageDep,
    overdue: Annotated[bool, Query(description="Only actions past their deadline.")] = False,
    owner: Annotated[
        str | None, Query(max_length=100, description="Only actions this ladder role owns.")
    ] = None,
) -> dict[str, Any]:
    """Actions, oldest first (paged), as ``forewarn actions list --json``."""
    if owner is not None:
        context.ladder.check_owner(owner)
    day = utc_now().date() if overdue else None
    return page.of(actions.listing(session, owner=owner, overdue_on=day), actions.as_dict)


@router.get("/{action_id}")
def get_action(action_id: RowId, user: Viewer, session: SessionDep) -> dict[str, Any]:
    """One action."""
    return actions.as_dict(actions.get(session, action_id))


class DecisionBody(BaseModel):
    """What a decision may carry; who decides is never part of it."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=5000, description="Required to refuse.")
    reference: str | None = Field(
        None, max_length=200, description="Required to block, e.g. the vetoed draft S/2017/172."
    )
    outcome: str | None = Field(None, max_length=200, description="One of the ladder's outcomes.")
    veto: bool = Field(False, description="A block that is a veto (opens the GA debate).")


@router.post("/{action_id}/{verb}")
def decide(
    action_id: RowId,
    verb: Verb,
    user: Analyst,
    context: ContextDep,
    body: DecisionBody | None = None,
) -> dict[str, Any]:
    """Acknowledge, close as done, refuse (with a reason) or block (with a reference)."""
    given = body or DecisionBody()
    decision = Decision(
        verb, user.name, utc_now(), given.reason, given.reference, given.outcome, given.veto
    )
    row = context.write(
        lambda s: actions.decide(s, context.ladder, user.roles(), action_id, decision)
    )
    return actions.as_dict(row)
