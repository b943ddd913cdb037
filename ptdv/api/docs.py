"""The API's documentation page (``/api/tai-lieu/``): Swagger UI from drf-spectacular-sidecar's
static files (no CDN), its start-up script served by the same view as a file of the site
(``?script``), so the site's Content-Security-Policy (scripts from ``'self'`` only, no inline
script) holds unchanged."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from .permissions import SignedIn


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [SignedIn]
    title = "API của ptdv"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
