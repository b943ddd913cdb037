"""The worker's daily clock: the day's reminders sent from ``PTDV_REMINDER_HOUR``, Vietnam time.

``ptdv worker`` starts a :class:`ReminderClock` beside the import sweep (ptdv/cli.py). Once a
minute it asks whether the day's run is due: from the configured hour, until a run completes
(every user handled, none failed). A run cut short by its time budget continues at the next
tick; a run with failures is tried again :data:`RETRY_MINUTES` later. The send log
(:class:`~ptdv.reminders.models.ReminderSend`) makes this safe with any number of workers: each
user's digest is claimed once per day. ``PTDV_REMINDER_HOUR=-1`` turns the clock off (for an
installation that runs ``ptdv manage send_reminders`` from a systemd timer or cron instead).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from . import sending

log = logging.getLogger(__name__)

#: Minutes between two runs of a day that left failed sends to try again.
RETRY_MINUTES = 15


class ReminderClock:
    """Ticks every ``interval`` seconds in a daemon thread of the worker process."""

    def __init__(self, interval: float = 60):
        self.interval = interval
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="reminder-clock", daemon=True)
        self.done_on: date | None = None
        self.next_try: datetime | None = None

    def start(self) -> ReminderClock:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def due(self, now: datetime) -> bool:
        """Whether a run is due at ``now`` (aware)."""
        hour = settings.PTDV_REMINDER_HOUR
        if hour < 0:
            return False
        local = timezone.localtime(now)
        if local.hour < hour or self.done_on == local.date():
            return False
        return self.next_try is None or now >= self.next_try

    def tick(self, now: datetime | None = None) -> sending.RunResult | None:
        now = now or timezone.now()
        if not self.due(now):
            return None
        try:
            result = sending.run(timezone.localtime(now).date())
        except Exception:
            log.exception("reminders: the run failed")
            self.next_try = now + timedelta(minutes=RETRY_MINUTES)
            return None
        if result.complete:
            self.done_on, self.next_try = result.day, None
        elif result.failed and not result.cut_short:
            self.next_try = now + timedelta(minutes=RETRY_MINUTES)
        else:
            self.next_try = None  # time was up: continue at the next tick
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            close_old_connections()
            self.tick()
            connections.close_all()  # this thread's connections only
