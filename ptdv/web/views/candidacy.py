"""The candidacy page: identity, stage, timeline, dossier, deadlines, mentors, findings, next step.

The page reads a fixed number of queries whatever the number of events: the events are loaded
once (with their authors), the state is derived from them in memory, and the names the timeline
mentions (introducers, cells of transfers) are fetched in bulk.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404
from ptdv.people.outsiders import Sight
from ptdv.people.sensitive import Sensitive, checklist_for, findings_for, may_see
from ptdv.pipeline.evaluation import facts_seen_by, people_by_id
from ptdv.pipeline.history import History
from ptdv.pipeline.labels import step_labels
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.privacy.access import AccessKind, record
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.checks import evaluate
from ptdv.rules.dossier import checklist
from ptdv.rules.facts import PAPER_LABELS, VERIFICATION_SUBJECTS, CandidacyFacts, paper_description
from ptdv.rules.findings import Deadline, Evaluation, Finding
from ptdv.rules.stages import (
    Stage,
    Step,
    correctable_ids,
    exit_choices,
    may_transfer,
    progress_choices,
)


def describe_event(
    event: Event,
    people: dict,
    cells: dict,
    *,
    verification: bool = True,
    sight: Sight | None = None,
) -> str:
    """One line of what an event carries: number, votes, paper, certificate, reason.

    ``verification=False``: a verification paper says whose history it is, not its conclusion
    (for the roles that may not see it: ``people.sensitive``). ``sight``: what the reader sees —
    people and cells outside it are named by the placeholder (``people.outsiders``)."""
    parts: list[str] = []
    data = event.data or {}
    if event.number:
        parts.append(_("Số %(number)s.") % {"number": event.number})
    if event.official_members is not None:
        result = ""
        if event.passed:
            result = _(" — đạt")
        elif event.passed is False:
            result = _(" — không đạt")
        parts.append(
            _(
                "Đảng viên chính thức %(members)s, có mặt %(present)s, tán thành %(for)s, "
                "không tán thành %(against)s"
            )
            % {
                "members": event.official_members,
                "present": event.present,
                "for": event.in_favour,
                "against": event.against,
            }
            + result
            + "."
        )
    if event.step == Step.DOSSIER_PAPER:
        text = paper_description(data, _)
        if data.get("kind") == "verification" and not verification:
            subject = data.get("subject", "")
            text = _(PAPER_LABELS["verification"])
            if subject:
                text += f" ({_(VERIFICATION_SUBJECTS.get(subject, subject))})"
        who = people.get(data.get("introducer_id"))
        if who is not None:
            text += _(": %(name)s, cùng công tác %(months)s tháng") % {
                "name": sight.person_name(who) if sight else who.full_name,
                "months": data.get("months_together", 0),
            }
        parts.append(text + ".")
    if data.get("certificate_number"):
        parts.append(_("Giấy chứng nhận số %(n)s.") % {"n": data["certificate_number"]})
    if data.get("card_number"):
        parts.append(_("Thẻ đảng viên số %(n)s.") % {"n": data["card_number"]})
    if data.get("superior_consent"):
        parts.append(_("Cấp ủy cấp trên trực tiếp đã đồng ý tổ chức muộn."))
    if data.get("received_on"):
        parts.append(
            _("Chi bộ nhận quyết định ngày %(day)s.")
            % {"day": date.fromisoformat(data["received_on"]).strftime("%d/%m/%Y")}
        )
    if data.get("decision_extended"):
        parts.append(_("Được gia hạn thời gian ra quyết định."))
    if event.step == Step.TRANSFER:
        source, target = cells.get(data.get("from_cell")), cells.get(data.get("to_cell"))
        if sight is not None:
            source = source and sight.organisation_name(source)
            target = target and sight.organisation_name(target)
        parts.append(_("Từ %(from)s đến %(to)s.") % {"from": source or "—", "to": target or "—"})
    if data.get("note"):
        parts.append(data["note"])
    if event.reason:
        parts.append(_("Lý do: %(reason)s") % {"reason": event.reason})
    return " ".join(parts)


def fix_links(
    findings: list[Finding],
    candidacy_id: int,
    *,
    correctable: set[int],
    can_add_paper: bool,
    seq_of: dict[int, int] | None = None,
) -> list[dict]:
    """Each finding with the ways out the user may take (rows for ``_fix_links.html``):

    - the correction form of the event it rests on, preselected, when that event may be
      corrected now (``rules.stages.correctable_ids``); otherwise the step's number on the
      timeline, when known (the later steps must be corrected first);
    - the form of the dossier paper that fixes it (``?buoc=dossier_paper&loai=<kind>``) while
      papers may be recorded.
    """
    rows = []
    for f in findings:
        links, blocked_seq = [], None
        if f.event_id is not None and f.event_id in correctable:
            url = reverse("candidacy_correct", args=[candidacy_id])
            links.append(
                {"url": f"{url}?su-kien={f.event_id}", "label": _("Đính chính bản ghi này")}
            )
        elif f.event_id is not None and seq_of:
            blocked_seq = seq_of.get(f.event_id)
        if f.paper_kind in PAPER_LABELS and can_add_paper:
            url = reverse("candidacy_step", args=[candidacy_id])
            query = urlencode({"buoc": Step.DOSSIER_PAPER.value, "loai": f.paper_kind})
            label = _("Ghi “%(what)s”") % {"what": _(PAPER_LABELS[f.paper_kind])}
            links.append({"url": f"{url}?{query}", "label": label})
        rows.append({"f": f, "links": links, "seq": blocked_seq})
    return rows


def event_names(events: list[Event], reader) -> tuple[dict, dict, Sight]:
    """The people and cells ``events`` name, in bulk, and what ``reader`` sees of them (the
    arguments of :func:`describe_event`; the API's timeline reads them the same way)."""
    people = people_by_id(
        {e.data["introducer_id"] for e in events if (e.data or {}).get("introducer_id")}
    )
    cells = Organisation.objects.in_bulk(
        {
            v
            for e in events
            if e.step == Step.TRANSFER
            for v in ((e.data or {}).get("from_cell"), (e.data or {}).get("to_cell"))
            if v
        }
    )
    sight = Sight.of(
        reader,
        people={p.pk for p in people.values()} | set(people),
        organisations=set(cells),
    )
    return people, cells, sight


def _timeline(history: History, reader, *, correctable: set[int], verification: bool) -> list[dict]:
    """Every event, voided ones included, with its description and whether it may be voided."""
    events = history.events
    voided = {e.voids_id for e in events if e.voids_id}
    seq_of = {e.id: e.seq for e in events}
    people, cells, sight = event_names(events, reader)
    labels = step_labels()
    return [
        {
            "event": e,
            "voided": e.id in voided,
            "label": labels[e.step],
            "text": describe_event(e, people, cells, verification=verification, sight=sight),
            "correctable": e.id in correctable and e.id not in voided,
            "voids_seq": seq_of.get(e.voids_id),
        }
        for e in events
    ]


def deadline_label(d: Deadline) -> str:
    """A deadline's label in the page's language: the rules' Vietnamese text as it is, else its
    message translated with its values (names and numbers have no translation)."""
    if not d.message or (translation.get_language() or "vi").startswith("vi"):
        return d.label
    return _(d.message) % {key: _(value) for key, value in d.message_args}


def _deadline_rows(evaluation: Evaluation, today: date, calendar: WorkingCalendar) -> list[dict]:
    return [
        {
            "d": d,
            "label": deadline_label(d),
            "left": d.days_left(today, calendar),
            "overdue": d.is_overdue(today),
            "late": -d.days_left(today, calendar),
        }
        for d in sorted(evaluation.deadlines, key=lambda d: d.due)
    ]


def _next_steps(history: History, facts: CandidacyFacts, expected: Step | None, user) -> dict:
    """The menu of the steps that may come next (``rules.stages``), the expected one marked."""
    stage = history.state.stage
    route = {
        "cell_is_grassroots": facts.cell_is_grassroots,
        "has_partial_committee": facts.has_partial_committee,
    }
    progress = progress_choices(stage, **route)
    labels = step_labels()
    return {
        "progress_steps": [(s, labels[s], s == expected) for s in progress],
        "exit_steps": [(s, labels[s]) for s in exit_choices(stage)],
        "can_add_paper": user.can_write and Step.DOSSIER_PAPER in progress,
        "can_transfer": may_transfer(stage),
    }


def _item_corrections(shown, candidacy_id: int, correctable: set[int]) -> dict[str, str]:
    """The correction form of the record behind a checklist line that is not in order (a letter
    that does not qualify, an expired paper), by the line's label, when it may be corrected."""
    out = {}
    for item in shown.items:
        ids = [f.event_id for f in item.findings if f.event_id in correctable and not item.is_ok]
        if ids:
            url = reverse("candidacy_correct", args=[candidacy_id])
            out[item.label] = f"{url}?su-kien={ids[0]}"
    return out


def _late_entry(
    history: History, evaluation: Evaluation, facts: CandidacyFacts, today: date
) -> dict | None:
    """Before the cell's vote, the dossier is judged on today (the vote to come). When a paper
    has expired by today but the dossier was in time until some day, a vote held by then and
    entered late is judged on its own date: say until when, and how to record it."""
    if facts.stage is not Stage.DOSSIER or evaluation.next_step is not Step.CELL_RESOLUTION:
        return None
    expiry = evaluation.next_expiry
    if expiry is None or expiry.due >= today:
        return None
    last = max((e.date for e in history.state.events), default=None)
    if last is None or last > expiry.due:
        return None  # a paper recorded after the first expiry: that dossier was never whole
    return {"until": expiry.due, "step": Step.CELL_RESOLUTION.value}


@login_required
def candidacy_detail(request, pk: int):
    candidacy = get_visible_or_404(
        Candidacy.objects.select_related("person", "cell", "person__residence"), request.user, pk=pk
    )
    record(request, AccessKind.CANDIDACY, candidacy=candidacy)  # the read log
    user, today = request.user, timezone.localdate()
    history = History.of(candidacy, related=("actor",))
    # Introducers and mentors outside the user's subtree (a transfer) go unnamed in the findings.
    facts = facts_seen_by(history.facts_for(history.state), user)
    evaluation = evaluate(facts, history.calendar, today)
    correctable = correctable_ids(history.state) if user.can_write else set()
    steps = _next_steps(history, facts, evaluation.next_step, user)
    mentors = list(
        MentorAssignment.objects.filter(candidacy=candidacy)
        .select_related("mentor")
        .prefetch_related("reports")
        .order_by("start", "pk")
    )
    seen = Sight.of(user, people=[a.mentor_id for a in mentors])
    for a in mentors:
        a.mentor_label = seen.person_name(a.mentor)  # an outsider (a transfer) goes unnamed
    # The verification's conclusions only for the roles that may see them (people/sensitive.py).
    verification = may_see(user, Sensitive.VERIFICATION)
    blockers = findings_for(user, evaluation.blockers)
    others = [f for f in findings_for(user, evaluation.findings) if f not in blockers]
    links = {
        "correctable": correctable,
        "can_add_paper": steps["can_add_paper"],
        "seq_of": {e.id: e.seq for e in history.events} if user.can_write else None,
    }
    context = {
        "c": candidacy,
        "person": candidacy.person,
        "today": today,
        "days_in_stage": (today - candidacy.stage_since).days,
        "events": _timeline(history, user, correctable=correctable, verification=verification),
        "evaluation": evaluation,
        "next_step_label": step_labels()[evaluation.next_step] if evaluation.next_step else "",
        "blockers": fix_links(blockers, candidacy.pk, **links),
        "other_findings": fix_links(others, candidacy.pk, **links),
        # Counted in the findings' heading (seen while the part is folded on a phone).
        "finding_count": len(blockers) + len(others),
        "has_errors": any(f.is_error for f in [*blockers, *others]),
        "late_entry": _late_entry(history, evaluation, facts, today),
        "deadlines": (deadline_rows := _deadline_rows(evaluation, today, history.calendar)),
        # The nearest open deadline (not a milestone), in the page's header.
        "next_deadline": next(
            (row for row in deadline_rows if row["d"].is_open and not row["d"].milestone), None
        ),
        "checklist": (shown := checklist_for(user, checklist(facts, today))),
        "item_corrections": _item_corrections(shown, candidacy.pk, correctable),
        "mentors": mentors,
        "current_mentor": next((a for a in mentors if a.end is None), None),
        "paper_kinds": PAPER_LABELS,
        "can_write": user.can_write,
        "is_closed": history.state.is_closed,
        **steps,
    }
    return render(request, "web/candidacy/detail.html", context)


urlpatterns = [path("ho-so/<int:pk>/", candidacy_detail, name="candidacy")]
