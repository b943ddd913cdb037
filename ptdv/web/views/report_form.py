"""The form every report page reads: which organisation, which dates, how many decimals.

- Every page reads the GET parameters through :class:`ReportForm`, always bound: what is missing
  takes its default (the user's own organisation, 1 January of this year to today, or today).
- The organisation is chosen among the user's visible organisations only; any other id is an
  invalid choice: the page shows the error and no figure, never a wider set.
- :data:`PAGES` names the reports, their addresses and the dates each takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.models import Organisation
from ptdv.org.scope import scope_path
from ptdv.reports import stored
from ptdv.reports.tables import Report

from ..filters import OrganisationChoiceField, drill_down
from ..step_forms import EARLIEST_DATE, BootstrapMixin, date_field

#: The latest date a report may name (a term's targets run to its last year's end).
LATEST_DATE = date(2100, 12, 31)
#: Party congresses every five years: the term 2025–2030, then 2030–2035…
TERM_YEARS, A_TERM_START = 5, 2025

PERIOD, SNAPSHOT, SNAPSHOT_SINCE = "period", "snapshot", "snapshot_since"


@dataclass(frozen=True)
class ReportPage:
    kind: str
    slug: str
    title: str
    description: str
    #: ``PERIOD`` (tu_ngay–den_ngay), ``SNAPSHOT`` (ngay) or ``SNAPSHOT_SINCE`` (tu_ngay, ngay).
    dates: str = PERIOD
    #: Offer the current term (2025–2030) among the quick periods.
    term: bool = False

    @property
    def url_name(self) -> str:
        return f"report_{self.kind}"

    @property
    def excel_name(self) -> str:
        return f"report_{self.kind}_excel"

    @property
    def drill_name(self) -> str:
        return f"report_{self.kind}_drill"

    @property
    def drill_excel_name(self) -> str:
        return f"report_{self.kind}_drill_excel"


PAGES: tuple[ReportPage, ...] = (
    ReportPage(
        "new_members",
        "dang-vien-moi",
        gettext_lazy("Kết nạp đảng viên mới"),
        gettext_lazy(
            "Số đảng viên được kết nạp trong kỳ và cơ cấu: nữ, đoàn viên, trẻ, dân tộc thiểu "
            "số, tôn giáo, người tại chỗ, trình độ."
        ),
        term=True,
    ),
    ReportPage(
        "members",
        "dang-vien",
        gettext_lazy("Đội ngũ đảng viên"),
        gettext_lazy("Số đảng viên tại một ngày, chính thức và dự bị, và cơ cấu đội ngũ."),
        dates=SNAPSHOT,
    ),
    ReportPage(
        "activity",
        "hoat-dong",
        gettext_lazy("Kết quả công tác phát triển đảng viên"),
        gettext_lazy(
            "Nguồn, cảm tình Đảng, học lớp nhận thức, nghị quyết chi bộ, quyết định kết nạp, "
            "kết nạp và công nhận chính thức trong kỳ."
        ),
        term=True,
    ),
    ReportPage(
        "structure",
        "to-chuc",
        gettext_lazy("Hệ thống tổ chức đảng"),
        gettext_lazy(
            "Tổ chức cơ sở đảng, chi bộ, đảng viên; thôn, trường học, trạm y tế có tổ chức "
            "đảng, so với đầu kỳ."
        ),
        dates=SNAPSHOT_SINCE,
    ),
    ReportPage(
        "funnel",
        "tien-trinh",
        gettext_lazy("Tiến trình qua các giai đoạn"),
        gettext_lazy(
            "Số người vào, chuyển tiếp, rời danh sách và còn chờ ở từng giai đoạn trong kỳ."
        ),
    ),
    ReportPage(
        "mentors",
        "giup-do",
        gettext_lazy("Đảng viên giúp đỡ"),
        gettext_lazy(
            "Phân công đảng viên giúp đỡ quần chúng; nhận xét đến hạn, đã nộp và còn thiếu."
        ),
    ),
    ReportPage(
        "targets",
        "chi-tieu",
        gettext_lazy("Thực hiện chỉ tiêu kết nạp"),
        gettext_lazy("Số kết nạp so với chỉ tiêu năm hoặc nhiệm kỳ đã đăng ký, theo từng đơn vị."),
        term=True,
    ),
)
BY_KIND = {page.kind: page for page in PAGES}


# --- dates ---------------------------------------------------------------------------------------


def current_term(today: date) -> tuple[int, int]:
    """The congress term containing ``today``'s year: (2025, 2030) for 2025 to 2029."""
    first = today.year - (today.year - A_TERM_START) % TERM_YEARS
    return first, first + TERM_YEARS


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def presets(page: ReportPage, today: date) -> list[tuple[str, dict[str, date]]]:
    """The quick choices of dates: (label, parameters)."""
    year = today.year
    if page.dates == SNAPSHOT:
        return [
            (_("Hôm nay"), {"ngay": today}),
            (_("Cuối năm %(year)s") % {"year": year - 1}, {"ngay": date(year - 1, 12, 31)}),
        ]
    if page.dates == SNAPSHOT_SINCE:
        first, _last = current_term(today)
        return [
            (_("Từ đầu năm đến nay"), {"tu_ngay": date(year, 1, 1), "ngay": today}),
            (
                _("Năm %(year)s") % {"year": year - 1},
                {"tu_ngay": date(year - 1, 1, 1), "ngay": date(year - 1, 12, 31)},
            ),
            (_("Từ đầu nhiệm kỳ đến nay"), {"tu_ngay": date(first, 1, 1), "ngay": today}),
        ]
    choices = [
        (_("Năm nay"), {"tu_ngay": date(year, 1, 1), "den_ngay": date(year, 12, 31)}),
        (
            _("Năm %(year)s") % {"year": year - 1},
            {"tu_ngay": date(year - 1, 1, 1), "den_ngay": date(year - 1, 12, 31)},
        ),
        (_("Quý này"), {"tu_ngay": _quarter_start(today), "den_ngay": today}),
        (_("8 tháng đầu năm"), {"tu_ngay": date(year, 1, 1), "den_ngay": date(year, 8, 31)}),
    ]
    if page.term:
        first, last = current_term(today)
        choices.append(
            (
                _("Nhiệm kỳ %(first)s–%(last)s") % {"first": first, "last": last},
                {"tu_ngay": date(first, 1, 1), "den_ngay": date(last, 12, 31)},
            )
        )
    return choices


