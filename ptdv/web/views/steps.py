"""Forms that write from the candidacy page: next step, correction, transfer, mentors, sources.

Every write goes through :mod:`ptdv.pipeline.services`; a refusal (:class:`StepRefused`) is shown
above the form with the rules' citations, and what was typed is kept. A form can also be
*checked* ("Kiểm tra") without saving: :func:`preview_step` runs the checks ``record_step``
runs, in the same order, and adds the rules' warnings for that step on that day.

Each page works without JavaScript (POST, then redirect to the candidacy page); with htmx the
form is loaded and re-rendered in place and a success sends the browser to the candidacy page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.people.sensitive import Sensitive, may_see  # verification results by role
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import build_facts, event_facts, working_calendar
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.pipeline.services import StepRefused
from ptdv.privacy.access import AccessKind, record
from ptdv.rules.checks import evaluate, votes_required
from ptdv.rules.checks import next_step as expected_step
from ptdv.rules.findings import Finding
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import (
    EXITS,
    STAGE_LABELS,
    STEP_LABELS,
    Step,
    derive,
)
from ptdv.web.person_forms import SourceForm
from ptdv.web.step_forms import (
    STEP_FORMS,
    CorrectionForm,
    MentorAssignForm,
    MentorEndForm,
    OpenCandidacyForm,
)
from ptdv.web.views.candidacy import correctable_ids, describe_event, next_step_choices

STEP_PARAM = "buoc"
EVENT_PARAM = "su-kien"
ASSIGNMENT_PARAM = "phan-cong"


# --- helpers --------------------------------------------------------------------------------


def _writable_candidacy(request, pk: int) -> Candidacy:
    """The candidacy if the user may see it (404) and write (403)."""
    candidacy = get_visible_or_404(
        Candidacy.objects.select_related("person", "cell"), request.user, pk=pk
    )
    if not request.user.can_write:
        raise PermissionDenied
    if request.method == "GET":  # the form shows the record: the read log
        record(request, AccessKind.CANDIDACY_FORM, candidacy=candidacy)
    return candidacy


def _candidacy_url(candidacy: Candidacy) -> str:
    return reverse("candidacy", args=[candidacy.pk])


def _done(request, candidacy: Candidacy, message: str):
    messages.success(request, message)
    url = _candidacy_url(candidacy)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def refusal_lines(exc: StepRefused) -> list[str]:
    """The refusal's messages; with findings, each one with its citation."""
    if exc.findings:
        return [f"{f.message} — {f.citation}" for f in exc.findings]
    return list(exc.messages)


def _refuse(form, exc: StepRefused) -> None:
    for line in refusal_lines(exc):
        form.add_error(None, line)


def _render(request, page: str, partial: str, context: dict[str, Any]):
    """The partial for htmx requests, the full page otherwise (same context)."""
    return render(request, partial if request.htmx else page, context)


# --- the dry run ----------------------------------------------------------------------------


@dataclass
class Preview:
    """What recording the step would give, without saving."""

    refusals: list[str] = field(default_factory=list)
    blockers: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refusals or self.blockers)


