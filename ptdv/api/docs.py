"""The API's documentation page (``/api/tai-lieu/``): Swagger UI from drf-spectacular-sidecar's
static files (no CDN), its start-up script served by the same view as a file of the site
(``?script``), so the site's Content-Security-Policy (scripts from ``'self'`` only, no inline
script) holds unchanged."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from .permissions import SignedIn


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [SignedIn]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        self.title = gettext("API của ptdv")  # the page's title, in the user's language
        return super().get(request, *args, **kwargs)
