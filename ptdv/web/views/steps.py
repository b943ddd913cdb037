"""Forms that write from the candidacy page: next step, correction, transfer, mentors, sources.

Every page is a :class:`~ptdv.web.toolkit.FormPageView`: the candidacy (or person) through the
scope (404) and the write check (403), one service call per write, a refusal (:class:`StepRefused`)
shown above the form with the rules' citations and what was typed kept. A step can also be
*checked* ("Kiểm tra") without saving: :func:`ptdv.pipeline.services.preview_step` runs the
checks ``record_step`` runs, in the same order, and adds the rules' warnings for that step on
that day.

Each page works without JavaScript (POST, then redirect to the candidacy page); with htmx the
form is loaded and re-rendered in place and a success sends the browser to the candidacy page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ptdv.people.models import Person
from ptdv.people.sensitive import Sensitive, may_see  # verification results by role
from ptdv.pipeline import services
from ptdv.pipeline.history import History
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.pipeline.services import StepRefused
from ptdv.privacy.access import AccessKind, record
from ptdv.rules.findings import Finding
from ptdv.rules.stages import (
    EXITS,
    STAGE_LABELS,
    STEP_LABELS,
    Step,
    correctable_ids,
    exit_choices,
    may_transfer,
    next_step,
    progress_choices,
)
from ptdv.web.person_forms import SourceForm
from ptdv.web.pickers import (
    MENTOR,
    PERSON_ROLES,
    current_mentors,
    parse_day,
    search_candidates,
)
from ptdv.web.step_forms import (
    MEMBERS_PARAM,
    STEP_FORMS,
    CorrectionForm,
    MentorAssignForm,
    MentorEndForm,
    OpenCandidacyForm,
    VoteForm,
)
from ptdv.web.toolkit import FormPageView, get_writable
from ptdv.web.views.candidacy import describe_event, fix_links
from ptdv.web.views.pickers import field_name, render_results, typed

STEP_PARAM = "buoc"
#: The second submit of an exit ("Xác nhận kết thúc hồ sơ"): without it nothing is written.
CONFIRM_PARAM = "xac-nhan"
EVENT_PARAM = "su-kien"
ASSIGNMENT_PARAM = "phan-cong"


class CandidacyFormView(FormPageView):
    """A form of the candidacy page: the candidacy visible (404) and writable (403), read-logged
    when the form shows it; a success goes back to the candidacy page."""

    queryset = Candidacy.objects.select_related("person", "cell")
    template_name = "web/steps/page.html"
    partial_template_name = "web/steps/_form.html"

    def get_object(self) -> Candidacy:
        candidacy = super().get_object()
        if self.request.method == "GET":  # the form shows the record: the read log
            record(self.request, AccessKind.CANDIDACY_FORM, candidacy=candidacy)
        return candidacy

    def get_success_url(self, form, result) -> str:
        return reverse("candidacy", args=[self.object.pk])

    def get_extra_context(self, form) -> dict[str, Any]:
        return {"c": self.object, "person": self.object.person, "can_check": False}


def _label(event: Event) -> dict[str, str]:
    return {"step": _(STEP_LABELS[Step(event.step)]), "date": f"{event.date:%d/%m/%Y}"}


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


def step_choices_context(candidacy: Candidacy) -> dict[str, Any]:
    """The steps that may come next (``rules.stages``), the expected one marked."""
    history = History.load(candidacy, lock=False)
    stage = history.state.stage
    cell = history.candidacy.cell
    route = {
        "cell_is_grassroots": cell.is_grassroots,
        "has_partial_committee": any(
            n.kind == "partial_committee" for n in history.ancestors(cell.pk)
        ),
    }
    expected = next_step(stage, **route)
    return {
        "progress_steps": [
            (s, _(STEP_LABELS[s]), s == expected) for s in progress_choices(stage, **route)
        ],
        "exit_steps": [(s, _(STEP_LABELS[s])) for s in exit_choices(stage)],
        "can_transfer": may_transfer(stage),
        "can_write": True,
    }


def refusal_rows(candidacy: Candidacy, step: Step, on: date, findings: list[Finding]) -> list[dict]:
    """The findings of a refusal (or of the dry run) with the ways out (``fix_links``): the
    findings name the events they rest on (``pipeline.evaluation`` gives the facts their ids);
    the history says which of them may be corrected now and whether papers may be added."""
    if not findings:
        return []
    history = History.load(candidacy, lock=False)
    state = history.state
    cell = history.candidacy.cell
    progress = progress_choices(
        state.stage,
        cell_is_grassroots=cell.is_grassroots,
        has_partial_committee=any(
            n.kind == "partial_committee" for n in history.ancestors(cell.pk)
        ),
    )
    return fix_links(
        findings,
        candidacy.pk,
        correctable=correctable_ids(state),
        can_add_paper=Step.DOSSIER_PAPER in progress,
        seq_of={e.id: e.seq for e in history.events},
    )


class RecordStep(CandidacyFormView):
    """The next step: first the choice of step, then its form; "Kiểm tra" runs the dry run.

    An exit (``rules.stages.EXITS``: withdrawn, removed from the list, not recognised, moved
    away, deceased) closes the candidacy, so it is written only with a second, explicit submit
    (:data:`CONFIRM_PARAM`): a valid exit posted without it is not written, and the form comes
    back with what will happen and the button "Xác nhận kết thúc hồ sơ". This works without
    JavaScript; with it, ``site.js`` asks the same in a dialog before the first submit.
    """

    alternative_actions = ("check",)

    def respond_without_form(self):
        self.step = _step_from(self.request)
        if self.step is None:
            context = {"c": self.object, "person": self.object.person}
            context |= step_choices_context(self.object)
            return render(self.request, "web/steps/choose.html", context)
        if MEMBERS_PARAM in self.request.GET and issubclass(STEP_FORMS[self.step], VoteForm):
            return self.members_field()
        return None

    def members_field(self):
        """The vote form's official members prefilled for the date typed (htmx, on change)."""
        on = parse_day(self.request.GET.get("date")) or timezone.localdate()
        form = VoteForm(
            step=self.step,
            candidacy=self.object,
            user=self.request.user,
            initial={"date": on, "version": self.object.version},
        )
        context = {"field": form["official_members"]}
        return render(self.request, "web/steps/_members_field.html", context)

    def on_refused(self, form, exc) -> None:
        super().on_refused(form, exc)
        on = form.cleaned_data.get("date") or timezone.localdate()
        self.refusal = refusal_rows(self.object, self.step, on, getattr(exc, "findings", []))

    def on_success(self, form, result):
        if isinstance(form, VoteForm) and (warning := form.members_warning()):
            messages.warning(self.request, warning)
        return super().on_success(form, result)

    def get_form_class(self):
        return STEP_FORMS[self.step]

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {
            "step": self.step,
            "candidacy": self.object,
            "user": self.request.user,
        }

    def get_initial(self) -> dict[str, Any]:
        initial = {"date": timezone.localdate(), "version": self.object.version}
        if self.step is Step.DOSSIER_PAPER and self.request.GET.get("loai"):
            initial["kind"] = self.request.GET["loai"]
        return initial

    def action_check(self, form) -> dict[str, Any]:
        on = form.cleaned_data["date"]
        preview = services.preview_step(self.object, self.step, on, **form.step_kwargs())
        rows = refusal_rows(self.object, self.step, on, preview.blockers)
        return {"preview": preview, "preview_rows": rows}

    def form_valid(self, form):
        if self.step in EXITS and CONFIRM_PARAM not in self.request.POST:
            # Nothing written: the rules' dry run first, so that the confirmation is asked only
            # for an exit that can be recorded.
            checked = self.action_check(form)
            return self.render_form(form, confirming=not checked["preview"].refused, **checked)
        return super().form_valid(form)

    def exit_warning(self, form=None) -> str:
        """What an exit does, said before it is confirmed."""
        values = {"step": _(STEP_LABELS[self.step]), "name": self.object.person.full_name}
        on = form.cleaned_data.get("date") if form is not None and form.is_bound else None
        if on is not None:
            values["date"] = f"{on:%d/%m/%Y}"
            text = _(
                "Ghi bước “%(step)s” ngày %(date)s sẽ kết thúc hồ sơ của %(name)s: sau đó "
                "không ghi thêm bước nào vào hồ sơ này được nữa (chỉ đính chính được bước vừa "
                "ghi)."
            )
        else:
            text = _(
                "Ghi bước “%(step)s” sẽ kết thúc hồ sơ của %(name)s: sau đó không ghi thêm bước "
                "nào vào hồ sơ này được nữa (chỉ đính chính được bước vừa ghi)."
            )
        return text % values

    def render_form(self, form, **extra):
        if self.step in EXITS:
            confirming = extra.get("confirming", False)
            extra = {
                "exit_warning": self.exit_warning(form if confirming else None),
                "confirm_param": CONFIRM_PARAM,
                **extra,
            }
        return super().render_form(form, **extra)

    def save(self, form) -> Event:
        cd = form.cleaned_data
        return services.record_step(
            self.object,
            self.step,
            cd["date"],
            actor=self.request.user,
            expected_version=cd["version"],
            mentor=cd.get("mentor"),
            **form.step_kwargs(),
        )

    def get_success_message(self, form, event: Event) -> str:
        if event.passed is False:
            return _(
                "Đã ghi kết quả biểu quyết ngày %(date)s: không đủ hai phần ba, hồ sơ chưa "
                "chuyển giai đoạn."
            ) % {"date": f"{event.date:%d/%m/%Y}"}
        return _("Đã ghi bước “%(step)s” ngày %(date)s.") % _label(event)

    def get_extra_context(self, form) -> dict[str, Any]:
        return super().get_extra_context(form) | {
            "step": self.step,
            "title": _(STEP_LABELS[self.step]),
            "action": f"{reverse('candidacy_step', args=[self.object.pk])}"
            f"?{STEP_PARAM}={self.step.value}",
            "submit_label": _("Ghi bước"),
            "can_check": True,
            "preview": None,
            "danger": self.step in EXITS,
            "confirm_exit": self.step in EXITS,
            "refusal_rows": getattr(self, "refusal", []),
            "members_warning": form.members_warning() if isinstance(form, VoteForm) else "",
        }