def preview_step(
    candidacy: Candidacy,
    step: Step,
    on: date,
    *,
    number: str = "",
    votes: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> Preview:
    """What recording the step would give (``services.check_step``), nothing written."""
    out = Preview()
    try:
        passed = services.check_step(candidacy, step, on, votes=votes, data=data, reason=reason)
    except StepRefused as exc:
        if exc.findings:
            out.blockers = exc.findings
        else:
            out.refusals += exc.messages
        return out
    if step is Step.TRANSFER:
        return out
    state = services.candidacy_state(candidacy)
    if passed is False:
        need = votes_required(int(votes["official_members"]), rule_set_for(on))
        out.notes.append(
            _(
                "Không đủ hai phần ba (cần ít nhất %(need)s phiếu tán thành): kết quả được ghi "
                "nhưng hồ sơ không chuyển giai đoạn."
            )
            % {"need": need}
        )
    evaluation = evaluate(build_facts(candidacy, state), working_calendar(), on)
    if evaluation.next_step == step:
        out.findings = [f for f in evaluation.findings if not f.is_error]
    return out


# --- the next step --------------------------------------------------------------------------


def _step_from(request) -> Step | None:
    value = request.POST.get(STEP_PARAM) or request.GET.get(STEP_PARAM)
    if not value:
        return None
    try:
        step = Step(value)
    except ValueError as exc:
        raise Http404 from exc
    if step not in STEP_FORMS:
        raise Http404
    return step


def _step_choices_context(candidacy: Candidacy, request) -> dict[str, Any]:
    events = Event.objects.filter(candidacy=candidacy).order_by("seq")
    state = derive(event_facts(e) for e in events)
    facts = build_facts(candidacy, state)
    progress, exits, can_transfer = next_step_choices(state.stage, facts)
    expected = expected_step(facts)
    return {
        "progress_steps": [(s, _(STEP_LABELS[s]), s == expected) for s in progress],
        "exit_steps": [(s, _(STEP_LABELS[s])) for s in exits],
        "can_transfer": can_transfer,
        "can_write": True,
    }


@login_required
def record_step(request, pk: int):
    candidacy = _writable_candidacy(request, pk)
    step = _step_from(request)
    context: dict[str, Any] = {"c": candidacy, "person": candidacy.person}
    if step is None:
        context |= _step_choices_context(candidacy, request)
        return render(request, "web/steps/choose.html", context)
    form_class = STEP_FORMS[step]
    kwargs = {"step": step, "candidacy": candidacy, "user": request.user}
    preview = None
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            on = form.cleaned_data["date"]
            step_kwargs = form.step_kwargs()
            if "check" in request.POST:
                preview = preview_step(candidacy, step, on, **step_kwargs)
            else:
                try:
                    with transaction.atomic():
                        event = services.record_step(
                            candidacy,
                            step,
                            on,
                            actor=request.user,
                            expected_version=form.cleaned_data["version"],
                            **step_kwargs,
                        )
                        mentor = form.cleaned_data.get("mentor")
                        if mentor is not None:
                            services.assign_mentor(candidacy, mentor, on)
                except StepRefused as exc:
                    _refuse(form, exc)
                else:
                    return _done(request, candidacy, _success_message(step, event))
    else:
        initial = {"date": timezone.localdate(), "version": candidacy.version}
        if step is Step.DOSSIER_PAPER and request.GET.get("loai"):
            initial["kind"] = request.GET["loai"]
        form = form_class(initial=initial, **kwargs)
    context |= {
        "form": form,
        "step": step,
        "title": _(STEP_LABELS[step]),
        "action": f"{reverse('candidacy_step', args=[candidacy.pk])}?{STEP_PARAM}={step.value}",
        "submit_label": _("Ghi bước"),
        "can_check": True,
        "preview": preview,
        "danger": step in EXITS,
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


def _success_message(step: Step, event: Event) -> str:
    if event.passed is False:
        return _(
            "Đã ghi kết quả biểu quyết ngày %(date)s: không đủ hai phần ba, hồ sơ chưa chuyển "
            "giai đoạn."
        ) % {"date": f"{event.date:%d/%m/%Y}"}
    return _("Đã ghi bước “%(step)s” ngày %(date)s.") % {
        "step": _(STEP_LABELS[step]),
        "date": f"{event.date:%d/%m/%Y}",
    }


# --- correction -----------------------------------------------------------------------------


@login_required
def correct_step(request, pk: int):
    candidacy = _writable_candidacy(request, pk)
    events = list(Event.objects.filter(candidacy=candidacy).select_related("actor").order_by("seq"))
    state = derive(event_facts(e) for e in events)
    allowed = correctable_ids(state)
    # A verification's conclusion only for the roles that may see it (people/sensitive.py).
    verification = may_see(request.user, Sensitive.VERIFICATION)
    context: dict[str, Any] = {"c": candidacy, "person": candidacy.person}
    raw = request.POST.get(EVENT_PARAM) or request.GET.get(EVENT_PARAM)
    if not raw:
        context["choices"] = [
            (e, _(STEP_LABELS[Step(e.step)]), describe_event(e, {}, {}, verification=verification))
            for e in events
            if e.id in allowed
        ]
        return render(request, "web/steps/correct_choose.html", context)
    try:
        event = next(e for e in events if str(e.pk) == raw)
    except StopIteration as exc:
        raise Http404 from exc
    event.candidacy = candidacy
    if request.method == "POST":
        form = CorrectionForm(request.POST, event=event)
        if form.is_valid():
            try:
                services.correct_event(
                    event,
                    form.cleaned_data["reason"],
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except StepRefused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    candidacy,
                    _("Đã đính chính bước “%(step)s” ngày %(date)s.")
                    % {"step": _(STEP_LABELS[Step(event.step)]), "date": f"{event.date:%d/%m/%Y}"},
                )
    else:
        form = CorrectionForm(event=event)
    context |= {
        "form": form,
        "event": event,
        "title": _("Đính chính bước “%(step)s” ngày %(date)s")
        % {"step": _(STEP_LABELS[Step(event.step)]), "date": f"{event.date:%d/%m/%Y}"},
        "intro": describe_event(event, {}, {}, verification=verification),
        "action": f"{reverse('candidacy_correct', args=[candidacy.pk])}?{EVENT_PARAM}={event.pk}",
        "submit_label": _("Ghi đính chính"),
        "can_check": False,
        "danger": True,
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


# --- mentors --------------------------------------------------------------------------------


@login_required
def mentor_assign(request, pk: int):
    candidacy = _writable_candidacy(request, pk)
    if request.method == "POST":
        form = MentorAssignForm(request.POST, candidacy=candidacy, user=request.user)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.assign_mentor(candidacy, cd["mentor"], cd["start"], reason=cd["reason"])
            except StepRefused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    candidacy,
                    _("Đã phân công %(name)s giúp đỡ từ ngày %(date)s.")
                    % {"name": cd["mentor"].full_name, "date": f"{cd['start']:%d/%m/%Y}"},
                )
    else:
        form = MentorAssignForm(candidacy=candidacy, user=request.user)
    context = {
        "c": candidacy,
        "person": candidacy.person,
        "form": form,
        "title": _("Phân công đảng viên giúp đỡ"),
        "action": reverse("candidacy_mentor_assign", args=[candidacy.pk]),
        "submit_label": _("Phân công"),
        "can_check": False,
        "empty_choices": not form.fields["mentor"].queryset.exists(),
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


@login_required
def mentor_end(request, pk: int):
    candidacy = _writable_candidacy(request, pk)
    raw = request.POST.get(ASSIGNMENT_PARAM) or request.GET.get(ASSIGNMENT_PARAM)
    assignments = MentorAssignment.objects.filter(candidacy=candidacy).select_related("mentor")
    if raw:
        try:
            assignment = assignments.get(pk=int(raw))
        except (ValueError, MentorAssignment.DoesNotExist) as exc:
            raise Http404 from exc
    else:
        assignment = assignments.filter(end__isnull=True).first()
    context: dict[str, Any] = {"c": candidacy, "person": candidacy.person}
    if assignment is None or assignment.end is not None:
        context["title"] = _("Kết thúc phân công giúp đỡ")
        context["nothing"] = _("Không có phân công giúp đỡ nào đang hiệu lực.")
        return render(request, "web/steps/page.html", context)
    if request.method == "POST":
        form = MentorEndForm(request.POST, assignment=assignment)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.end_mentor(assignment, cd["end"], cd["reason"])
            except StepRefused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    candidacy,
                    _("Đã kết thúc phân công %(name)s từ ngày %(date)s.")
                    % {"name": assignment.mentor.full_name, "date": f"{cd['end']:%d/%m/%Y}"},
                )
    else:
        form = MentorEndForm(assignment=assignment)
    context |= {
        "form": form,
        "title": _("Kết thúc phân công %(name)s giúp đỡ") % {"name": assignment.mentor.full_name},
        "intro": _("Phân công từ ngày %(date)s.") % {"date": f"{assignment.start:%d/%m/%Y}"},
        "action": f"{reverse('candidacy_mentor_end', args=[candidacy.pk])}"
        f"?{ASSIGNMENT_PARAM}={assignment.pk}",
        "submit_label": _("Kết thúc phân công"),
        "can_check": False,
        "danger": True,
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


# --- new source, new attempt ----------------------------------------------------------------


@login_required
def source_new(request):
    """A new person and their first candidacy. Before writing, the form looks for the person in
    the user's subtree (same CCCD, same name and birth date, same name, birth year and cell) and
    lists them with links; a CCCD held outside the subtree is refused without naming anyone."""
    if not request.user.can_write:
        raise PermissionDenied
    if request.method == "POST":
        form = SourceForm(request.POST, user=request.user)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                with transaction.atomic():
                    person = form.save()
                    candidacy = services.open_candidacy(
                        person, cd["opened_on"], actor=request.user, cell=person.cell,
                        note=cd["note"],
                    )  # fmt: skip
            except StepRefused as exc:
                form.instance.pk = None
                _refuse(form, exc)
            except IntegrityError:
                # Two people entered the same CCCD at once: the later one is told as if the
                # first had been there before (nothing of theirs was written).
                form.instance.pk = None
                form.integrity_error()
            else:
                return _done(
                    request,
                    candidacy,
                    _("Đã thêm nguồn %(name)s và mở hồ sơ.") % {"name": person.full_name},
                )
    else:
        form = SourceForm(user=request.user)
    context = {
        "form": form,
        "title": _("Thêm nguồn phát triển đảng viên"),
        "action": reverse("source_new"),
        "submit_label": _("Thêm nguồn và mở hồ sơ"),
        "can_check": False,
        "duplicates": form.duplicates,
        "cccd_holder": form.cccd_holder,
        "alternative": {
            "text": _("Một đảng viên chuyển sinh hoạt từ nơi khác đến?"),
            "label": _("Tiếp nhận đảng viên chuyển đến"),
            "url": reverse("member_receive"),
        },
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


@login_required
def candidacy_open(request, pk: int):
    person = get_visible_or_404(Person.objects.select_related("cell"), request.user, pk=pk)
    if not request.user.can_write:
        raise PermissionDenied
    if request.method == "POST":
        form = OpenCandidacyForm(request.POST, person=person, user=request.user)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                candidacy = services.open_candidacy(
                    person, cd["opened_on"], actor=request.user, cell=cd["cell"], note=cd["note"]
                )
            except StepRefused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    candidacy,
                    _("Đã mở hồ sơ lần %(n)s cho %(name)s.")
                    % {"n": candidacy.attempt, "name": person.full_name},
                )
    else:
        form = OpenCandidacyForm(person=person, user=request.user)
    previous = list(
        Candidacy.objects.visible_to(request.user).filter(person=person).order_by("-attempt")[:5]
    )
    context = {
        "person": person,
        "form": form,
        "title": _("Mở hồ sơ mới cho %(name)s") % {"name": person.full_name},
        "previous": [(c, STAGE_LABELS.get(c.stage_enum, c.stage)) for c in previous],
        "action": reverse("candidacy_open", args=[person.pk]),
        "submit_label": _("Mở hồ sơ"),
        "can_check": False,
    }
    return _render(request, "web/steps/page.html", "web/steps/_form.html", context)


urlpatterns = [
    path("ho-so/<int:pk>/ghi-buoc/", record_step, name="candidacy_step"),
    path("ho-so/<int:pk>/dinh-chinh/", correct_step, name="candidacy_correct"),
    path("ho-so/<int:pk>/giup-do/", mentor_assign, name="candidacy_mentor_assign"),
    path("ho-so/<int:pk>/giup-do/ket-thuc/", mentor_end, name="candidacy_mentor_end"),
    path("nguon/moi/", source_new, name="source_new"),
    path("nguoi/<int:pk>/mo-ho-so/", candidacy_open, name="candidacy_open"),
]
