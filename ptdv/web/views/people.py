"""The person page: identity, membership, every candidacy attempt, the people they help, the
record's history; and the forms that change the record outside the pipeline:

- ``/nguoi/<id>/dinh-chinh/``: writers correct identity and background fields with a reason
  (``members.records.correct_person``); the page then says what the correction changed for the
  open candidacy's rules and deadlines.
- ``/nguoi/<id>/hop-nhat/``: the grassroots officer and above merge a second record of the same
  person into this one (``merge_people``), and undo a merge (``…/hop-nhat/<merge>/huy/``).

Outsiders get 404 (a merged record's page sends to the record it was merged into, if visible);
read-only users 403 on the forms.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ptdv.accounts.models import Role
from ptdv.members.records import correct_person, merge_people, unmerge_people
from ptdv.org.scope import get_visible_or_404
from ptdv.people.identity import Identities
from ptdv.people.models import Person, PersonChange, PersonMerge
from ptdv.people.sensitive import shown_change  # masked CCCD, hidden sensitive values
from ptdv.people.services import PersonRefused
from ptdv.pipeline.models import Candidacy, MentorAssignment
from ptdv.privacy.access import AccessKind, record
from ptdv.web.person_forms import MergeForm, PersonCorrectionForm, UnmergeForm
from ptdv.web.toolkit import get_writable
from ptdv.web.views.members import membership_context

#: Roles that may merge two records (the cell secretary asks the grassroots officer).
MERGE_ROLES = frozenset({Role.GRASSROOTS, Role.COMMITTEE, Role.ADMIN})
HISTORY_SHOWN = 50


def can_merge(user) -> bool:
    return user.can_write and user.role in MERGE_ROLES


def _person(request, pk: int) -> Person:
    """The person if visible (404 otherwise); a merged record's id leads to the kept record."""
    try:
        return get_visible_or_404(
            Person.objects.select_related("cell", "residence"), request.user, pk=pk
        )
    except Http404:
        merged = (
            Person.all_records.visible_to(request.user)
            .filter(pk=pk, merged_into__isnull=False)
            .values_list("merged_into_id", flat=True)
            .first()
        )
        if merged is None:
            raise
        raise _MergedInto(merged) from None


class _MergedInto(Exception):
    def __init__(self, pk: int):
        self.pk = pk


def _writable_person(request, pk: int) -> Person:
    """The person if the user may see them (404) and write (403)."""
    person = get_writable(Person.objects.select_related("cell", "residence"), request.user, pk=pk)
    if request.method == "GET":  # the form shows the record: the read log
        record(request, AccessKind.PERSON_FORM, person=person)
    return person


@login_required
def person_detail(request, pk: int):
    try:
        person = _person(request, pk)
    except _MergedInto as merged:
        get_visible_or_404(Person.objects.all(), request.user, pk=merged.pk)
        messages.info(request, _("Hồ sơ này đã được hợp nhất vào hồ sơ dưới đây."))
        return redirect("person", merged.pk)
    record(request, AccessKind.PERSON, person=person)  # the read log
    candidacies = list(
        Candidacy.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("cell")
        .order_by("attempt")
    )
    mentoring = list(
        MentorAssignment.objects.visible_to(request.user)
        .filter(mentor=person)
        .select_related("candidacy__person", "candidacy__cell")
        # Current assignments first, then the people helped in Vietnamese order.
        .order_by(F("end").desc(nulls_first=True), "candidacy__person__sort_key", "start", "pk")
    )
    history = list(
        PersonChange.objects.filter(person=person)
        .select_related("actor", "merge")
        .order_by("-recorded_at", "-pk")[:HISTORY_SHOWN]
    )
    has_open = any(c.closed_on is None for c in candidacies)
    context = {
        "person": person,
        "candidacies": candidacies,
        "open_candidacy": next((c for c in candidacies if c.closed_on is None), None),
        "mentoring": mentoring,
        "mentoring_now": sum(1 for a in mentoring if a.end is None),
        "can_open": (request.user.can_write and not has_open and not person.is_member),
        "can_correct": request.user.can_write,
        "can_merge": can_merge(request.user),
        "history": [_history_row(change, request.user) for change in history],
    }
    context |= membership_context(person, request.user)  # the "Biến động đảng viên" section
    return render(request, "web/people/person.html", context)


def _history_row(change: PersonChange, user) -> dict:
    labels = {
        f.name: f.verbose_name for f in Person._meta.get_fields() if hasattr(f, "verbose_name")
    }
    labels["merged"] = _("hồ sơ trùng")
    return {
        "change": change,
        "rows": [
            # The CCCD masked, values the user may not see hidden (people/sensitive.py).
            (
                str(labels.get(name, name)).capitalize(),
                shown_change(user, name, old),
                shown_change(user, name, new),
            )
            for name, (old, new) in change.changes.items()
        ],
        "can_undo": (
            change.kind == PersonChange.Kind.MERGE
            and change.merge is not None
            and change.merge.undone_at is None
            and change.merge.kept_id == change.person_id
        ),
    }


