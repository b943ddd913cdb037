"""Personal API tokens: the account pages that make and revoke them, the API's authentication
with them (and with the session), and the API's throttling.

The API side is checked on two small views of this module (``/api/sonde/``), added to the site's
routes for these tests: they answer who the request is and write through the API's own write
check (``ptdv.api.permissions.require_write``), so the tests do not depend on the resources.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client as DjangoClient
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ptdv.accounts import mfa, tokens
from ptdv.accounts.models import ApiToken, TokenScope
from ptdv.api.permissions import require_write
from ptdv.web.views.api_tokens import api_tokens
from tests.base import PASSWORD, Client, WorldTestCase

# --- the probe views, under /api/sonde/ ------------------------------------------------------------


class Probe(APIView):
    """GET: who is asking; POST: a write (the user's first name) after the API's write check."""

    def get(self, request):
        return Response(
            {
                "username": request.user.username,
                "organisation": request.user.organisation_id,
                "token": getattr(request.auth, "prefix", None),
                "can_write": getattr(request.auth, "can_write", None),
            }
        )

    def post(self, request):
        require_write(request)
        request.user.first_name = "Đã ghi qua API"
        request.user.save(update_fields=["first_name"])
        return Response({"ok": True}, status=201)


class OpenProbe(APIView):
    """Open to anybody (as the schema is): only the throttles stand in the way."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/sonde/", Probe.as_view()),
    path("api/sonde-mo/", OpenProbe.as_view()),
    path("", include("ptdv.urls")),
]

