"""The read log's page (Bảo vệ dữ liệu cá nhân → Nhật ký truy cập), for the data protection
officer and the administrators, scoped like every page.

- ``/bao-ve-du-lieu/truy-cap/``: the entries of the user's subtree, newest first, searched by
  person (a name typed in the box lists the matching people of the subtree; choosing one filters
  on their id), by user (username),
  by kind, by organisation (``to_chuc``) and by period; pages of :data:`PAGE_SIZE` without a count
  of all entries (the log grows by the request: a count would read all of it), at most
  :data:`MAX_PAGES` pages deep.
- ``/bao-ve-du-lieu/truy-cap/excel/``: the same entries as .xlsx (at most
  :data:`EXPORT_MAX_ROWS`, otherwise the page asks to narrow the search), itself logged.

The form is posted and answered with a redirect to the same filters in the address, except the
name typed: the session keeps it under a token (``?t=…``, as the search page does,
``views/search.py``), so no person's name — nor a CCCD, which is refused here anyway — reaches an
address, a proxy's log or the browser's history.

A person's name is shown only while the reader still sees the person (an entry recorded before the
person moved out of the subtree shows the person's number alone). Each page is one query for the
entries, plus the chosen person or the people matching the typed name.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404, scope_path, subtree_condition
from ptdv.people.models import Person
from ptdv.people.search import PersonQuery
from ptdv.people.text import fold
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.privacy.models import AccessEntry
from ptdv.privacy.officer import reads_records
from ptdv.xlsx import Column, xlsx_response

from ..filters import OrganisationChoiceField, visible_organisations
from ..step_forms import BootstrapMixin, date_field
from .search import TOKEN_PARAM, recall, remember

PAGE_SIZE = 50
#: Deepest page shown; past it the page asks for a narrower search.
MAX_PAGES = 200
#: Entries of one export at most.
EXPORT_MAX_ROWS = 100_000
#: People listed for a typed name.
PEOPLE_SHOWN = 20


class AccessLogForm(BootstrapMixin, forms.Form):
    ten = forms.CharField(
        label=gettext_lazy("Tìm người (họ và tên)"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("Gõ họ và tên (có hoặc không dấu) rồi chọn người trong danh sách."),
    )
    nguoi = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    nguoi_dung = forms.CharField(
        label=gettext_lazy("Người dùng (tên đăng nhập)"), required=False, max_length=150
    )
    loai = forms.ChoiceField(
        label=gettext_lazy("Loại truy cập"),
        required=False,
        choices=[("", gettext_lazy("Tất cả")), *AccessKind.choices],
    )
    to_chuc = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("Toàn bộ phạm vi"),
        help_text=gettext_lazy("Dữ liệu của tổ chức được chọn và các tổ chức trực thuộc."),
    )
    tu_ngay = date_field(gettext_lazy("Từ ngày"), required=False)
    den_ngay = date_field(gettext_lazy("Đến ngày"), required=False)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = visible_organisations(request)
        self.fields["to_chuc"].queryset = organisations
        own = request.user.organisation
        self.fields["to_chuc"].base_depth = own.depth if own is not None else 1
        self.style()

    def clean_ten(self):
        text = self.cleaned_data["ten"].strip()
        if PersonQuery.parse(text).cccd:
            raise forms.ValidationError(
                _(
                    "Tìm người ở đây theo họ và tên, không theo số CCCD: số CCCD không được đưa "
                    "vào địa chỉ trang."
                )
            )
        return text

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu_ngay"), cleaned.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", _("«Đến ngày» phải sau hoặc trùng «Từ ngày»."))
        return cleaned

    def error_messages(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        ]


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _person_name(user):
    """The person's name where the reader sees the person now, else ``""`` (in the same query)."""
    prefix = scope_path(user)
    if prefix is None:
        return Value("", output_field=CharField())
    if prefix == "":
        return F("person__full_name")
    return Case(
        When(subtree_condition(prefix, "person__cell"), then=F("person__full_name")),
        default=Value(""),
        output_field=CharField(),
    )


