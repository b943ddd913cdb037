"""Each page module declares its own routes; this file only gathers them."""

from .views import (
    account,
    api_tokens,  # one's personal API tokens
    audit,
    board,
    candidacy,
    cccd,
    dossier,
    handoff,  # the hand-off to the national party-member database
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
    reminders,  # one's reminder preferences and the calendar feed
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
    *api_tokens.urlpatterns,
    *reminders.urlpatterns,  # the reminders page and the calendar feed
    *audit.urlpatterns,
    *reports.urlpatterns,
    *targets.urlpatterns,
    *imports.urlpatterns,
    *handoff.urlpatterns,  # the hand-off to the national party-member database
    *privacy.urlpatterns,  # the read log
    *subject_requests.urlpatterns,  # the requests register
    *person_data.urlpatterns,  # a person's data, .xlsx and .pdf
    *incidents.urlpatterns,  # the breach register
    *inventory.urlpatterns,  # the processing inventory
    *pickers.urlpatterns,
]