# --- correction -----------------------------------------------------------------------------


class CorrectStep(CandidacyFormView):
    """Void a step with a reason: first the choice among the correctable events
    (``rules.stages.correctable_ids``), then the reason."""

    form_class = CorrectionForm

    def respond_without_form(self):
        history = History.load(self.object, lock=False)
        allowed = correctable_ids(history.state)
        # A verification's conclusion only for the roles that may see it (people/sensitive.py).
        self.verification = may_see(self.request.user, Sensitive.VERIFICATION)
        raw = self.request.POST.get(EVENT_PARAM) or self.request.GET.get(EVENT_PARAM)
        if not raw:
            choices = [
                (e, _(STEP_LABELS[Step(e.step)]), self._describe(e))
                for e in history.events
                if e.id in allowed
            ]
            context = {"c": self.object, "person": self.object.person, "choices": choices}
            return render(self.request, "web/steps/correct_choose.html", context)
        self.event = next((e for e in history.events if str(e.pk) == raw), None)
        if self.event is None:
            raise Http404
        self.event.candidacy = self.object
        return None

    def _describe(self, event: Event) -> str:
        return describe_event(event, {}, {}, verification=self.verification)

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"event": self.event}

    def save(self, form) -> Event:
        return services.correct_event(
            self.event,
            form.cleaned_data["reason"],
            actor=self.request.user,
            expected_version=form.cleaned_data["version"],
        )

    def get_success_message(self, form, result) -> str:
        return _("Đã đính chính bước “%(step)s” ngày %(date)s.") % _label(self.event)

    def get_extra_context(self, form) -> dict[str, Any]:
        return super().get_extra_context(form) | {
            "event": self.event,
            "title": _("Đính chính bước “%(step)s” ngày %(date)s") % _label(self.event),
            "intro": self._describe(self.event),
            "action": f"{reverse('candidacy_correct', args=[self.object.pk])}"
            f"?{EVENT_PARAM}={self.event.pk}",
            "submit_label": _("Ghi đính chính"),
            "danger": True,
        }


