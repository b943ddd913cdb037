"""Sending a day's digests: once per user and day, whoever runs it and however often.

:func:`run` is what the worker's daily clock (:mod:`ptdv.reminders.schedule`) and
``ptdv manage send_reminders`` call. For each user due today (active, with an e-mail address,
reminders on, daily or today's weekday), in order of id:

1. **claim** (one transaction): insert the day's :class:`ReminderSend` row, status ``sending``;
   the unique constraint on (user, day) makes a second worker — or this one after a restart —
   fail the insert and skip the user. A row ``failed`` with tries left is taken back with a
   conditional ``UPDATE … WHERE status = 'failed' AND attempts = n``: one taker again. In the
   same transaction the digest is read (:func:`ptdv.reminders.digest.build`).
2. **send** outside any transaction (no lock is held while the mail server answers).
3. **mark**: ``sent``, or ``failed`` with the error's class (tried again by the next run of the
   day, up to :data:`~ptdv.reminders.models.MAX_ATTEMPTS` times), or ``nothing`` when the
   digest is empty (nothing is sent).

A crash between 1 and 3 leaves the row ``sending``: that user's digest of that day is not sent
again (at most once; the log shows it). A run stops starting new users after ``seconds``
(``PTDV_REMINDER_RUN_SECONDS``); the next run continues where it stopped.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from . import digest as digests
from .models import MAX_ATTEMPTS, Frequency, ReminderSend, SendStatus

log = logging.getLogger(__name__)

#: Users read per query while walking those due.
BATCH = 500


@dataclass
class RunResult:
    day: date
    sent: int = 0
    nothing: int = 0
    failed: int = 0
    skipped: int = 0  # claimed elsewhere (another worker, an earlier run)
    cut_short: bool = False
    failed_users: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every user due was handled and none failed: nothing left for a later run today."""
        return not self.cut_short and not self.failed


def due_users(day: date):
    """Users whose digest of ``day`` is still to send (or to try again)."""
    User = get_user_model()
    pref = "reminder_preference"
    wants = Q(**{f"{pref}__isnull": True}) | Q(
        Q(**{f"{pref}__frequency": Frequency.DAILY})
        | Q(**{f"{pref}__frequency": Frequency.WEEKLY, f"{pref}__weekday": day.weekday()}),
        **{f"{pref}__enabled": True},
    )
    handled = ReminderSend.objects.filter(user=OuterRef("pk"), day=day).exclude(
        status=SendStatus.FAILED, attempts__lt=MAX_ATTEMPTS
    )
    return (
        User.objects.filter(wants, is_active=True)
        .exclude(email="")
        .exclude(Exists(handled))
        .order_by("pk")
    )


def run(day: date | None = None, *, seconds: float | None = None, connection=None) -> RunResult:
    """Send the digests of ``day`` (today, Vietnam time) still due; at most ``seconds``."""
    day = day or timezone.localdate()
    budget = settings.PTDV_REMINDER_RUN_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + budget
    result = RunResult(day)
    connection = connection or get_connection(fail_silently=False)
    after = 0
    opened = False
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            batch = list(due_users(day).filter(pk__gt=after).select_related("organisation")[:BATCH])
            if not batch:
                break
            if not opened:  # one connection for the run (a failed send opens a new one)
                opened = True
                try:
                    connection.open()
                except Exception:  # each send then tries itself, and is marked failed
                    log.warning("reminders: the mail server does not answer", exc_info=True)
            for user in batch:
                after = user.pk
                if time.monotonic() > deadline:
                    result.cut_short = True
                    break
                send_one(user, day, connection, result)
            if result.cut_short:
                break
    try:
        connection.close()
    except Exception:  # the connection may be broken already
        log.debug("closing the mail connection failed", exc_info=True)
    log.info(
        "reminders %s: %s sent, %s with nothing, %s failed, %s skipped%s",
        day,
        result.sent,
        result.nothing,
        result.failed,
        result.skipped,
        " (time up: continued by the next run)" if result.cut_short else "",
    )
    return result


