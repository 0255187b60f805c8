"""Reminders of deadlines one working day away, and daily digests (both back ends)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.notify import config as notify_config
from forewarn.notify.digest import make_digests
from forewarn.notify.reminders import remind
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store.tables import ActionRow, NotificationRow

from .conftest import MONDAY, add_user, insert_alerts, notifications, with_notify


def test_owners_are_reminded_once_the_working_day_before_a_deadline(engine: Engine) -> None:
    ladder = load_ladder(Settings())
    amara = add_user(engine, "amara", "analyst")
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, ladder, MONDAY)  # desk review due Monday 10 March (5 working days)
    with Session(engine) as session:
        review = session.scalars(select(ActionRow).where(ActionRow.action == "desk_review")).one()
    assert review.deadline == dt.date(2025, 3, 10)
    assert remind(engine, ladder, dt.datetime(2025, 3, 6, 9, tzinfo=dt.UTC)) == 0  # Thursday
    friday = dt.datetime(2025, 3, 7, 9, tzinfo=dt.UTC)  # next working day is Monday
    assert remind(engine, ladder, friday) == 1
    assert remind(engine, ladder, friday + dt.timedelta(hours=3)) == 0
    rows = notifications(engine, NotificationRow.event == "action.due_soon")
    assert [(r.user_id, r.action_id) for r in rows] == [(amara, review.id)]


def test_a_digest_a_day_after_the_digest_hour(db_settings: Settings, engine: Engine) -> None:
    settings = with_notify(db_settings, 25, FOREWARN_DIGEST_HOUR="8",
                           FOREWARN_DIGEST_TIMEZONE="Asia/Jakarta")  # fmt: skip
    delivery = notify_config.delivery(settings)
    ari = add_user(engine, "ari", "analyst", language="id", digest=True)
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, load_ladder(settings), MONDAY)
    early = dt.datetime(2025, 3, 4, 0, 30, tzinfo=dt.UTC)  # 07:30 in Jakarta
    assert make_digests(engine, delivery, early) == 0
    later = dt.datetime(2025, 3, 4, 1, 30, tzinfo=dt.UTC)  # 08:30 in Jakarta
    assert make_digests(engine, delivery, later) == 1
    assert make_digests(engine, delivery, later + dt.timedelta(hours=5)) == 0
    (digest,) = notifications(engine, NotificationRow.event == "digest")
    assert digest.user_id == ari and digest.payload["day"] == "2025-03-04"
    assert len(digest.payload["due"]) == 2 and len(digest.payload["events"]) == 2
    carried = notifications(engine, NotificationRow.digest_id == digest.id)
    assert len(carried) == 2 and {r.state for r in carried} == {"digested"}
    next_day = dt.datetime(2025, 3, 5, 2, tzinfo=dt.UTC)  # still due: a new digest
    assert make_digests(engine, delivery, next_day) == 1
