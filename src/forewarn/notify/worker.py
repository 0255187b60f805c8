"""The worker: runs the clock, writes reminders and digests, and delivers the outbox, until
told to stop.

Every ``FOREWARN_WORKER_POLL`` seconds it delivers what is due; every
``FOREWARN_WORKER_INTERVAL`` seconds, and at once when new alerts are waiting, it also ticks
the clock (opening and escalating actions, which writes their notifications), reminds owners
of deadlines one working day away and makes the digests that are due. ``SIGTERM`` (or
``SIGINT``) lets the batch under way finish and be recorded, then the worker stops. Several
workers may run against one database: the clock, the reminders and the digests are
idempotent and take turns on their rows, and notifications are claimed by lease.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.notify.config import Delivery
from forewarn.notify.digest import make_digests
from forewarn.notify.dispatch import Dispatcher
from forewarn.notify.queue import Counts
from forewarn.notify.reminders import remind
from forewarn.response import clock
from forewarn.response.ladder import Ladder
from forewarn.store.tables import WorkerRow


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_id() -> str:
    """A name for this worker process: host, process id and a random suffix."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RoundReport:
    """What one round did."""

    ticked: bool
    tick: clock.TickReport
    reminded: int
    digests: int
    sent: Counts
    mail_error: str | None = None
    """Why e-mail could not be sent in this round (the SMTP server down, its certificate
    not trusted, the log-in refused), if so."""

    def as_dict(self) -> dict[str, object]:
        return {
            "ticked": self.ticked,
            **{f"tick_{k}": v for k, v in asdict(self.tick).items()},
            "reminded": self.reminded,
            "digests": self.digests,
            **asdict(self.sent),
        }

    @property
    def changed(self) -> bool:
        return self.tick.changed or bool(self.reminded or self.digests or self.sent.total)


@dataclass
class Worker:
    """One worker process's loop (usable from Python: :meth:`round`, :meth:`run`)."""

    engine: Engine
    ladder: Ladder
    delivery: Delivery
    receipts: Path | None = None
    name: str = field(default_factory=worker_id)
    clock_now: Callable[[], dt.datetime] = _utc_now
    stopping: threading.Event = field(default_factory=threading.Event)
    last_tick: float | None = None

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(self.engine, self.delivery, self.name, clock=self.clock_now)

    # --- one round ----------------------------------------------------------------------------

    def _receipt(self) -> None:
        if self.receipts is not None:
            ledger.record_receipt(self.engine, self.receipts)

    def _tick_due(self, now: dt.datetime) -> bool:
        if self.last_tick is None or time.monotonic() - self.last_tick >= self.delivery.interval:
            return True
        with Session(self.engine) as session:
            return bool(clock.pending_alerts(session, now)[:1])

    def round(self, force_tick: bool = False, budget: float | None = None) -> RoundReport:
        """Tick (when due), remind, make digests, then deliver what is due."""
        now = self.clock_now()
        ticked = force_tick or self._tick_due(now)
        report, reminded, digests = clock.TickReport(), 0, 0
        if ticked:
            report = clock.tick(self.engine, self.ladder, now, committed=self._receipt)
            self.last_tick = time.monotonic()
            reminded = remind(self.engine, self.ladder, now)
            digests = make_digests(self.engine, self.delivery, now)
        spend = budget if budget is not None else max(self.delivery.interval, 60.0)
        sent = self.dispatcher.drain(self.stopping.is_set, spend)
        result = RoundReport(ticked, report, reminded, digests, sent, self.dispatcher.mail_error)
        if sent.total:
            self._receipt()
        self._heartbeat(now, result)
        return result

    # --- the loop -----------------------------------------------------------------------------

    def stop(self, *_: object) -> None:
        """Ask the worker to stop after the batch under way."""
        self.stopping.set()

    def install_signals(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(
        self,
        once: bool = False,
        report: Callable[[RoundReport], None] | None = None,
        trouble: Callable[[Exception], None] | None = None,
    ) -> int:
        """Run rounds until stopped (or one, with ``once``); the number of rounds.

        In the loop, a database that cannot be reached is reported to ``trouble`` and tried
        again after the poll interval; with ``once`` it stops the worker."""
        self._start()
        rounds = 0
        try:
            while not self.stopping.is_set():
                try:
                    result = self.round(force_tick=once or rounds == 0,
                                        budget=3600.0 if once else None)  # fmt: skip
                except DBAPIError as exc:
                    if once or trouble is None:
                        raise
                    trouble(exc)
                    self.stopping.wait(self.delivery.poll)
                    continue
                rounds += 1
                if report is not None and (once or result.changed):
                    report(result)
                if once:
                    break
                self.stopping.wait(self.delivery.poll)
        finally:
            self._stop()
            self.dispatcher.close()
        return rounds

    # --- the heartbeat (``forewarn worker status``) ---------------------------------------------

    def _start(self) -> None:
        host, pid = socket.gethostname()[:200], os.getpid()

        def work(session: Session) -> None:
            session.add(WorkerRow(id=self.name, host=host, pid=pid, started_at=self.clock_now(),
                                  last_report={}))  # fmt: skip

        ledger.retrying(self.engine, work)

    def _heartbeat(self, now: dt.datetime, result: RoundReport) -> None:
        def work(session: Session) -> None:
            row = session.get(WorkerRow, self.name)
            if row is None:
                return
            row.last_round_at = now
            if result.ticked:
                row.last_tick_at = now
            if result.changed or not row.last_report:
                row.last_report = result.as_dict()

        ledger.retrying(self.engine, work)

    def _stop(self) -> None:
        def work(session: Session) -> None:
            row = session.get(WorkerRow, self.name)
            if row is not None:
                row.stopped_at = self.clock_now()

        ledger.retrying(self.engine, work)