# --- the form ------------------------------------------------------------------------------------


def default_organisation(user) -> Organisation | None:
    """The user's own organisation (an administrator without one: the first root)."""
    if user.organisation_id is not None:
        return user.organisation
    if scope_path(user) == "":
        return Organisation.objects.filter(depth=1).order_by("path").first()
    return None


class ReportForm(BootstrapMixin, forms.Form):
    """The unit, the dates and the decimals of a report; bound with defaults for what is missing.

    Only the date fields of the page's kind are kept (``tu_ngay``/``den_ngay``, ``ngay``, or
    ``tu_ngay``/``ngay``).
    """

    to_chuc = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Tổ chức được chọn và các tổ chức trực thuộc."),
    )
    tu_ngay = date_field(gettext_lazy("Từ ngày"))
    den_ngay = date_field(gettext_lazy("Đến ngày"))
    ngay = date_field(gettext_lazy("Tại ngày"))
    chu_so = forms.TypedChoiceField(
        label=gettext_lazy("Làm tròn tỷ lệ (%)"),
        choices=[(1, gettext_lazy("1 chữ số thập phân")), (2, gettext_lazy("2 chữ số thập phân"))],
        coerce=int,
    )

    def __init__(self, params, *, page: ReportPage, user, organisation: Organisation, today):
        self.page, self.user, self.today = page, user, today
        defaults = self.defaults(organisation)
        given = {k: params.get(k, "").strip() for k in defaults}
        super().__init__({k: given[k] or v for k, v in defaults.items()})
        field = self.fields["to_chuc"]
        field.queryset = Organisation.objects.visible_to(user).only(
            "id", "name", "depth", "path", "numchild", "kind"
        )
        field.base_depth = user.organisation.depth if user.organisation_id else 1
        for name in set(self.fields) - set(defaults):
            del self.fields[name]
        self.style()

    def defaults(self, organisation: Organisation) -> dict[str, str]:
        start = date(self.today.year, 1, 1).isoformat()
        values = {"to_chuc": str(organisation.pk), "chu_so": "1"}
        if self.page.dates == PERIOD:
            values |= {"tu_ngay": start, "den_ngay": self.today.isoformat()}
        elif self.page.dates == SNAPSHOT:
            values |= {"ngay": self.today.isoformat()}
        else:
            values |= {"tu_ngay": start, "ngay": self.today.isoformat()}
        return values

    def _clean_day(self, name: str) -> date:
        value = self.cleaned_data[name]
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Ngày phải từ %(first)s đến %(last)s.")
                % {"first": f"{EARLIEST_DATE:%d/%m/%Y}", "last": f"{LATEST_DATE:%d/%m/%Y}"}
            )
        return value

    def clean_tu_ngay(self):
        return self._clean_day("tu_ngay")

    def clean_den_ngay(self):
        return self._clean_day("den_ngay")

    def clean_ngay(self):
        value = self._clean_day("ngay")
        if value > self.today:
            raise forms.ValidationError(_("Ngày lấy số liệu không được sau hôm nay."))
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu_ngay"), cleaned.get("den_ngay") or cleaned.get("ngay")
        if start is not None and end is not None and end < start:
            field = "den_ngay" if "den_ngay" in self.fields else "ngay"
            self.add_error(
                field,
                _("Ngày cuối kỳ phải từ ngày đầu kỳ (%(start)s) trở đi.")
                % {"start": f"{start:%d/%m/%Y}"},
            )
        return cleaned

    # --- what the views read ---------------------------------------------------------------------

    @property
    def organisation(self) -> Organisation:
        return self.cleaned_data["to_chuc"]

    def dates(self) -> dict[str, date | None]:
        """``start``, ``end`` and ``on`` for :mod:`ptdv.reports.figures`."""
        cd = self.cleaned_data
        return {"start": cd.get("tu_ngay"), "end": cd.get("den_ngay"), "on": cd.get("ngay")}

    def params(self, **changes) -> dict[str, str]:
        """The report's GET parameters (dates as yyyy-mm-dd), with ``changes``."""
        cd = self.cleaned_data
        params = {"to_chuc": str(cd["to_chuc"].pk)}
        for name in ("tu_ngay", "den_ngay", "ngay"):
            if cd.get(name) is not None:
                params[name] = cd[name].isoformat()
        params["chu_so"] = str(cd["chu_so"])
        params.update({k: str(v) for k, v in changes.items()})
        return params

    def error_messages(self) -> list[str]:
        """Each error as "label: message"."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages += [f"{label}: {e}" if label else str(e) for e in errors]
        return messages

    def prepare_display(self) -> None:
        """Before rendering: valid dates shown as the date inputs read them (yyyy-mm-dd, even when
        typed dd/mm/yyyy), and the organisation's choices limited to a drill-down."""
        if self.is_valid():
            self.data = {**self.data, **self.params()}
        self._limit_choices()

    def _limit_choices(self) -> None:
        """The way from the user's organisation down to the chosen one, and its children: a
        province's thousands of units never fill the select (validation accepts them all)."""
        field = self.fields["to_chuc"]
        chosen = self.cleaned_data.get("to_chuc") if self.is_valid() else None
        root = self.user.organisation
        rows = drill_down(field.queryset, root, chosen or root)
        field.widget.choices = [(o.pk, field.label_from_instance(o)) for o in rows]


def bound_form(request, page: ReportPage) -> ReportForm | None:
    """The bound form (``None``: the user sees no organisation at all)."""
    organisation = default_organisation(request.user)
    if organisation is None:
        return None
    return ReportForm(
        request.GET,
        page=page,
        user=request.user,
        organisation=organisation,
        today=timezone.localdate(),
    )


def build_report(form: ReportForm, page: ReportPage) -> Report | None:
    """The report (stored once its period has ended: ``reports.stored``), or ``None`` with the
    error on the form."""
    if not form.is_valid():
        return None
    try:
        return stored.build(
            page.kind,
            form.organisation,
            **form.dates(),
            today=form.today,
            places=form.cleaned_data["chu_so"],
        )
    except ValueError as error:  # the period the figures refuse (the form checks it first)
        form.add_error(None, str(error))
        return None
