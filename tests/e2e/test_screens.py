"""Each page: answered 200, styled, no serious/critical axe violation; screenshots for the docs.

The screenshots go to docs/screens/<name>-desktop.png and <name>-phone.png (docs/screens.md lists
them). They are written before the axe check, so a page with an accessibility fault still gets
its picture; a page that does not answer 200 gets none.
"""

import pytest

from ptdv.people.text import fold

from .conftest import DESKTOP, PHONE, axe_check, login, open_page, shot

#: (screenshot name, who is signed in, path). Users: None (anonymous), "cell" (chibo),
#: "commune" (dangbo_xa), "district" (bantochuc), "privacy" (baove, the district's data protection
#: officer).
SCREENS = [
    ("login", None, "/tai-khoan/dang-nhap/"),
    ("todo", "district", "/"),
    ("board", "district", "/tien-trinh/"),
    ("list", "district", "/danh-sach/"),
    ("search", "cell", "/tim-kiem/?q={query}"),
    ("candidacy", "cell", "/ho-so/{candidacy}/"),
    # On a phone the parts fold; an address naming one opens it (here: the steps recorded).
    ("candidacy-steps", "cell", "/ho-so/{candidacy}/#phan-cac-buoc"),
    ("org-tree", "district", "/to-chuc/"),
    ("mentor", "commune", "/giup-do/"),
    ("account", "cell", "/tai-khoan/cua-toi/"),
    ("reports", "district", "/bao-cao/"),
    ("report-new-members", "district", "/bao-cao/dang-vien-moi/"),
    ("report-members", "district", "/bao-cao/dang-vien/"),
    ("report-activity", "commune", "/bao-cao/hoat-dong/"),
    ("report-structure", "district", "/bao-cao/to-chuc/?tu_ngay=01/01/2024"),
    ("report-funnel", "district", "/bao-cao/tien-trinh/"),
    ("report-mentors", "commune", "/bao-cao/giup-do/"),
    ("report-targets", "district", "/bao-cao/chi-tieu/?tu_ngay=01/01/2025&den_ngay=31/12/2030"),
    ("report-drill", "district", "/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=women"),
    ("targets", "commune", "/chi-tieu/"),
    ("target-form", "commune", "/chi-tieu/them/"),
    ("imports", "commune", "/nhap-du-lieu/"),
    # Personal data: the requests and breach registers, the read log, one's second factor.
    ("requests", "commune", "/yeu-cau/"),
    ("request", "commune", "/yeu-cau/{request}/"),
    ("incidents", "privacy", "/su-co/"),
    ("incident", "privacy", "/su-co/{incident}/"),
    ("incident-form", "privacy", "/su-co/moi/"),
    ("access-log", "privacy", "/bao-ve-du-lieu/truy-cap/"),
    ("mfa", "district", "/tai-khoan/xac-thuc-hai-lop/"),
]


@pytest.mark.parametrize(("name", "who", "path"), SCREENS, ids=[s[0] for s in SCREENS])
def test_page_is_accessible_and_pictured(page, demo, name, who, path):
    from ptdv.subjects.models import Incident, SubjectRequest

    users = {
        "cell": demo.cell_user,
        "commune": demo.commune_user,
        "district": demo.district_user,
        "privacy": "baove",
    }
    if who is not None:
        login(page, users[who], demo.password)
    url = path.format(
        query=fold(demo.cell_person_name),
        candidacy=demo.cell_candidacy_pk,
        request=SubjectRequest.objects.filter(status="acknowledged")
        .values_list("pk", flat=True)
        .first(),
        incident=Incident.objects.values_list("pk", flat=True).first(),
    )
    open_page(page, url)
    shots = shot(page, name)
    axe_check(page)
    # Nothing wider than the screen (wide tables scroll inside .table-responsive).
    for width, screen, picture in [
        (shots.desktop_width, DESKTOP, shots.desktop),
        (shots.phone_width, PHONE, shots.phone),
    ]:
        assert width <= screen["width"], (
            f"{url} is {width}px wide on a {screen['width']}px wide screen, it scrolls sideways "
            f"(see docs/screens/{picture.name})"
        )
