"""Display names of the codes the dashboard shows beyond those of the briefs.

Level, state, ladder-role and judgement names come from :mod:`forewarn.i18n.labels`; the names
here (ledger entry kinds, case event kinds, user roles, decision verbs) are marked with ``N_`` and
translated when a page is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping

from forewarn.i18n import N_

ENTRY_KINDS: Mapping[str, str] = {
    "alert.raised": N_("Alert raised"),
    "action.opened": N_("Action opened"),
    "action.acknowledged": N_("Acknowledged"),
    "action.done": N_("Done"),
    "action.refused": N_("Refused"),
    "action.blocked": N_("Blocked"),
    "action.overdue": N_("Went overdue"),
    "action.escalated": N_("Escalated"),
    "assessment.recorded": N_("Assessment recorded"),
    "clock.tick": N_("Clock tick"),
    "key.registered": N_("Signing key registered"),
    "user.added": N_("User added"),
    "user.disabled": N_("User disabled"),
    "token.created": N_("API token created"),
    "token.revoked": N_("API token revoked"),
    "user.updated": N_("User updated"),
    "notification.delivered": N_("Notification delivered"),
    "notification.deferred": N_("Notification deferred"),
    "notification.failed": N_("Notification failed"),
    "notification.retried": N_("Notification queued again"),
    "webhook.added": N_("Webhook added"),
    "webhook.removed": N_("Webhook removed"),
}
EVENT_KINDS: Mapping[str, str] = {
    "warning": N_("warning"),
    "decision": N_("decision"),
    "veto": N_("veto"),
    "violence": N_("violence"),
    "deployment": N_("deployment"),
    "statement": N_("statement"),
    "withdrawal": N_("withdrawal or cut"),
    "report": N_("report"),
}
USER_ROLES: Mapping[str, str] = {
    "viewer": N_("viewer"),
    "analyst": N_("analyst"),
    "decision": N_("decision staff"),
    "admin": N_("administrator"),
}
VERBS: Mapping[str, str] = {
    "ack": N_("Acknowledge"),
    "done": N_("Close as done"),
    "refuse": N_("Refuse"),
    "block": N_("Record a block"),
}
ACTORS: Mapping[str, str] = {
    "forewarn-clock": N_("the forewarn clock"),
    "forewarn-worker": N_("the notification worker"),
    "forewarn-warn": N_("the warning run"),
    "forewarn-ledger": N_("the ledger"),
}
"""forewarn's own actors in the ledger (a person's actor is their user name)."""
SUBJECTS: Mapping[str, str] = {
    "alert": N_("alert %(id)s"),
    "action": N_("action %(id)s"),
    "user": N_("user %(id)s"),
    "token": N_("API token %(id)s"),
    "key": N_("signing key %(id)s"),
    "assessment": N_("assessment %(id)s"),
    "notification": N_("notification %(id)s"),
    "webhook": N_("webhook %(id)s"),
}
"""What a ledger entry is about (``alert:12`` is "alert 12")."""
FIELDS: Mapping[str, str] = {
    "state": N_("state"),
    "level": N_("level"),
    "country": N_("country"),
    "reason": N_("reason"),
    "reference": N_("reference"),
    "outcome": N_("outcome"),
    "deadline": N_("deadline"),
}
"""The facts of a ledger entry the ledger page shows, in this order."""
COMMAND_LINE = N_("command line (%(user)s)")
"""The actor ``cli:<user>``: someone at the command line."""
AREA_KINDS: Mapping[str, str] = {
    "province": N_("%(name)s province"),
    "state": N_("%(name)s state"),
    "region": N_("%(name)s region"),
    "district": N_("%(name)s district"),
    "governorate": N_("%(name)s governorate"),
    "prefecture": N_("%(name)s prefecture"),
    "department": N_("%(name)s department"),
    "division": N_("%(name)s division"),
    "county": N_("%(name)s county"),
    "municipality": N_("%(name)s municipality"),
}
"""First-level areas as the event data name them (UCDP GED's ``Ouaka province``), by their
last word; an area of another kind is shown as the data name it."""
VETO_TOPICS = (
    N_("Bosnia"),
    N_("Myanmar"),
    N_("Syria"),
    N_("Yemen"),
    N_("Israel-Palestine"),
    N_("Rwanda"),
    N_("Sudan"),
    N_("Ukraine"),
)
"""Crisis topics of the registry's veto file that the Council page shows (its
atrocity-related vetoes); the supplement's topics are extracted from the file itself."""
