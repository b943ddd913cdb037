"""Each page module declares its own routes; this file only gathers them."""

from .views import (
    account,
    audit,
    board,
    candidacy,
    cccd,
    dossier,
    imports,
    incidents,  # the breach register
    inventory,  # the processing inventory
    members,
    mentor,
    org,
    people,
    person_data,  # what ptdv holds on a person, for an access request
    pickers,  # the pickers' matches (organisations; the people picker is in steps)
    privacy,
    reports,
    search,
    steps,
    subject_requests,  # the requests register
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
    *privacy.urlpatterns,  # the read log
    *subject_requests.urlpatterns,  # the requests register
    *person_data.urlpatterns,  # a person's data, .xlsx and .pdf
    *incidents.urlpatterns,  # the breach register
    *inventory.urlpatterns,  # the processing inventory
    *pickers.urlpatterns,
]
