"""Request-level input guards: control characters and over-long query parameters are a 400 page
in Vietnamese naming the parameter, never a 500 — on SQLite and on PostgreSQL (run the suite with
DATABASE_URL to check the latter: PostgreSQL is the database that refuses NUL in text)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ptdv.web.middleware import CONTROL_CHARACTERS, shown_name
from tests.base import PASSWORD, WorldTestCase

LOGIN = "/tai-khoan/dang-nhap/"
REFUSED = "Dữ liệu gửi lên chứa ký tự không hợp lệ"


class GuardTestCase(WorldTestCase):
    def setUp(self):
        # A 500 must fail the test as a 500, not as the exception the test client re-raises.
        self.client.raise_request_exception = False

    def assert_refused(self, response, name: str, text: str = REFUSED):
        self.assertEqual(response.status_code, 400, response.content[:300])
        self.assertContains(response, text, status_code=400)
        self.assertContains(response, f"“{name}”", status_code=400)
        self.assertContains(response, 'lang="vi"', status_code=400)


class ControlCharacterTests(GuardTestCase):
    def test_nul_in_a_query_parameter_on_any_page(self):
        self.client.force_login(self.u.cell)
        for url, name in (
            ("/tim-kiem/?q=%00", "q"),
            ("/tim-kiem/?q=nguy%00en", "q"),
            ("/danh-sach/?giai_doan=%00", "giai_doan"),
            ("/danh-sach/excel/?to_chuc=1%00", "to_chuc"),
            (f"/nguoi/{self.p.introducer1.pk}/?tab=%1b", "tab"),
            (f"{LOGIN}?next=/%00", "next"),
        ):
            with self.subTest(url=url):
                self.assert_refused(self.client.get(url), name)

    def test_a_control_character_in_a_parameter_name(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/danh-sach/?a%00b=1")
        self.assert_refused(response, "a\\x00b")

    def test_tab_and_line_breaks_are_allowed(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/tim-kiem/", {"q": "nguyen\tvan\r\na"})
        self.assertEqual(response.status_code, 303)  # accepted: sent to the search's token address

    def test_login_form_with_nul(self):
        for data, name in (
            ({"username": "chi\x00bo", "password": PASSWORD}, "username"),
            ({"username": "chibo", "password": "mat\x00khau"}, "password"),
            ({"username": "chibo", "password": PASSWORD, "x\x00": "1"}, "x\\x00"),
        ):
            with self.subTest(name=name):
                response = self.client.post(LOGIN, data)
                self.assert_refused(response, name)
                self.assertNotIn("_auth_user_id", self.client.session)

    def test_post_field_on_another_page(self):
        self.client.force_login(self.u.cell)
        candidacy = self.candidacy()
        response = self.client.post(
            f"/ho-so/{candidacy.pk}/ghi-buoc/",
            {"step": "sympathiser", "on": "2024-10-01", "note": "Ghi chú\x0bdán từ Word"},
        )
        self.assert_refused(response, "note")
        self.assertContains(response, "quay lại", status_code=400)

    def test_a_cookie_with_a_nul(self):
        self.client.force_login(self.u.cell)
        self.client.cookies["sessionid"] = "abcdefgh\x00ijkl"
        response = self.client.get("/")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Cookie “sessionid”", status_code=400)

    def test_upload_content_is_not_scanned_but_its_field_name_is(self):
        self.client.force_login(self.u.cell)
        binary = bytes(range(256)) * 64  # every byte value, NUL included
        upload = SimpleUploadedFile("danh-sach.xlsx", binary, content_type="application/zip")
        # An unknown kind: the form says so (200), nothing is stored; the guard let it through.
        response = self.client.post("/nhap-du-lieu/", {"kind": "khong-co", "file": upload})
        self.assertEqual(response.status_code, 200)
        # A control character in a file's name: Django's parser drops it from the name.
        named = SimpleUploadedFile("danh\x01sach.xlsx", binary)
        response = self.client.post("/nhap-du-lieu/", {"kind": "khong-co", "file": named})
        self.assertEqual(response.status_code, 200)
        # In the file field's name: refused.
        named = SimpleUploadedFile("danh-sach.xlsx", binary)
        response = self.client.post("/nhap-du-lieu/", {"kind": "khong-co", "fi\x01le": named})
        self.assert_refused(response, "fi\\x01le")

    def test_a_control_character_in_the_path(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/tim-kiem%00/")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Địa chỉ trang chứa ký tự không hợp lệ", status_code=400)

    def test_the_refusal_page_reads_no_session(self):
        # A refused request is answered before the session is read: no query at all.
        self.client.force_login(self.u.cell)
        with self.assertNumQueries(0):
            response = self.client.get("/tim-kiem/?q=%00")
        self.assertEqual(response.status_code, 400)

    def test_shown_names(self):
        self.assertEqual(shown_name("a\x00b"), "a\\x00b")
        self.assertEqual(shown_name("x" * 100), "x" * 40 + "…")
        self.assertIsNone(CONTROL_CHARACTERS.search("tab\tlf\ncr\r đ"))
        for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]:
            self.assertIsNotNone(CONTROL_CHARACTERS.search(chr(code)), hex(code))


class LongParameterTests(GuardTestCase):
    def test_an_over_long_query_parameter(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/tim-kiem/", {"q": "a" * 1001})
        self.assert_refused(response, "q", "dài quá 1.000 ký tự")
        self.assertEqual(self.client.get("/tim-kiem/", {"q": "a" * 1000}).status_code, 303)
        response = self.client.get("/danh-sach/", {"x" * 1001: "1"})
        self.assertEqual(response.status_code, 400)

    @override_settings(PTDV_MAX_QUERY_PARAM_LENGTH=50)
    def test_the_limit_is_a_setting(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(LOGIN, {"next": "/" + "a" * 50})
        self.assert_refused(response, "next", "dài quá 50 ký tự")

    def test_a_long_form_field_is_not_a_query_parameter(self):
        # Notes may be long: only the query string has the limit.
        response = self.client.post(LOGIN, {"username": "chibo", "password": "x" * 5000})
        self.assertEqual(response.status_code, 200)


class LongUsernameTests(GuardTestCase):
    """Was a 500 on PostgreSQL: Django's login form does not check the username's length, and
    django-axes recorded the failure in a varchar(255)."""

    @override_settings(AXES_ENABLED=True)
    def test_the_login_form_says_the_username_is_too_long(self):
        response = self.client.post(LOGIN, {"username": "x" * 100_000, "password": "sai"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tên đăng nhập dài quá 150 ký tự.")
        self.assertTrue(response.context["form"].has_error("username", "max_length"))
        # The field shows at most 150 characters of what was typed.
        self.assertNotContains(response, "x" * 151)
        response = self.client.post(LOGIN, {"username": "x" * 151, "password": "sai"})
        self.assertContains(response, "Tên đăng nhập dài quá 150 ký tự.")

    @override_settings(AXES_ENABLED=True)
    def test_axes_records_at_most_the_column_length(self):
        from axes.models import AccessAttempt
        from django.contrib.auth import authenticate
        from django.test import RequestFactory

        # What the admin's login form does: authenticate() with whatever was typed.
        request = RequestFactory().post("/quan-tri/login/", REMOTE_ADDR="198.51.100.8")
        self.assertIsNone(authenticate(request, username="y" * 100_000, password="sai"))
        self.assertEqual(len(AccessAttempt.objects.get().username), 255)


class BodySizeTests(WorldTestCase):
    def test_a_body_larger_than_the_largest_upload_is_refused_before_it_is_read(self):
        self.client.force_login(self.u.cell)
        with override_settings(PTDV_IMPORT_MAX_UPLOAD_BYTES=1024):
            response = self.client.post(
                "/nhap-du-lieu/", {"x": "y" * (2 * 1024 * 1024)}, follow=False
            )
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "lớn quá", status_code=413)
        response = self.client.post("/nguon/moi/", {"full_name": "x"}, CONTENT_LENGTH="abc")
        self.assertEqual(response.status_code, 413)