@login_required
def person_correct(request, pk: int):
    person = _writable_person(request, pk)
    if request.method == "POST":
        form = PersonCorrectionForm(request.POST, instance=copy.copy(person), user=request.user)
        if form.is_valid():
            try:
                result = correct_person(
                    person, form.corrections(), form.cleaned_data["reason"], actor=request.user
                )
            except PersonRefused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            except IntegrityError:
                form.integrity_error()
            else:
                messages.success(
                    request,
                    _("Đã đính chính thông tin của %(name)s.") % {"name": result.change.person},
                )
                for effect in result.effects:
                    messages.warning(request, effect)
                return redirect("person", person.pk)
    else:
        form = PersonCorrectionForm(instance=copy.copy(person), user=request.user)
    context = {
        "person": person,
        "form": form,
        "title": _("Đính chính thông tin của %(name)s") % {"name": person.full_name},
        "intro": _(
            "Chỉ sửa những gì sai so với giấy tờ; ghi rõ lý do. Mỗi lần đính chính được lưu "
            "trong lịch sử của hồ sơ (ai sửa, lúc nào, giá trị cũ và mới, lý do). Chi bộ và tình "
            "trạng đảng viên thay đổi qua các bước của hồ sơ, không sửa ở đây."
        ),
        "action": reverse("person_correct", args=[person.pk]),
        "submit_label": _("Ghi đính chính"),
        "can_check": False,
        "cancel_url": reverse("person", args=[person.pk]),
    }
    return render(request, "web/steps/page.html", context)


def _merge_candidates(request, person: Person):
    """Visible records that may be the same person (the duplicates' rule), this one aside."""
    duplicates = Identities(request.user).likely_duplicates(
        person.full_name,
        person.birth_date,
        cccd=person.cccd,
        cell=person.cell,
        exclude=person.pk,
    )
    ids = [d.person.pk for d in duplicates]
    return Person.objects.visible_to(request.user).filter(pk__in=ids).select_related("cell")


@login_required
def person_merge(request, pk: int):
    person = _writable_person(request, pk)
    if not can_merge(request.user):
        raise PermissionDenied
    candidates = _merge_candidates(request, person)
    if request.method == "POST":
        form = MergeForm(request.POST, candidates=candidates)
        if form.is_valid():
            other = form.cleaned_data["other"]
            try:
                merge_people(person, other, form.cleaned_data["reason"], actor=request.user)
            except PersonRefused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Đã hợp nhất hồ sơ của %(other)s (sinh %(birth)s) vào hồ sơ này.")
                    % {"other": other.full_name, "birth": f"{other.birth_date:%d/%m/%Y}"},
                )
                return redirect("person", person.pk)
    else:
        form = MergeForm(candidates=candidates)
    context = {
        "person": person,
        "form": form,
        "title": _("Hợp nhất hồ sơ trùng vào hồ sơ của %(name)s") % {"name": person.full_name},
        "intro": _(
            "Các hồ sơ dưới đây có cùng số CCCD, hoặc cùng họ tên và ngày sinh, hoặc cùng họ tên, "
            "năm sinh và chi bộ. Hợp nhất chuyển các lần xét kết nạp, việc giúp đỡ người khác, "
            "tài khoản và số CCCD (nếu hồ sơ này chưa có) sang hồ sơ này; hồ sơ trùng được giữ "
            "lại trong lịch sử và có thể hủy hợp nhất."
        ),
        "nothing": None if candidates else _("Không có hồ sơ nào trùng với người này."),
        "action": reverse("person_merge", args=[person.pk]),
        "submit_label": _("Hợp nhất"),
        "can_check": False,
        "danger": True,
        "cancel_url": reverse("person", args=[person.pk]),
    }
    if not candidates:
        context["form"] = None
    return render(request, "web/steps/page.html", context)


@login_required
def person_unmerge(request, pk: int, merge: int):
    person = _writable_person(request, pk)
    if not can_merge(request.user):
        raise PermissionDenied
    merge = get_visible_or_404(PersonMerge.objects.select_related("merged"), request.user, pk=merge)
    if merge.kept_id != person.pk or merge.undone_at is not None:
        raise Http404
    if request.method == "POST":
        form = UnmergeForm(request.POST)
        if form.is_valid():
            try:
                unmerge_people(merge, form.cleaned_data["reason"], actor=request.user)
            except PersonRefused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Đã hủy hợp nhất: hồ sơ của %(name)s được tách lại.")
                    % {"name": merge.merged.full_name},
                )
                return redirect("person", person.pk)
    else:
        form = UnmergeForm()
    context = {
        "person": person,
        "form": form,
        "title": _("Hủy hợp nhất hồ sơ %(name)s (sinh %(birth)s)")
        % {"name": merge.merged.full_name, "birth": f"{merge.merged.birth_date:%d/%m/%Y}"},
        "intro": _("Hợp nhất lúc %(at)s, lý do: %(reason)s")
        % {"at": f"{merge.recorded_at:%d/%m/%Y %H:%M}", "reason": merge.reason},
        "action": reverse("person_unmerge", args=[person.pk, merge.pk]),
        "submit_label": _("Hủy hợp nhất"),
        "can_check": False,
        "danger": True,
        "cancel_url": reverse("person", args=[person.pk]),
    }
    return render(request, "web/steps/page.html", context)


urlpatterns = [
    path("nguoi/<int:pk>/", person_detail, name="person"),
    path("nguoi/<int:pk>/dinh-chinh/", person_correct, name="person_correct"),
    path("nguoi/<int:pk>/hop-nhat/", person_merge, name="person_merge"),
    path("nguoi/<int:pk>/hop-nhat/<int:merge>/huy/", person_unmerge, name="person_unmerge"),
]
