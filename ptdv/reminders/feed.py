"""The personal calendar feed: the deadlines of the user's subtree as an iCalendar file.

The address holds a secret of 32 random bytes (``secrets.token_urlsafe``); only its SHA-256 is
stored (:attr:`ReminderPreference.feed_token_hash`), so the table alone opens no feed. A new
secret replaces the old one, and revoking empties it: the old address answers 404 at once. The
feed is read as the user would read the to-do page (``visible_to``; the data protection officer
reads no candidate's record), and stops when the user is deactivated.

Events: all-day, one per open candidacy's nearest deadline (``next_due``, its kind's label) and
one per expiring certificate or paper (``expiry_due``), from today to :data:`HORIZON_DAYS` days
ahead, at most :data:`MAX_EVENTS`. Names and cells only, never a CCCD. Each event's UID names the
candidacy and the kind of deadline, so a calendar updates a moved deadline instead of adding one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar, Event

from ptdv.pipeline.labels import deadline_label, stage_labels
from ptdv.pipeline.models import Candidacy, CandidacyQuerySet
from ptdv.privacy.officer import reads_records

from .digest import site_url
from .models import ReminderPreference

#: Days ahead the feed lists.
HORIZON_DAYS = 180
#: Events at most in one feed.
MAX_EVENTS = 2000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user) -> str:
    """A new secret for ``user``'s feed (the old address stops); returned once, stored hashed."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pref, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
        pref.feed_token_hash = token_hash(token)
        pref.feed_created_at = timezone.now()
        pref.save(update_fields=["feed_token_hash", "feed_created_at", "updated_at"])
    return token


def revoke(user) -> None:
    ReminderPreference.objects.filter(user=user).update(
        feed_token_hash="", feed_created_at=None, updated_at=timezone.now()
    )


def feed_url(token: str) -> str:
    return site_url(reverse("reminders_feed", args=[token]))


def user_for(token: str):
    """The active user whose feed secret is ``token``; ``None`` otherwise."""
    if not token or len(token) > 100:
        return None
    User = get_user_model()
    return (
        User.objects.filter(reminder_preference__feed_token_hash=token_hash(token), is_active=True)
        .select_related("organisation")
        .first()
    )


def calendar(user, today: date) -> bytes:
    """``user``'s deadlines from ``today`` to :data:`HORIZON_DAYS` days ahead, as iCalendar."""
    reader = user if reads_records(user) else None
    end = today + timedelta(days=HORIZON_DAYS)
    candidacies = cast(CandidacyQuerySet, Candidacy.objects.visible_to(reader)).open()
    base = candidacies.deadline_rows()
    due = base.filter(next_due__gte=today, next_due__lte=end).order_by("next_due", "id")
    expiring = base.filter(expiry_due__gte=today, expiry_due__lte=end).order_by("expiry_due", "id")
    host = urlsplit(settings.PTDV_SITE_URL).hostname or "ptdv"
    to_candidacy = reverse("candidacy", args=[0]).removesuffix("0/")
    stamp = timezone.now().astimezone(timezone.get_default_timezone()).replace(microsecond=0)
    events: list[tuple[date, int, Event]] = []
    with translation.override(settings.LANGUAGE_CODE):
        stages = stage_labels()
        for kind, rows, day_field, code_field in (
            ("due", due[:MAX_EVENTS], "next_due", "next_due_code"),
            ("expiry", expiring[:MAX_EVENTS], "expiry_due", "expiry_code"),
        ):
            for c in rows:
                day = getattr(c, day_field)
                code = getattr(c, code_field) or ""
                label = deadline_label(code) or gettext("Việc khác")
                if kind == "expiry":
                    summary = gettext("Hết hạn %(paper)s: %(name)s") % {
                        "paper": label,
                        "name": c.person.full_name,
                    }
                else:
                    summary = gettext("Hạn %(what)s: %(name)s") % {
                        "what": label,
                        "name": c.person.full_name,
                    }
                url = site_url(f"{to_candidacy}{c.pk}/")
                event = Event()
                event.add("uid", f"{kind}-{c.pk}-{code or 'none'}@{host}")
                event.add("dtstamp", stamp)
                event.add("dtstart", day)
                event.add("dtend", day + timedelta(days=1))
                event.add("summary", summary)
                event.add(
                    "description",
                    "\n".join(
                        (
                            f"{gettext('Chi bộ')}: {c.cell.name}",
                            f"{gettext('Giai đoạn')}: {stages.get(c.stage, c.stage)}",
                            url,
                        )
                    ),
                )
                event.add("url", url)
                event.add("transp", "TRANSPARENT")
                events.append((day, c.pk, event))
        cal = Calendar()
        cal.add("prodid", "-//ptdv//nhac-viec//VI")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", gettext("Hạn công việc ptdv"))
        cal.add("x-wr-timezone", settings.TIME_ZONE)
        events.sort(key=lambda e: (e[0], e[1]))
        for _day, _pk, event in events[:MAX_EVENTS]:
            cal.add_component(event)
    return cal.to_ical()