# --- mentors --------------------------------------------------------------------------------


class MentorAssign(CandidacyFormView):
    form_class = MentorAssignForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"candidacy": self.object, "user": self.request.user}

    def save(self, form) -> MentorAssignment:
        cd = form.cleaned_data
        return services.assign_mentor(self.object, cd["mentor"], cd["start"], reason=cd["reason"])

    def get_success_message(self, form, result) -> str:
        cd = form.cleaned_data
        return _("Đã phân công %(name)s giúp đỡ từ ngày %(date)s.") % {
            "name": cd["mentor"].full_name,
            "date": f"{cd['start']:%d/%m/%Y}",
        }

    def get_extra_context(self, form) -> dict[str, Any]:
        return super().get_extra_context(form) | {
            "title": _("Phân công đảng viên giúp đỡ"),
            "action": reverse("candidacy_mentor_assign", args=[self.object.pk]),
            "submit_label": _("Phân công"),
            "empty_choices": not form.fields["mentor"]
            .queryset.official_members_on(timezone.localdate())
            .exists(),
        }


class MentorEnd(CandidacyFormView):
    form_class = MentorEndForm

    def respond_without_form(self):
        raw = self.request.POST.get(ASSIGNMENT_PARAM) or self.request.GET.get(ASSIGNMENT_PARAM)
        assignments = MentorAssignment.objects.filter(candidacy=self.object).select_related(
            "mentor"
        )
        if raw:
            try:
                self.assignment = assignments.get(pk=int(raw))
            except (ValueError, MentorAssignment.DoesNotExist) as exc:
                raise Http404 from exc
        else:
            self.assignment = assignments.filter(end__isnull=True).first()
        if self.assignment is None or self.assignment.end is not None:
            context = {
                "c": self.object,
                "person": self.object.person,
                "title": _("Kết thúc phân công giúp đỡ"),
                "nothing": _("Không có phân công giúp đỡ nào đang hiệu lực."),
            }
            return render(self.request, "web/steps/page.html", context)
        return None

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"assignment": self.assignment}

    def save(self, form) -> MentorAssignment:
        cd = form.cleaned_data
        return services.end_mentor(self.assignment, cd["end"], cd["reason"])

    def get_success_message(self, form, result) -> str:
        return _("Đã kết thúc phân công %(name)s từ ngày %(date)s.") % {
            "name": self.assignment.mentor.full_name,
            "date": f"{form.cleaned_data['end']:%d/%m/%Y}",
        }

    def get_extra_context(self, form) -> dict[str, Any]:
        a = self.assignment
        return super().get_extra_context(form) | {
            "title": _("Kết thúc phân công %(name)s giúp đỡ") % {"name": a.mentor.full_name},
            "intro": _("Phân công từ ngày %(date)s.") % {"date": f"{a.start:%d/%m/%Y}"},
            "action": f"{reverse('candidacy_mentor_end', args=[self.object.pk])}"
            f"?{ASSIGNMENT_PARAM}={a.pk}",
            "submit_label": _("Kết thúc phân công"),
            "danger": True,
        }


