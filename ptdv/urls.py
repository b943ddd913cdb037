from django.urls import include, path

from ptdv.org.scope import admin_site

urlpatterns = [
    path("", include("ptdv.web.urls")),
    path("tai-khoan/", include("ptdv.accounts.urls")),
    # The administrators' tool, scoped like every page (ptdv.org.scope.ScopedAdminSite).
    path("quan-tri/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
