from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("ptdv — Quản trị")
admin.site.site_title = "ptdv"
admin.site.index_title = _("Quản trị dữ liệu")

urlpatterns = [
    path("", include("ptdv.web.urls")),
    path("tai-khoan/", include("ptdv.accounts.urls")),
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
