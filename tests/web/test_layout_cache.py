"""The layout kept per role and permissions, language, URLconf and menu item
(ptdv/web/templatetags/layout.py): each user sees their own menu, name and organisation; a
change of role or organisation shows at the next request; what differs per request (CSRF token,
messages, return address) is never kept."""

from __future__ import annotations

import re
from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.constants import ERROR
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory, override_settings

from ptdv.accounts.models import Role, User
from ptdv.web.templatetags import layout
from tests.base import WorldTestCase

PAGE = "/to-chuc/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def menu(html: str) -> str:
    return html.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]


def account_menu(html: str) -> str:
    return html.split('<ul class="dropdown-menu dropdown-menu-end">', 1)[1].split("</ul>", 1)[0]


class LayoutCacheTests(WorldTestCase):
    def setUp(self):
        layout.clear()
        for user, name in ((self.u.cell, "Bí Thư Đông"), (self.u.committee, "Trưởng Ban")):
            user.first_name = name
            user.save()

    def page(self, user, url=PAGE, **headers) -> str:
        self.client.force_login(user)
        response = self.client.get(url, **headers)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_each_user_sees_their_own_name_organisation_and_menu(self):
        cell = self.page(self.u.cell)
        committee = self.page(self.u.committee)
        cell_again = self.page(self.u.cell)
        self.assertIn('aria-expanded="false">Bí Thư Đông</a>', cell_again)
        self.assertIn(self.o.A1.name, account_menu(cell_again))
        self.assertNotIn("Trưởng Ban", cell_again)
        self.assertIn('aria-expanded="false">Trưởng Ban</a>', committee)
        self.assertIn(self.o.D.name, account_menu(committee))
        self.assertNotIn("Bí Thư Đông", committee)
        # The committee reads the audit log, the cell secretary does not.
        self.assertIn("/nhat-ky/", account_menu(committee))
        self.assertNotIn("/nhat-ky/", account_menu(cell))

    def test_two_users_of_the_same_role_share_the_frame_not_their_names(self):
        other = User.objects.create(
            username="chibo_tay", first_name="Bí Thư Tây", organisation=self.o.A2, role=Role.CELL
        )
        first = self.page(self.u.cell)
        second = self.page(other)
        self.assertIn("Bí Thư Tây", second)
        self.assertIn(self.o.A2.name, account_menu(second))
        self.assertNotIn(self.o.A1.name, account_menu(second))
        self.assertNotIn("Bí Thư Đông", second)
        self.assertNotIn("Bí Thư Tây", first)
        self.assertEqual(len(layout._FRAMES), 1)

    def test_a_new_role_shows_at_the_next_request(self):
        viewer = self.u.viewer
        before = self.page(viewer)
        self.assertNotIn("/nhap-du-lieu/", menu(before))  # imports: writers only
        self.assertIn("Chỉ xem", account_menu(before))
        viewer.role = Role.COMMITTEE
        viewer.save()
        after = self.page(viewer)
        self.assertIn("/nhap-du-lieu/", menu(after))
        self.assertIn("/nhat-ky/", account_menu(after))
        self.assertNotIn("Chỉ xem", account_menu(after))
        viewer.role = Role.VIEWER
        viewer.save()
        self.assertNotIn("/nhap-du-lieu/", menu(self.page(viewer)))

    def test_a_new_organisation_shows_at_the_next_request(self):
        user = self.u.cell
        self.assertIn(self.o.A1.name, account_menu(self.page(user)))
        user.organisation = self.o.A2
        user.save()
        moved = account_menu(self.page(user))
        self.assertIn(self.o.A2.name, moved)
        self.assertNotIn(self.o.A1.name, moved)

    def test_a_renamed_organisation_shows_at_the_next_request(self):
        self.page(self.u.cell)
        self.o.A1.name = "Chi bộ thôn Đông Mới"
        self.o.A1.save()
        self.assertIn("Chi bộ thôn Đông Mới", account_menu(self.page(self.u.cell)))

    def test_a_name_is_escaped(self):
        user = self.u.cell
        user.first_name = "<b>Đông</b>"
        user.save()
        html = self.page(user)
        self.assertIn("&lt;b&gt;Đông&lt;/b&gt;", html)
        self.assertNotIn("<b>Đông</b>", html)

    def test_the_language_is_part_of_the_key(self):
        self.assertIn("Việc cần làm", menu(self.page(self.u.cell)))
        self.client.cookies["django_language"] = "en"
        english = self.page(self.u.cell)
        self.assertIn('<html lang="en">', english)
        self.assertNotIn("Việc cần làm", menu(english))
        self.assertIn('<option value="en" selected>', english)

    def test_the_current_page_is_highlighted_and_the_others_not(self):
        html = self.page(self.u.cell, "/tien-trinh/")
        self.assertIn('class="nav-link active" aria-current="page" href="/tien-trinh/"', html)
        self.assertEqual(menu(html).count("active"), 1)
        html = self.page(self.u.cell, PAGE)
        self.assertIn('class="nav-link active" aria-current="page" href="/to-chuc/"', html)
        self.assertNotIn('active" aria-current="page" href="/tien-trinh/"', html)

    def test_the_frame_is_rendered_once_per_key(self):
        with mock.patch.object(layout, "render_frame", wraps=layout.render_frame) as rendered:
            for _ in range(3):
                self.page(self.u.cell)
            self.assertEqual(rendered.call_count, 1)
            self.page(self.u.committee)
            self.page(self.u.cell, "/tien-trinh/")  # another current item
            self.assertEqual(rendered.call_count, 3)

    def test_the_csrf_token_is_the_requests_own(self):
        first = self.page(self.u.cell)
        second = self.page(self.u.cell)
        tokens = TOKEN.findall(first)
        self.assertEqual(len(tokens), 3)  # search, logout, language
        self.assertEqual(len(set(tokens)), 1)
        self.assertEqual(HEADER_TOKEN.findall(first), tokens[:1])
        self.assertNotEqual(TOKEN.findall(second)[0], tokens[0])  # masked anew each request
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.u.cell)
        html = client.get(PAGE).content.decode()
        response = client.post("/i18n/setlang/", {"csrfmiddlewaretoken": TOKEN.findall(html)[0],
                                                  "language": "en", "next": PAGE})  # fmt: skip
        self.assertEqual(response.status_code, 302)

    def test_the_language_form_returns_to_this_page(self):
        html = self.page(self.u.cell, PAGE + "?q=<x>")
        self.assertIn('name="next" type="hidden" value="/to-chuc/?q=%3Cx%3E"', html)
        self.assertIn('value="/to-chuc/"', self.page(self.u.cell))

    def test_messages_are_shown_once_and_escaped(self):
        self.client.force_login(self.u.cell)
        storage = CookieStorage(RequestFactory().get("/"))
        self.client.cookies["messages"] = storage._encode([Message(ERROR, "<i>Đã lưu</i>")])
        html = self.client.get(PAGE).content.decode()
        self.assertIn(
            '<div class="alert alert-danger" role="alert">&lt;i&gt;Đã lưu&lt;/i&gt;</div>', html
        )
        self.assertNotIn("Đã lưu", self.client.get(PAGE).content.decode())

    def test_anonymous_pages_have_no_menu(self):
        self.client.logout()
        html = self.client.get("/tai-khoan/dang-nhap/").content.decode()
        self.assertNotIn('id="main-nav"', html)
        self.assertIn('name="csrfmiddlewaretoken"', html)

    def test_the_key(self):
        request = RequestFactory().get(PAGE)
        cell, committee = self.u.cell, self.u.committee
        key, _values = layout.key_of(cell, "vi", "ptdv.urls", request.path)
        self.assertEqual(key, layout.key_of(cell, "vi", "ptdv.urls", request.path)[0])
        self.assertNotEqual(key, layout.key_of(committee, "vi", "ptdv.urls", request.path)[0])
        same_role = User(pk=4321, username="khac", role=Role.CELL, organisation=self.o.A2)
        self.assertEqual(key, layout.key_of(same_role, "vi", "ptdv.urls", request.path)[0])
        self.assertNotEqual(key, layout.key_of(cell, "en", "ptdv.urls", request.path)[0])
        self.assertNotEqual(key, layout.key_of(cell, "vi", "other.urls", request.path)[0])
        self.assertNotEqual(key, layout.key_of(cell, "vi", "ptdv.urls", "/tien-trinh/")[0])
        cell.role = Role.VIEWER
        self.assertNotEqual(key, layout.key_of(cell, "vi", "ptdv.urls", request.path)[0])
        anonymous = layout.key_of(AnonymousUser(), "vi", "ptdv.urls", PAGE)
        self.assertEqual(anonymous[0][0], "anonymous")

    def test_the_frame_sees_no_user(self):
        _key, values = layout.key_of(self.u.cell, "vi", "ptdv.urls", PAGE)
        self.assertFalse(any(v is self.u.cell for v in values.values()))
        self.assertNotIn("user", values)

    def test_a_changed_setting_empties_the_cache(self):
        self.page(self.u.cell)
        self.assertTrue(layout._FRAMES)
        with override_settings(PTDV_SESSION_IDLE_MINUTES=31):
            self.assertFalse(layout._FRAMES)

    def test_the_layout_adds_no_query_once_kept(self):
        self.page(self.u.cell)  # kept
        first = self.count_queries(PAGE)
        self.assertEqual(self.count_queries(PAGE), first)