class Search:
    """The form, the chosen person, the people matching a typed name, and the entries."""

    def __init__(self, request):
        user = request.user
        if not user.can_read_access_log:
            raise PermissionDenied
        data = request.GET.copy()
        data.pop("ten", None)  # a name comes only through the token, never from an address
        token = data.pop(TOKEN_PARAM, [None])[-1]
        if token:
            # The name typed, kept in the session (an expired token: no name, all entries).
            data["ten"] = recall(request, token) or ""
        self.form = AccessLogForm(data or None, request=request)
        self.valid = not self.form.is_bound or self.form.is_valid()
        data = self.form.cleaned_data if self.form.is_bound and self.valid else {}
        self.person = None
        if data.get("nguoi"):
            self.person = get_visible_or_404(
                Person.all_records.select_related("cell"), user, pk=data["nguoi"]
            )
        self.matches: list[Person] = []
        if data.get("ten") and self.person is None:
            words = fold(data["ten"]).split()
            people = Person.all_records.visible_to(user)
            for word in words:
                people = people.filter(search_name__contains=word)
            self.matches = list(
                people.select_related("cell").order_by("sort_key", "pk")[: PEOPLE_SHOWN + 1]
            )
        self.organisation = data.get("to_chuc")
        entries = AccessEntry.objects.visible_to(user)
        if self.organisation is not None:
            entries = entries.in_subtree(self.organisation.path)
        if self.person is not None:
            entries = entries.filter(person=self.person)
        if data.get("nguoi_dung"):
            entries = entries.filter(user__username=data["nguoi_dung"].strip())
        if data.get("loai"):
            entries = entries.filter(kind=data["loai"])
        if data.get("tu_ngay"):
            entries = entries.filter(at__gte=_local_midnight(data["tu_ngay"]))
        if data.get("den_ngay"):
            entries = entries.filter(at__lt=_local_midnight(data["den_ngay"] + timedelta(days=1)))
        if not self.valid:
            entries = entries.none()
        self.entries = entries.annotate(person_name=_person_name(user)).order_by("-at", "-pk")


def _redirect_with_token(request):
    """The posted filters as an address: the name typed replaced by a token of the session."""
    params = {
        name: value.strip()
        for name, value in request.POST.items()
        if name in AccessLogForm.base_fields and value.strip()
    }
    text = params.pop("ten", "")
    if text:
        params[TOKEN_PARAM] = remember(request, text)
    url = reverse("access_log")
    return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url, status=303)


@login_required
@sensitive_post_parameters("ten")
def access_log(request):
    if request.method == "POST":
        if not request.user.can_read_access_log:
            raise PermissionDenied
        return _redirect_with_token(request)
    search = Search(request)
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    too_deep = number > MAX_PAGES
    rows = []
    if not too_deep:
        start = (number - 1) * PAGE_SIZE
        rows = list(
            search.entries.select_related("user", "organisation").only(
                "at", "remote_addr", "kind", "person_id", "candidacy_id", "filters", "count",
                "user__username", "user__first_name", "user__last_name", "organisation__name",
            )[start : start + PAGE_SIZE + 1]
        )  # fmt: skip
    has_next = len(rows) > PAGE_SIZE and number < MAX_PAGES
    context = {
        "form": search.form,
        "errors": search.form.error_messages() if search.form.is_bound else [],
        "person": search.person,
        "matches": search.matches[:PEOPLE_SHOWN],
        "more_matches": len(search.matches) > PEOPLE_SHOWN,
        "entries": [_shown(entry) for entry in rows[:PAGE_SIZE]],
        "number": number,
        "has_previous": 1 < number <= MAX_PAGES,
        "has_next": has_next,
        "too_deep": too_deep,
        "max_pages": MAX_PAGES,
        "links": reads_records(request.user),
    }
    return render(request, "web/privacy/access_log.html", context)


