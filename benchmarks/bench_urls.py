"""The product's URLs plus a bare authenticated view, for the benchmarks only.

Selected by ``override_settings(ROOT_URLCONF="benchmarks.bench_urls")`` in the home-page
benchmark: the bare view goes through the same middleware and ``login_required`` as the home
page but does no work, so ``home / bare`` is the cost of the page itself.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("bench/bare/", login_required(lambda request: HttpResponse("ok")), name="bench-bare"),
    path("", include("ptdv.urls")),
]
