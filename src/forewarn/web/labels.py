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
