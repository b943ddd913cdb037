from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Organisation, Place, PlaceCell
from .scope import AdminAccessMixin, ScopedAdminMixin, ScopedTreeAdminMixin, admin_site, scope_path


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(ScopedTreeAdminMixin, TreeAdmin):
    form = movenodeform_factory(Organisation)
    list_display = ("name", "kind", "code", "party_code")
    list_filter = ("kind",)
    search_fields = ("name", "code", "party_code")

    #: Who admits and who is the direct superior is set by the administrator above, not by the
    #: administrator of the organisation it concerns (choices are limited to the subtree).
    DELEGATION_FIELDS = ("competent_committee", "direct_superior", "disadvantaged_area")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.path == scope_path(request.user):
            fields += self.DELEGATION_FIELDS
        return fields


class PlaceCellInline(AdminAccessMixin, admin.TabularInline):
    """The place's history of cells, read-only: it grows when the cell is changed above."""

    model = PlaceCell
    read_only = True
    extra = 0
    can_delete = False
    fields = ("since", "cell")
    readonly_fields = fields


class PlaceForm(forms.ModelForm):
    cell_since = forms.DateField(
        label=_("chi bộ phụ trách từ ngày"),
        required=False,
        help_text=_(
            "Khi đổi chi bộ phụ trách: ngày chi bộ mới bắt đầu phụ trách (để trống: hôm nay). "
            "Báo cáo địa bàn có tổ chức đảng tại một ngày dùng lịch sử này."
        ),
    )

    class Meta:
        model = Place
        fields = ("name", "kind", "organisation", "cell")

    def clean_cell_since(self):
        """The history is read in date order: a new row may not go before the latest one, nor
        after today (it would not be the row that serves the place today)."""
        since = self.cleaned_data.get("cell_since")
        if since is None:
            return since
        if since > timezone.localdate():
            raise forms.ValidationError(_("Ngày này chưa đến."))
        if self.instance.pk:
            latest = self.instance.history.order_by("-since", "-pk").first()
            if latest is not None and since < latest.since:
                raise forms.ValidationError(
                    _("Phải từ ngày %(day)s trở đi (ngày thay đổi gần nhất).")
                    % {"day": f"{latest.since:%d/%m/%Y}"}
                )
        return since


@admin.register(Place, site=admin_site)
class PlaceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = PlaceForm
    inlines = [PlaceCellInline]
    list_display = ("name", "kind", "organisation", "cell")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("organisation", "cell")
    autocomplete_fields = ()
    raw_id_fields = ("organisation", "cell")

    def save_model(self, request, obj, form, change):
        obj.save(since=form.cleaned_data.get("cell_since"))
