"""Under the API's prefix, what refuses before (or instead of) the API's views answers in the API's
JSON, with the same status as the pages, never an HTML page or a redirect to the login page:

- an expired session and a session without its second factor: 401 ``{"detail": …}`` with
  ``WWW-Authenticate: Bearer``; with a Bearer token as well, the token alone decides;
- the request guards: 400 and 413 ``{"loi": [{"ma": "khong_hop_le", …}]}``;
- the error handlers (400, 403, 404, 500, with ``DEBUG`` off and on) and the refused form (CSRF);
- the data protection officer's rule: 403.

This module is also the URLconf of the tests: the site's addresses plus views under ``/api/``
that fail, or that say who the API took the caller for.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.urls import path, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.response import Response
from rest_framework.views import APIView

from ptdv import urls as site_urls
from ptdv.accounts import json_errors, tokens
from ptdv.accounts.json_errors import is_api_request
from ptdv.accounts.models import Role, TokenScope
from ptdv.api import errors as api_errors
from ptdv.api.authentication import BearerTokenAuthentication
from ptdv.web.errors import server_error
from tests.base import PASSWORD, Client, WorldTestCase, make_user

# The views that raise (the same as the pages' error tests).
from tests.test_error_pages import broken, forbidden, missing, suspicious

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
IDLE_MESSAGE = "Phiên làm việc đã hết hạn vì quá 30 phút không thao tác"
MFA_MESSAGE = "Tài khoản của bạn cần xác thực hai lớp"
CONTROL_MESSAGE = "ký tự không hợp lệ (ký tự điều khiển)"


class WhoAmI(APIView):
    """Who the API took the caller for (the site's default authentication and permission)."""

    def get(self, request):
        return Response({"user": request.user.username, "token": request.auth is not None})


def plain_post(request):
    return HttpResponse("ok")


def officer_closed(request):
    return HttpResponse("a record")


# A view of a module whose pages are closed to the officer (ptdv.privacy.officer).
officer_closed.__module__ = "ptdv.web.views.people"

urlpatterns = [
    path("api/sonde/ai/", WhoAmI.as_view()),
    path("api/sonde/403/", forbidden),
    path("api/sonde/404/", missing),
    path("api/sonde/400/", suspicious),
    path("api/sonde/500/", broken),
    path("api/sonde/bieu-mau/", plain_post),
    path("api/sonde/ho-so/", officer_closed),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

WHO = "/api/sonde/ai/"
#: English texts of the exceptions and Django's own pages: never shown.
NEVER_SHOWN = ["Not allowed", "No Candidacy", "Invalid HTTP_HOST", "Database exploded", "<html"]


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
class ApiJsonTestCase(WorldTestCase):
    def assertJson(self, response, status: int) -> dict:
        self.assertEqual(response.status_code, status)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertNotIn("Location", response)
        body = response.content.decode()
        for text in NEVER_SHOWN:
            self.assertNotIn(text, body)
        return json.loads(body)

    def assertDetail(self, response, status: int, message: str) -> None:
        self.assertIn(message, self.assertJson(response, status)["detail"])

    def assertNotSignedIn(self, response, message: str) -> None:
        self.assertDetail(response, 401, message)
        self.assertEqual(response["WWW-Authenticate"], json_errors.WWW_AUTHENTICATE)

    def assertInvalid(self, response, status: int, message: str) -> None:
        [line] = self.assertJson(response, status)["loi"]
        self.assertEqual(line["ma"], "khong_hop_le")
        self.assertIn(message, line["thong_bao"])
        self.assertEqual(set(line), {"ma", "thong_bao", "can_cu", "truong"})

    def token(self, user) -> str:
        return tokens.create_token(user, name="Đồng bộ", scope=TokenScope.READ, days=90).text


class ExpiredSessionTests(ApiJsonTestCase):
    def expired_session(self):
        """A session of ``chibo`` (no second factor needed) left idle past its limit."""
        traveller = time_machine.travel(START, tick=False)
        clock = traveller.start()
        self.addCleanup(traveller.stop)
        response = self.client.post(reverse("login"), {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(WHO).json()["user"], "chibo")
        clock.shift(timedelta(minutes=30, seconds=1))

    def test_an_expired_session_is_a_401_in_json_and_ends(self):
        self.expired_session()
        response = self.client.get("/api/to-chuc/")
        self.assertNotSignedIn(response, IDLE_MESSAGE)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Ended: the next request is not signed in at all (the API's own 401).
        self.assertEqual(self.client.get("/api/to-chuc/").status_code, 401)

    def test_a_page_still_sends_to_the_login_page(self):
        self.expired_session()
        response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_documentation_page_is_a_page(self):
        self.expired_session()
        response = self.client.get(reverse("api-docs"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_a_token_sent_with_an_expired_session_decides_alone(self):
        self.expired_session()
        response = self.client.get(WHO, headers=bearer(self.token(self.u.viewer)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"user": "xem", "token": True})
        # The session was neither used nor touched: without the token it is still expired.
        self.assertEqual(self.client.session["_auth_user_id"], str(self.u.cell.pk))
        self.assertNotSignedIn(self.client.get(WHO), IDLE_MESSAGE)

    def test_a_bad_token_sent_with_an_expired_session_is_the_apis_401(self):
        self.expired_session()
        response = self.client.get(WHO, headers=bearer("ptdv_00000000_" + "x" * 43))
        self.assertEqual(response.status_code, 401)
        self.assertNotIn(IDLE_MESSAGE, response.json()["detail"])
        self.assertEqual(response["WWW-Authenticate"], json_errors.WWW_AUTHENTICATE)


class SecondFactorTests(ApiJsonTestCase):
    def unverified_session(self):
        """``chibo`` signed in without a second factor, until one is enrolled elsewhere."""
        self.client.force_login(self.u.cell)
        self.assertEqual(self.client.get(WHO).json()["user"], "chibo")
        TOTPDevice.objects.create(user=self.u.cell, name="x")

    def test_a_session_without_its_second_factor_is_a_401_in_json_and_ends(self):
        self.unverified_session()
        response = self.client.get("/api/to-chuc/")
        self.assertNotSignedIn(response, MFA_MESSAGE)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_fresh_login_of_another_page_is_not_sent_to_the_second_step(self):
        # The admin's login page checks the password only: the next request would go on to the
        # second step; through the API it is a 401 that says why.
        client = Client()
        login = client.post(
            "/quan-tri/login/",
            {"username": "quantri", "password": PASSWORD, "next": "/quan-tri/"},
        )
        self.assertEqual(login.status_code, 302)
        self.assertNotSignedIn(client.get("/api/to-chuc/"), MFA_MESSAGE)
        self.assertNotIn("_auth_user_id", client.session)

    def test_a_token_sent_with_an_unverified_session_decides_alone(self):
        self.unverified_session()
        response = self.client.get(WHO, headers=bearer(self.token(self.u.viewer)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"user": "xem", "token": True})
        self.assertNotSignedIn(self.client.get(WHO), MFA_MESSAGE)

    def test_a_token_sent_with_a_valid_session_of_another_user_decides_alone(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(
            WHO, headers={"Authorization": f"bearer {self.token(self.u.viewer)}"}
        )
        self.assertEqual(response.json(), {"user": "xem", "token": True})
        # A bad token is refused, never served by the session instead.
        response = self.client.get(WHO, headers=bearer("ptdv_00000000_" + "x" * 43))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.client.get(WHO).json()["user"], "bantochuc")

    def test_a_verified_session_goes_on(self):
        self.client.force_login(self.u.committee)  # passes the second factor
        response = self.client.get(WHO)
        self.assertEqual(response.json(), {"user": "bantochuc", "token": False})


class RequestGuardTests(ApiJsonTestCase):
    def test_a_control_character_in_a_parameter(self):
        response = self.client.get("/api/to-chuc/?ten=a%00b")
        self.assertInvalid(response, 400, CONTROL_MESSAGE)
        self.assertIn("“ten”", response.json()["loi"][0]["thong_bao"])

    def test_a_control_character_in_the_path(self):
        self.assertInvalid(self.client.get("/api/to-chuc/%01/"), 400, CONTROL_MESSAGE)

    def test_a_control_character_in_a_form_field(self):
        self.client.force_login(self.u.cell)
        response = self.client.post("/api/ho-so/", {"ghi_chu": "a\x00b"})
        self.assertInvalid(response, 400, CONTROL_MESSAGE)

    def test_a_bad_cookie(self):
        self.client.cookies["theo_doi"] = "a\x01b"
        self.assertInvalid(self.client.get("/api/to-chuc/"), 400, "Cookie “theo_doi”")

    @override_settings(PTDV_MAX_QUERY_PARAM_LENGTH=10)
    def test_an_over_long_parameter(self):
        response = self.client.get("/api/to-chuc/?ten=" + "a" * 11)
        self.assertInvalid(response, 400, "dài quá 10 ký tự")

    def test_a_body_too_large(self):
        response = self.client.generic(
            "POST",
            "/api/ho-so/",
            b"{}",
            content_type="application/json",
            CONTENT_LENGTH=str(2**40),
        )
        self.assertInvalid(response, 413, "Dữ liệu gửi lên lớn quá")

    def test_pages_keep_their_html(self):
        response = self.client.get("/?q=a%00b")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")


class ErrorHandlerTests(ApiJsonTestCase):
    def test_an_address_without_a_route(self):
        self.assertDetail(self.client.get("/api/khong-co/"), 404, "Không tìm thấy")
        self.client.force_login(self.u.committee)
        self.assertDetail(self.client.get("/api/khong-co/"), 404, "Không tìm thấy")

    def test_a_views_404_403_and_400(self):
        self.client.force_login(self.u.committee)
        self.assertDetail(self.client.get("/api/sonde/404/"), 404, "Không tìm thấy")
        self.assertDetail(self.client.get("/api/sonde/403/"), 403, "Bạn không có quyền")
        self.assertInvalid(self.client.get("/api/sonde/400/"), 400, "Yêu cầu không hợp lệ")

    def test_an_uncaught_exception(self):
        self.client.force_login(self.u.committee)
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):  # logged as before
            response = self.client.get("/api/sonde/500/")
        self.assertDetail(response, 500, "Máy chủ gặp lỗi")

    def test_a_refused_form(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.u.committee)
        response = client.post("/api/sonde/bieu-mau/", {"a": "b"})
        self.assertDetail(response, 403, "CSRF")

    def test_the_pages_keep_their_html(self):
        response = self.client.get("/khong-co-trang-nay/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
class DemoServerErrorHandlerTests(ErrorHandlerTests):
    """``DEBUG`` on (``ErrorPagesMiddleware``): the same answers (every test above runs again)."""


class OfficerTests(ApiJsonTestCase):
    def test_the_officers_refusal_is_a_403_in_json(self):
        officer = make_user("baove", self.world.org.D, Role.PRIVACY)
        self.client.force_login(officer)
        response = self.client.get("/api/sonde/ho-so/")
        self.assertDetail(response, 403, "không xem hồ sơ của từng người")

    def test_the_apis_own_rule_closes_the_records(self):
        officer = make_user("baove", self.world.org.D, Role.PRIVACY)
        self.client.force_login(officer)
        self.assertJson(self.client.get("/api/nguoi/"), 403)


class OneDefinitionTests(SimpleTestCase):
    """The JSON built below the API is the API's own: its prefix, its scheme, its codes."""

    def test_the_prefix_is_where_the_api_is_mounted(self):
        self.assertTrue(reverse("api-schema").startswith(settings.PTDV_API_PREFIX))
        self.assertTrue(reverse("api-person-list").startswith(settings.PTDV_API_PREFIX))

    def test_the_scheme_and_code_are_the_apis(self):
        self.assertEqual(
            json_errors.WWW_AUTHENTICATE, BearerTokenAuthentication().authenticate_header(None)
        )
        self.assertEqual(json_errors.INVALID, api_errors.INVALID)

    def test_what_is_an_api_request(self):
        factory = RequestFactory()
        self.assertTrue(is_api_request(factory.get("/api/nguoi/")))
        self.assertTrue(is_api_request(factory.get("/api/khong-co")))
        self.assertFalse(is_api_request(factory.get(reverse("api-docs"))))
        self.assertFalse(is_api_request(factory.get("/apis/")))
        self.assertFalse(is_api_request(factory.get("/")))

    def test_what_names_a_token(self):
        factory = RequestFactory()
        for header, named in (
            ("Bearer ptdv_x", True),
            ("bearer ptdv_x", True),
            ("Bearer", True),
            ("Basic dXNlcjpwYXNz", False),
            ("", False),
        ):
            with self.subTest(header=header):
                request = factory.get("/api/nguoi/", HTTP_AUTHORIZATION=header)
                self.assertEqual(json_errors.carries_bearer(request), named)

    def test_the_500_reads_neither_the_database_nor_the_user(self):
        # SimpleTestCase refuses any query; the request has neither a session nor a user.
        response = server_error(RequestFactory().get("/api/nguoi/"))
        self.assertEqual(response.status_code, 500)
        self.assertIn("Máy chủ gặp lỗi", json.loads(response.content)["detail"])
