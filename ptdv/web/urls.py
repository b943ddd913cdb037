"""Each page module declares its own routes; this file only gathers them."""

from .views import (
    account,
    audit,
    board,
    candidacy,
    cccd,
    dossier,
    imports,
    inventory,  # the processing inventory (issue 12, point 8)
    members,
    mentor,
    org,
    people,
    privacy,
    reports,
    search,
    steps,
    targets,
    todo,
)

urlpatterns = [
    *todo.urlpatterns,
    *board.urlpatterns,
    *search.urlpatterns,
    *people.urlpatterns,
    *cccd.urlpatterns,  # the person page's "Hiện số đầy đủ"
    *members.urlpatterns,
    *candidacy.urlpatterns,
    *dossier.urlpatterns,
    *steps.urlpatterns,
    *mentor.urlpatterns,
    *org.urlpatterns,
    *account.urlpatterns,
    *audit.urlpatterns,
    *reports.urlpatterns,
    *targets.urlpatterns,
    *imports.urlpatterns,
    *privacy.urlpatterns,  # the read log (issue 12)
    *inventory.urlpatterns,  # the processing inventory (issue 12, point 8)
]
