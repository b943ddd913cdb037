"""The API's routes, under /api/ (ptdv/urls.py): the resources (a router with ``<int:pk>``), the
reports, the OpenAPI schema (``/api/schema/``) and its documentation page (``/api/tai-lieu/``)."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views
from .docs import DocsView
from .reports import VIEWS

router = SimpleRouter(use_regex_path=False)
router.register("to-chuc", views.OrganisationViewSet, basename="api-organisation")
router.register("dia-ban", views.PlaceViewSet, basename="api-place")
router.register("nguoi", views.PersonViewSet, basename="api-person")
router.register("ho-so", views.CandidacyViewSet, basename="api-candidacy")
router.register("giup-do", views.MentorAssignmentViewSet, basename="api-mentor-assignment")
router.register("chi-tieu", views.TargetViewSet, basename="api-target")
router.register("nhap-du-lieu", views.ImportRunViewSet, basename="api-import-run")

urlpatterns = [
    *router.urls,
    *(
        path(f"bao-cao/{page.slug}/", view, name=f"api-report-{page.kind}")
        for page, view in VIEWS.values()
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("tai-lieu/", login_required(DocsView.as_view(url_name="api-schema")), name="api-docs"),
]