def _shown(entry: AccessEntry) -> AccessEntry:
    entry.filters_text = filters_text(entry.filters)
    return entry


def filters_text(filters) -> str:
    if not isinstance(filters, dict):
        return ""
    return "; ".join(
        f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in filters.items()
    )


EXPORT_COLUMNS = (
    Column(gettext_lazy("STT"), 7, "int"),
    Column(gettext_lazy("Ngày"), 12, "date"),
    Column(gettext_lazy("Giờ"), 10),
    Column(gettext_lazy("Tên đăng nhập"), 18),
    Column(gettext_lazy("Họ và tên người dùng"), 24),
    Column(gettext_lazy("Địa chỉ IP"), 16),
    Column(gettext_lazy("Loại truy cập"), 34),
    Column(gettext_lazy("Mã người"), 10, "int"),
    Column(gettext_lazy("Họ và tên người"), 26),
    Column(gettext_lazy("Mã hồ sơ"), 10, "int"),
    Column(gettext_lazy("Bộ lọc"), 40),
    Column(gettext_lazy("Số người"), 10, "int"),
    Column(gettext_lazy("Tổ chức đảng"), 30),
)


def export_rows(entries):
    kinds = {value: str(label) for value, label in AccessKind.choices}
    values = entries.values_list(
        "at", "user__username", "user__first_name", "user__last_name", "remote_addr", "kind",
        "person_id", "person_name", "candidacy_id", "filters", "count", "organisation__name",
    )  # fmt: skip
    for number, (at, username, first, last, address, kind, person_id, person_name, candidacy_id,
                 filters, count, organisation) in enumerate(values.iterator(chunk_size=2000), 1):  # fmt: skip
        local = timezone.localtime(at)
        yield [
            number, local.date(), local.strftime("%H:%M:%S"), username,
            f"{first} {last}".strip(), address or "", kinds.get(kind, kind), person_id,
            person_name or "", candidacy_id, filters_text(filters), count, organisation or "",
        ]  # fmt: skip


@login_required
def access_log_excel(request):
    search = Search(request)
    errors = search.form.error_messages() if search.form.is_bound else []
    if not errors and search.entries[: EXPORT_MAX_ROWS + 1].count() > EXPORT_MAX_ROWS:
        errors.append(
            _(
                "Có hơn %(n)s mục: hãy thu hẹp khoảng thời gian hoặc chọn người, người dùng, "
                "loại truy cập."
            )
            % {"n": f"{EXPORT_MAX_ROWS:,}".replace(",", ".")}
        )
    if errors:
        context = {"form": search.form, "errors": errors, "entries": [], "number": 1}
        return render(request, "web/privacy/access_log.html", context)
    today = timezone.localdate()
    organisation = search.organisation or request.user.organisation
    info = [
        _("Tổ chức đảng: %(name)s") % {"name": organisation.name}
        if organisation is not None
        else _("Tổ chức đảng: toàn bộ"),
        _("Ngày xuất: %(date)s") % {"date": f"{today:%d/%m/%Y}"},
        _("Bộ lọc: %(filters)s") % {"filters": filters_text(dict(request.GET.items())) or "—"},
    ]
    rows = Counted(export_rows(search.entries))  # counted for the read log
    response = xlsx_response(
        f"nhat-ky-truy-cap-{today:%Y-%m-%d}.xlsx",
        sheet_title=_("Nhật ký truy cập"),
        title=_("NHẬT KÝ TRUY CẬP DỮ LIỆU CÁ NHÂN"),
        info=info,
        columns=EXPORT_COLUMNS,
        rows=rows,
        frozen_columns=3,
    )
    record(
        request,
        AccessKind.ACCESS_LOG_EXPORT,
        person=search.person,
        filters=request.GET,
        count=rows.count,
        organisation=organisation,
    )
    return response


urlpatterns = [
    path("bao-ve-du-lieu/truy-cap/", access_log, name="access_log"),
    path("bao-ve-du-lieu/truy-cap/excel/", access_log_excel, name="access_log_excel"),
]
