"""Pipeline board and the filtered list with its Excel export."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def board(request, **kwargs):
    raise Http404


urlpatterns = [path("tien-trinh/", board, name="board")]


@login_required
def candidacy_list(request):
    raise Http404


urlpatterns += [path("danh-sach/", candidacy_list, name="candidacy_list")]
