"""The written record (biên bản) of an incident: a .docx from a replaceable docxtpl template.

The template is ``templates_docx/default/bien-ban-su-co.docx`` (source:
``ptdv/subjects/make_templates.py``), replaced by a file of the same name in the folder of the
setting ``PTDV_DOSSIER_TEMPLATE_DIR`` when there is one. Rendering is the dossier's
(``ptdv.dossier.render.render_template``: sandboxed Jinja, autoescaped, a name the template asks
for and the context lacks prints as a dotted blank).

The record says what the register holds — the facts, the counts and categories of people and
data, the measures, the notification — and nothing about any one person.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from ptdv.dossier.forms import HAND, committee_name, place_name
from ptdv.dossier.render import render_template

from .models import Incident, IncidentUpdate
from .services import protection_rules

DEFAULT_DIR = Path(__file__).resolve().parent / "templates_docx" / "default"
SLUG = "bien-ban-su-co"


def template_path() -> Path:
    """The administrator's replacement if there is one, else the default template."""
    custom = getattr(settings, "PTDV_DOSSIER_TEMPLATE_DIR", None)
    if custom:
        candidate = Path(custom) / f"{SLUG}.docx"
        if candidate.is_file():
            return candidate
    return DEFAULT_DIR / f"{SLUG}.docx"


def _at(value: datetime | None) -> str:
    if value is None:
        return "chưa xác định"
    return f"{timezone.localtime(value):%H:%M} ngày {timezone.localtime(value):%d/%m/%Y}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()] or [HAND]


def record_context(incident: Incident, now: datetime | None = None) -> dict[str, Any]:
    """The names the template uses (documented in ``docs/data-subjects.md``)."""
    now = now or timezone.now()
    organisation = incident.organisation
    chain = list(reversed(organisation.ancestors_or_self()))  # nearest first
    parent = chain[1] if len(chain) > 1 else None
    where = place_name(chain) or HAND
    rules = protection_rules(timezone.localdate(incident.detected_at))
    updates = list(IncidentUpdate.objects.filter(incident=incident).order_by("seq"))
    measures = []
    if incident.measures.strip():
        measures.append({"at": _at(incident.detected_at), "text": incident.measures.strip()})
    measures += [
        {"at": _at(u.at), "text": u.text} for u in updates if u.kind == IncidentUpdate.Kind.MEASURE
    ]
    if incident.notified_at is not None:
        notification = (
            f"Đã thông báo lúc {_at(incident.notified_at)} cho {incident.notified_to}"
            + (
                f", văn bản số {incident.notification_reference}"
                if incident.notification_reference
                else ""
            )
            + (" (quá hạn)." if incident.notified_late else " (đúng hạn).")
        )
    else:
        notification = f"Chưa thông báo (đến lúc in biên bản, {_at(now)})."
    closing = next((u for u in updates if u.kind == IncidentUpdate.Kind.CLOSED), None)
    outcome = f"Kết thúc xử lý lúc {_at(closing.at)}: {closing.text}" if closing else "Đang xử lý."
    day = timezone.localdate(now)
    return {
        "superior": committee_name(parent) or "",
        "issuer": committee_name(organisation) or organisation.name,
        "organisation": organisation.name,
        "number": f"{incident.pk}/BB-SC",
        "place_date": f"{where}, ngày {day:%d} tháng {day:%m} năm {day:%Y}",
        "basis": "; ".join(rules.documents),
        "summary": incident.summary,
        "description": _lines(incident.description),
        "occurred_at": _at(incident.occurred_at),
        "detected_at": _at(incident.detected_at),
        "detected_by": incident.detected_by,
        "people_count": (
            f"{incident.people_count:,}".replace(",", ".")
            if incident.people_count is not None
            else "chưa xác định"
        ),
        "people_categories": ", ".join(incident.people_category_labels()) or "chưa xác định",
        "data_categories": ", ".join(incident.data_category_labels()) or "chưa xác định",
        "consequences": _lines(incident.consequences),
        "measures": measures,
        "notify_hours": rules.breach_notify_hours,
        "notify_due": _at(incident.notify_due),
        "notification": notification,
        "late_reason": incident.late_reason,
        "outcome": outcome,
        "printed_at": _at(now),
    }


def render_record(incident: Incident, now: datetime | None = None) -> bytes:
    """The record as .docx bytes (``DossierTemplateError`` for a broken replacement)."""
    return render_template(template_path(), record_context(incident, now))


def file_name(incident: Incident) -> str:
    return f"bien-ban-su-co-{incident.pk}-{slugify(incident.detected_at.date().isoformat())}.docx"