def claim(user, day: date) -> ReminderSend | None:
    """The day's row for ``user``, claimed by this run; ``None`` when someone else has it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return ReminderSend.objects.create(
                user=user, day=day, status=SendStatus.SENDING, claimed_at=now
            )
    except IntegrityError:
        pass
    row = ReminderSend.objects.filter(user=user, day=day).first()
    if row is None or row.status != SendStatus.FAILED or row.attempts >= MAX_ATTEMPTS:
        return None
    taken = ReminderSend.objects.filter(
        pk=row.pk, status=SendStatus.FAILED, attempts=row.attempts
    ).update(status=SendStatus.SENDING, attempts=row.attempts + 1, claimed_at=now, error="")
    if not taken:
        return None
    row.status, row.attempts, row.claimed_at = SendStatus.SENDING, row.attempts + 1, now
    return row


def send_one(user, day: date, connection, result: RunResult) -> None:
    """Claim, read and send one user's digest; mark the outcome."""
    with transaction.atomic():
        row = claim(user, day)
        if row is None:
            result.skipped += 1
            return
        digest = digests.build(user, day)
    if digest.empty:
        _mark(row, SendStatus.NOTHING, digest.counts())
        result.nothing += 1
        return
    try:
        message(digest, connection).send()
    except Exception as exc:  # any failure of the mail server is tried again
        code = getattr(exc, "smtp_code", "")
        error = f"{type(exc).__name__} {code}".strip()
        _mark(row, SendStatus.FAILED, digest.counts(), error)
        result.failed += 1
        result.failed_users.append(user.pk)
        log.warning("reminder to user %s on %s not sent: %s", user.pk, day, error)
        with contextlib.suppress(Exception):  # opened anew for the next user
            connection.close()
        return
    _mark(row, SendStatus.SENT, digest.counts())
    result.sent += 1


def _mark(row: ReminderSend, status: str, counts: dict[str, int], error: str = "") -> None:
    ReminderSend.objects.filter(pk=row.pk, status=SendStatus.SENDING).update(
        status=status, counts=counts, error=error[:200], finished_at=timezone.now()
    )


def greeting(user) -> str:
    return user.get_full_name() or user.username


def subject(digest: digests.Digest) -> str:
    counts = digest.counts()
    bits = []
    if counts.get("overdue"):
        bits.append(gettext("%(n)s quá hạn") % {"n": counts["overdue"]})
    if counts.get("due_soon"):
        bits.append(gettext("%(n)s sắp đến hạn") % {"n": counts["due_soon"]})
    if counts.get("expiring"):
        bits.append(
            ngettext("%(n)s giấy tờ hết hạn", "%(n)s giấy tờ hết hạn", counts["expiring"])
            % {"n": counts["expiring"]}
        )
    reports = counts.get("missing_reports", 0) + counts.get("own_reports", 0)
    if reports:
        bits.append(gettext("%(n)s báo cáo giúp đỡ chưa có") % {"n": reports})
    head = gettext("[ptdv] Nhắc việc ngày %(day)s") % {"day": f"{digest.today:%d/%m/%Y}"}
    return f"{head}: {', '.join(bits)}" if bits else head


def message(digest: digests.Digest, connection=None) -> EmailMultiAlternatives:
    """The e-mail of ``digest``: plain text and HTML, in Vietnamese."""
    title = subject(digest)
    context = {
        "digest": digest,
        "parts": [p for p in digest.parts if p.count],
        "greeting": greeting(digest.user),
        "subject": title,
    }
    text = render_to_string("reminders/email/digest.txt", context)
    html = render_to_string("reminders/email/digest.html", context)
    mail = EmailMultiAlternatives(
        subject=title,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.user.email],
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "List-Unsubscribe": f"<{digest.preferences_url}>",
        },
    )
    mail.attach_alternative(html, "text/html")
    return mail