# --- new source, new attempt ----------------------------------------------------------------


class SourceNew(FormPageView):
    """A new person and their first candidacy. Before writing, the form looks for the person in
    the user's subtree (same CCCD, same name and birth date, same name, birth year and cell) and
    lists them with links; a CCCD held outside the subtree is refused without naming anyone."""

    form_class = SourceForm
    template_name = "web/steps/page.html"
    partial_template_name = "web/steps/_form.html"
    refused = (StepRefused, IntegrityError)

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"user": self.request.user}

    def save(self, form) -> Candidacy:
        cd = form.cleaned_data
        person = form.save()
        return services.open_candidacy(
            person, cd["opened_on"], actor=self.request.user, cell=person.cell, note=cd["note"]
        )

    def on_refused(self, form, exc) -> None:
        form.instance.pk = None  # nothing of it was written
        if isinstance(exc, IntegrityError):
            # Two people entered the same CCCD at once: the later one is told as if the first
            # had been there before (nothing of theirs was written).
            form.integrity_error()
        else:
            super().on_refused(form, exc)

    def get_success_message(self, form, candidacy: Candidacy) -> str:
        return _("Đã thêm nguồn %(name)s và mở hồ sơ.") % {"name": candidacy.person.full_name}

    def get_success_url(self, form, candidacy: Candidacy) -> str:
        return reverse("candidacy", args=[candidacy.pk])

    def get_extra_context(self, form) -> dict[str, Any]:
        return {
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


class CandidacyOpen(FormPageView):
    """A new attempt for a person already in ptdv."""

    form_class = OpenCandidacyForm
    queryset = Person.objects.select_related("cell")
    template_name = "web/steps/page.html"
    partial_template_name = "web/steps/_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"person": self.object, "user": self.request.user}

    def save(self, form) -> Candidacy:
        cd = form.cleaned_data
        return services.open_candidacy(
            self.object, cd["opened_on"], actor=self.request.user, cell=cd["cell"], note=cd["note"]
        )

    def get_success_message(self, form, candidacy: Candidacy) -> str:
        return _("Đã mở hồ sơ lần %(n)s cho %(name)s.") % {
            "n": candidacy.attempt,
            "name": self.object.full_name,
        }

    def get_success_url(self, form, candidacy: Candidacy) -> str:
        return reverse("candidacy", args=[candidacy.pk])

    def get_extra_context(self, form) -> dict[str, Any]:
        person = self.object
        previous = Candidacy.objects.visible_to(self.request.user).filter(person=person)
        return {
            "person": person,
            "title": _("Mở hồ sơ mới cho %(name)s") % {"name": person.full_name},
            "previous": [
                (c, STAGE_LABELS.get(c.stage_enum, c.stage))
                for c in previous.order_by("-attempt")[:5]
            ],
            "action": reverse("candidacy_open", args=[person.pk]),
            "submit_label": _("Mở hồ sơ"),
            "can_check": False,
        }


# --- the people picker ----------------------------------------------------------------------

#: The form fields whose date the standing is judged on: a step's date, an assignment's start.
DATE_PARAMS = ("date", "start")


@login_required
@require_POST
@sensitive_post_parameters()  # what is typed: a name, a CCCD
def people_picker(request):
    """The matches of a mentor or introducer picker (``ptdv/web/pickers.py``): the candidacy
    through the scope (404) and the write check (403); party members of its grassroots
    organisation that the user sees, each with their standing on the form's date (else today),
    those who may not be chosen greyed with the reason."""
    field = field_name(request)
    role = request.POST.get("vai-tro", "")
    raw = request.POST.get("ho-so", "")
    if role not in PERSON_ROLES or not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise Http404
    candidacy = get_writable(Candidacy.objects.select_related("cell"), request.user, pk=int(raw))
    busy = current_mentors(candidacy) if role == MENTOR else set()
    days = (parse_day(request.POST.get(name)) for name in DATE_PARAMS)
    on = next((d for d in days if d is not None), None) or timezone.localdate()
    results = search_candidates(candidacy, request.user, typed(request, field), on, busy=busy)
    return render_results(
        request,
        field,
        results,
        noun=_("người"),
        empty=_("Không tìm thấy đảng viên nào trong tổ chức cơ sở đảng của hồ sơ."),
    )


record_step = login_required(RecordStep.as_view())
correct_step = login_required(CorrectStep.as_view())
mentor_assign = login_required(MentorAssign.as_view())
mentor_end = login_required(MentorEnd.as_view())
source_new = login_required(SourceNew.as_view())
candidacy_open = login_required(CandidacyOpen.as_view())

urlpatterns = [
    path("ho-so/<int:pk>/ghi-buoc/", record_step, name="candidacy_step"),
    path("ho-so/<int:pk>/dinh-chinh/", correct_step, name="candidacy_correct"),
    path("ho-so/<int:pk>/giup-do/", mentor_assign, name="candidacy_mentor_assign"),
    path("ho-so/<int:pk>/giup-do/ket-thuc/", mentor_end, name="candidacy_mentor_end"),
    path("nguon/moi/", source_new, name="source_new"),
    path("nguoi/<int:pk>/mo-ho-so/", candidacy_open, name="candidacy_open"),
    path("chon/nguoi/", people_picker, name="picker_people"),
]