PROBE = "/api/sonde/"
LIST = "/tai-khoan/khoa-api/"
TEXT = re.compile(r"ptdv_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def revoke_url(token) -> str:
    return f"/tai-khoan/khoa-api/{token.pk}/thu-hoi/"


def bearer(text: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {text}"}


@override_settings(ROOT_URLCONF=__name__)
class TokenTestCase(WorldTestCase):
    def make(self, user, scope=TokenScope.READ, days=90, name="Đồng bộ") -> tokens.NewToken:
        return tokens.create_token(user, name=name, scope=scope, days=days)


class TokenPageTests(TokenTestCase):
    def test_the_account_page_links_to_the_tokens(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/tai-khoan/cua-toi/")
        self.assertContains(response, f'href="{LIST}"')
        self.assertContains(response, "Khóa truy cập API")

    def test_creation_shows_the_secret_once_and_stores_its_digest_and_prefix(self):
        self.client.force_login(self.u.cell)
        response = self.client.post(
            LIST, {"name": "Báo cáo tháng", "scope": TokenScope.READ_WRITE, "days": 30}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        texts = TEXT.findall(response.content.decode())
        self.assertEqual(len(set(texts)), 1, "the new token's text is on the page")
        text = texts[0]
        token = ApiToken.objects.get(user=self.u.cell)
        self.assertEqual(token.name, "Báo cáo tháng")
        self.assertEqual(token.scope, TokenScope.READ_WRITE)
        self.assertEqual(token.prefix, text[5:13])
        self.assertEqual(token.digest, hashlib.sha256(text.encode()).hexdigest())
        secret = text[14:]
        row = ApiToken.objects.filter(pk=token.pk).values().get()
        self.assertFalse([k for k, v in row.items() if isinstance(v, str) and secret in v])
        expected_expiry = timezone.now() + timedelta(days=30)
        self.assertLess(abs(token.expires_at - expected_expiry), timedelta(minutes=1))
        # Never again: the list names the token by its prefix only.
        listing = self.client.get(LIST)
        self.assertContains(listing, "Báo cáo tháng")
        self.assertContains(listing, f"ptdv_{token.prefix}…")
        self.assertNotContains(listing, secret)
        self.assertNotContains(listing, text)

    def test_the_expiry_is_required_ninety_days_by_default_at_most_a_year(self):
        self.client.force_login(self.u.cell)
        page = self.client.get(LIST)
        self.assertContains(page, '<option value="90" selected>')
        for days in ("", "400", "0"):
            with self.subTest(days=days):
                response = self.client.post(LIST, {"name": "X", "scope": "read", "days": days})
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors["days"])
        self.assertFalse(ApiToken.objects.exists())
        with self.assertRaises(tokens.TokenRefused):
            self.make(self.u.cell, days=366)

    def test_read_write_is_offered_only_to_those_who_may_write(self):
        self.client.force_login(self.u.viewer)
        page = self.client.get(LIST)
        self.assertNotContains(page, 'value="read_write"')
        self.assertContains(page, 'value="read"')
        response = self.client.post(LIST, {"name": "X", "scope": "read_write", "days": 90})
        self.assertTrue(response.context["form"].errors["scope"])
        self.assertFalse(ApiToken.objects.exists())
        with self.assertRaises(tokens.TokenRefused):
            self.make(self.u.viewer, scope=TokenScope.READ_WRITE)
        self.client.post(LIST, {"name": "Chỉ xem", "scope": "read", "days": 90})
        self.assertEqual(ApiToken.objects.get().scope, TokenScope.READ)

    def test_the_list_shows_only_ones_own_tokens_and_another_users_token_is_404(self):
        mine = self.make(self.u.cell, name="Khóa của chi bộ").token
        theirs = self.make(self.u.committee, name="Khóa của ban tổ chức").token
        self.client.force_login(self.u.cell)
        listing = self.client.get(LIST)
        self.assertContains(listing, "Khóa của chi bộ")
        self.assertNotContains(listing, "Khóa của ban tổ chức")
        self.assertNotContains(listing, theirs.prefix)
        self.assertEqual(self.client.get(revoke_url(theirs)).status_code, 404)
        self.assertEqual(self.client.post(revoke_url(theirs)).status_code, 404)
        theirs.refresh_from_db()
        self.assertIsNone(theirs.revoked_at)
        self.assertEqual(self.client.get(revoke_url(mine)).status_code, 200)

    def test_revocation_asks_then_revokes(self):
        made = self.make(self.u.cell)
        self.client.force_login(self.u.cell)
        confirm = self.client.get(revoke_url(made.token))
        self.assertContains(confirm, 'method="post"')
        made.token.refresh_from_db()
        self.assertIsNone(made.token.revoked_at, "a GET revokes nothing")
        response = self.client.post(revoke_url(made.token), follow=True)
        self.assertContains(response, "Đã thu hồi khóa")
        made.token.refresh_from_db()
        self.assertIsNotNone(made.token.revoked_at)
        self.assertContains(response, "Đã thu hồi")
        again = self.client.post(revoke_url(made.token), follow=True)
        self.assertContains(again, "đã bị thu hồi trước đó")

    def test_at_most_so_many_active_tokens(self):
        for n in range(tokens.MAX_ACTIVE):
            self.make(self.u.cell, name=f"Khóa {n}")
        self.client.force_login(self.u.cell)
        response = self.client.post(LIST, {"name": "Một khóa nữa", "scope": "read", "days": 7})
        self.assertContains(response, "số tối đa")
        self.assertEqual(ApiToken.objects.filter(user=self.u.cell).count(), tokens.MAX_ACTIVE)
        tokens.revoke_token(ApiToken.objects.filter(user=self.u.cell).first())
        self.make(self.u.cell, name="Thay khóa đã thu hồi")


class SecondFactorTests(TokenTestCase):
    """Making a token needs a session past the second factor for the roles that must have one."""

    def test_a_session_without_the_second_factor_makes_no_token(self):
        client = DjangoClient()  # Django's own force_login: no second factor passed
        client.force_login(self.u.committee)
        self.assertTrue(mfa.is_required(self.u.committee))
        for response in (
            client.get(LIST),
            client.post(LIST, {"name": "X", "scope": "read", "days": 90}),
        ):
            self.assertEqual(response.status_code, 302)
            # To the second step (a login that has not passed it) or to the login page.
            self.assertTrue(
                response["Location"].startswith(("/tai-khoan/xac-thuc/", "/tai-khoan/dang-nhap/")),
                response["Location"],
            )
        self.assertFalse(ApiToken.objects.exists())

    def test_the_page_itself_refuses_a_session_that_has_not_passed_it(self):
        # Behind MfaMiddleware's back (a session it would have ended): the page checks again.
        request = RequestFactory().post(LIST, {"name": "X", "scope": "read", "days": 90})
        request.user = self.u.committee
        request.session = self.client.session
        with self.assertRaises(PermissionDenied):
            api_tokens(request)
        self.assertFalse(ApiToken.objects.exists())

    def test_after_the_second_factor_the_token_is_made(self):
        client = Client()
        client.force_login(self.u.committee)  # passes the second factor (tests/base.py)
        response = client.post(LIST, {"name": "Ban tổ chức", "scope": "read", "days": 90})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(ApiToken.objects.filter(user=self.u.committee).exists())

    def test_a_role_without_the_requirement_needs_no_second_factor(self):
        client = DjangoClient()
        client.force_login(self.u.cell)
        self.assertFalse(mfa.second_step_needed(self.u.cell))
        client.post(LIST, {"name": "Chi bộ", "scope": "read", "days": 90})
        self.assertTrue(ApiToken.objects.filter(user=self.u.cell).exists())

    def test_an_administrator_s_reset_of_the_second_factor_revokes_the_tokens(self):
        user = self.u.committee
        kept = tokens.create_token(user, name="A", scope=TokenScope.READ, days=90).token
        tokens.revoke_token(
            tokens.create_token(user, name="B", scope=TokenScope.READ, days=90).token
        )
        other = tokens.create_token(self.u.cell, name="C", scope=TokenScope.READ, days=90).token
        mfa.reset(user, actor=self.u.admin)
        kept.refresh_from_db()
        other.refresh_from_db()
        self.assertIsNotNone(kept.revoked_at)
        self.assertIsNone(other.revoked_at)  # nobody else's
        self.assertEqual(
            ApiToken.objects.filter(user=user, revoked_at=None).count(), 0, "every token revoked"
        )


class AuditTests(TokenTestCase):
    def entries(self):
        kind = ContentType.objects.get_for_model(ApiToken)
        return LogEntry.objects.filter(content_type=kind).order_by("pk")

    def test_creation_and_revocation_are_audited_without_the_digest(self):
        self.client.force_login(self.u.cell)
        self.client.post(LIST, {"name": "Báo cáo", "scope": "read", "days": 90})
        token = ApiToken.objects.get()
        self.client.post(revoke_url(token))
        created, revoked = self.entries()
        self.assertEqual(created.action, LogEntry.Action.CREATE)
        self.assertEqual(revoked.action, LogEntry.Action.UPDATE)
        for entry in (created, revoked):
            self.assertEqual(entry.actor, self.u.cell)
            self.assertEqual(entry.additional_data["org_path"], self.o.A1.path)
            self.assertNotIn("digest", entry.changes_dict)
            self.assertNotIn(token.digest, str(entry.changes))
        self.assertEqual(created.changes_dict["name"][1], "Báo cáo")
        self.assertEqual(set(revoked.changes_dict), {"revoked_at"})
        # The committee above reads them in its audit log.
        self.client.force_login(self.u.committee)
        page = self.client.get("/nhat-ky/", {"loai": "accounts.apitoken"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Báo cáo")

    def test_the_last_use_is_not_audited(self):
        made = self.make(self.u.cell)
        before = self.entries().count()
        self.client.get(PROBE, **bearer(made.text))
        self.assertEqual(self.entries().count(), before)


class TokenAuthenticationTests(TokenTestCase):
    def test_a_token_authenticates_as_its_user_with_the_users_scope(self):
        made = self.make(self.u.grassroots, scope=TokenScope.READ_WRITE)
        response = DjangoClient().get(PROBE, **bearer(made.text))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "username": "dangbo_xa",
                "organisation": self.o.A.pk,
                "token": made.token.prefix,
                "can_write": True,
            },
        )

    def test_no_credentials_is_a_401_in_json_never_a_redirect(self):
        response = DjangoClient().get(PROBE)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="api"')

    def test_a_session_with_the_second_factor_pending_is_not_signed_in(self):
        client = DjangoClient()
        login = client.post(
            "/tai-khoan/dang-nhap/", {"username": "bantochuc", "password": PASSWORD}
        )
        self.assertEqual(login.status_code, 302)  # to the second step
        self.assertIn(mfa.PENDING, client.session)
        response = client.get(PROBE)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["Content-Type"], "application/json")

    def test_a_signed_in_session_that_has_not_passed_the_second_factor_is_refused(self):
        client = DjangoClient()
        client.force_login(self.u.committee)  # no second factor passed
        response = client.get(PROBE)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"bantochuc", response.content)

    def test_a_session_past_the_second_factor_reads_and_writes_with_csrf(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.u.committee)
        response = client.get(PROBE)
        self.assertEqual(response.json()["username"], "bantochuc")
        self.assertIsNone(response.json()["can_write"])
        self.assertEqual(client.post(PROBE).status_code, 403, "no CSRF token")
        client.get(LIST)  # sets the CSRF cookie
        csrf = client.cookies["csrftoken"].value
        self.assertEqual(client.post(PROBE, HTTP_X_CSRFTOKEN=csrf).status_code, 201)

    def test_a_token_writes_without_csrf_and_the_audit_log_names_its_user(self):
        made = self.make(self.u.cell, scope=TokenScope.READ_WRITE)
        client = DjangoClient(enforce_csrf_checks=True)
        response = client.post(PROBE, **bearer(made.text))
        self.assertEqual(response.status_code, 201)
        entry = LogEntry.objects.get_for_object(self.u.cell).latest("pk")
        self.assertEqual(entry.actor, self.u.cell)
        self.assertIn("first_name", entry.changes_dict)

    def test_a_read_only_token_is_refused_a_write(self):
        made = self.make(self.u.cell, scope=TokenScope.READ)
        response = DjangoClient().post(PROBE, **bearer(made.text))
        self.assertEqual(response.status_code, 403)
        self.u.cell.refresh_from_db()
        self.assertNotEqual(self.u.cell.first_name, "Đã ghi qua API")

    def test_a_read_write_token_stops_writing_when_its_user_no_longer_may(self):
        made = self.make(self.u.cell, scope=TokenScope.READ_WRITE)
        self.u.cell.role = "viewer"
        self.u.cell.save()
        self.assertEqual(DjangoClient().post(PROBE, **bearer(made.text)).status_code, 403)

    def assert_refused(self, text: str, message: str) -> None:
        response = DjangoClient().get(PROBE, **bearer(text))
        self.assertEqual(response.status_code, 401)
        self.assertIn(message, response.json()["detail"])

    def test_an_expired_token_is_refused(self):
        made = self.make(self.u.cell)
        ApiToken.objects.filter(pk=made.token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        self.assert_refused(made.text, "đã hết hạn")

    def test_a_revoked_token_is_refused(self):
        made = self.make(self.u.cell)
        self.assertEqual(DjangoClient().get(PROBE, **bearer(made.text)).status_code, 200)
        tokens.revoke_token(made.token)
        self.assert_refused(made.text, "đã bị thu hồi")

    def test_a_token_of_a_deactivated_user_is_refused(self):
        made = self.make(self.u.cell)
        self.u.cell.is_active = False
        self.u.cell.save()
        self.assert_refused(made.text, "đã bị khóa")

    def test_a_wrong_or_malformed_token_is_refused(self):
        made = self.make(self.u.cell)
        wrong_secret = made.text[:-1] + ("A" if made.text[-1] != "A" else "B")
        for text in (wrong_secret, "ptdv_00000000_" + "x" * 43, "khong-phai-khoa", "a" * 500):
            with self.subTest(text=text[:20]):
                self.assert_refused(text, "không hợp lệ")
        response = DjangoClient().get(PROBE, HTTP_AUTHORIZATION="Bearer")
        self.assertEqual(response.status_code, 401)
        self.assertIn("Bearer", response.json()["detail"])

    def test_the_last_use_is_written_at_most_once_a_minute(self):
        made = self.make(self.u.cell)
        client = DjangoClient()
        client.get(PROBE, **bearer(made.text))
        made.token.refresh_from_db()
        first = made.token.last_used_at
        self.assertIsNotNone(first)
        with CaptureQueriesContext(connection) as queries:
            client.get(PROBE, **bearer(made.text))
        self.assertFalse([q for q in queries if q["sql"].startswith("UPDATE")])
        made.token.refresh_from_db()
        self.assertEqual(made.token.last_used_at, first)
        ApiToken.objects.filter(pk=made.token.pk).update(last_used_at=first - timedelta(minutes=2))
        client.get(PROBE, **bearer(made.text))
        made.token.refresh_from_db()
        self.assertGreater(made.token.last_used_at, first)


def rates(read="3/min", write="2/min", anon="2/min"):
    """The API's settings with these rates, and a throttle cache of its own for the test."""
    from django.conf import settings

    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_read": read, "api_write": write, "api_anon": anon},
        },
        CACHES={
            **settings.CACHES,
            "api_throttle": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"ptdv-test-throttle-{timezone.now().timestamp()}",
            },
        },
    )


