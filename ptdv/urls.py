from django.urls import include, path

from ptdv.org.scope import admin_site

urlpatterns = [
    path("", include("ptdv.web.urls")),
    path("tai-khoan/", include("ptdv.accounts.urls")),
    path("api/", include("ptdv.api.urls")),
    # The administrators' tool, scoped like every page (ptdv.org.scope.ScopedAdminSite).
    path("quan-tri/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# The error pages in Vietnamese (ptdv.web.errors): 403 and 404 in the site's layout, 400 and 500
# on a page that reads neither the user nor the database.
handler400 = "ptdv.web.errors.bad_request"
handler403 = "ptdv.web.errors.permission_denied"
handler404 = "ptdv.web.errors.page_not_found"
handler500 = "ptdv.web.errors.server_error"
