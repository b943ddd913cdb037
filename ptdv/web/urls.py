"""Each page module declares its own routes; this file only gathers them."""

from .views import (
    account,
    audit,
    board,
    candidacy,
    cccd,
    dossier,
    imports,
    incidents,  # the breach register (issue 12)
    inventory,  # the processing inventory (issue 12, point 8)
    members,
    mentor,
    org,
    people,
    person_data,  # what ptdv holds on a person, for an access request (issue 12)
    privacy,
    reports,
    search,
    steps,
    subject_requests,  # the requests register (issue 12)
    targets,
    todo,
)

urlpatterns = [
    *todo.urlpatterns,
    *board.urlpatterns,
    *search.urlpatterns,
    *people.urlpatterns,
    *cccd.urlpatterns,  # the person page's "Hiện số đầy đủ" (issue 12)
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
    *subject_requests.urlpatterns,  # the requests register (issue 12)
    *person_data.urlpatterns,  # a person's data, .xlsx and .pdf (issue 12)
    *incidents.urlpatterns,  # the breach register (issue 12)
    *inventory.urlpatterns,  # the processing inventory (issue 12, point 8)
]