class ThrottlingTests(TokenTestCase):
    def assert_throttled(self, response) -> None:
        self.assertEqual(response.status_code, 429)
        self.assertGreaterEqual(int(response["Retry-After"]), 1)
        self.assertIn("Quá nhiều yêu cầu", response.json()["detail"])
        self.assertIn("giây", response.json()["detail"])

    def test_reads_past_the_rate_get_a_429_with_retry_after(self):
        made = self.make(self.u.cell)
        with rates(read="3/min"):
            client = DjangoClient()
            for _ in range(3):
                self.assertEqual(client.get(PROBE, **bearer(made.text)).status_code, 200)
            self.assert_throttled(client.get(PROBE, **bearer(made.text)))
            # Another user has a count of their own.
            other = self.make(self.u.grassroots)
            self.assertEqual(client.get(PROBE, **bearer(other.text)).status_code, 200)

    def test_a_users_tokens_and_session_share_one_count(self):
        first, second = self.make(self.u.cell, name="Một"), self.make(self.u.cell, name="Hai")
        with rates(read="3/min"):
            client = Client()
            self.assertEqual(client.get(PROBE, **bearer(first.text)).status_code, 200)
            self.assertEqual(client.get(PROBE, **bearer(second.text)).status_code, 200)
            client.force_login(self.u.cell)
            self.assertEqual(client.get(PROBE).status_code, 200)
            self.assert_throttled(client.get(PROBE))
            self.assert_throttled(DjangoClient().get(PROBE, **bearer(first.text)))

    def test_writes_have_their_own_rate(self):
        made = self.make(self.u.cell, scope=TokenScope.READ_WRITE)
        with rates(read="100/min", write="2/min"):
            client = DjangoClient()
            for _ in range(2):
                self.assertEqual(client.post(PROBE, **bearer(made.text)).status_code, 201)
            self.assert_throttled(client.post(PROBE, **bearer(made.text)))
            self.assertEqual(client.get(PROBE, **bearer(made.text)).status_code, 200)

    def test_anybody_not_signed_in_is_counted_by_address(self):
        with rates(anon="2/min"):
            client = DjangoClient()
            for _ in range(2):
                self.assertEqual(client.get("/api/sonde-mo/").status_code, 200)
            self.assert_throttled(client.get("/api/sonde-mo/"))
            # A forwarded-for header does not make a new client.
            self.assert_throttled(client.get("/api/sonde-mo/", HTTP_X_FORWARDED_FOR="10.9.8.7"))
            other = client.get("/api/sonde-mo/", REMOTE_ADDR="10.0.0.2")
            self.assertEqual(other.status_code, 200)

    def test_the_tests_count_nothing_unless_they_ask(self):
        made = self.make(self.u.cell)
        client = DjangoClient()
        for _ in range(130):
            response = client.get(PROBE, **bearer(made.text))
        self.assertEqual(response.status_code, 200)
