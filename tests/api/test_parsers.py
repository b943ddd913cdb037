"""The API's JSON parser (ptdv/api/parsers.py): bounded in bytes (413) and in depth (400), in
the API's JSON, never a 500."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from ptdv.api.parsers import MAX_DEPTH, too_deep
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage
from tests.api.test_api import ApiTestCase


class DepthScanTests(SimpleTestCase):
    def test_depth_is_counted_outside_strings_only(self):
        self.assertFalse(too_deep(b'{"a": [[1], {"b": [2]}]}'))
        self.assertFalse(too_deep(b'{"a": "' + b"[" * 1000 + b'"}'))
        self.assertFalse(too_deep(b'{"a": "\\"' + b"[" * 1000 + b'"}'))
        self.assertTrue(too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)))
        self.assertFalse(too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH))
        self.assertFalse(too_deep(b"[[]]" * 10000))  # many brackets, shallow

    def test_the_scan_is_linear_on_unterminated_strings(self):
        body = b'"\\' * 100_000 + b"[" * 40
        started = time.monotonic()
        too_deep(body)
        self.assertLess(time.monotonic() - started, 2)


class ParserTests(ApiTestCase):
    def setUp(self):
        self.login(self.u.cell)
        self.url = f"/api/ho-so/{self.made.A1.pk}/ghi-buoc/"

    def send(self, body: str):
        return self.client.post(self.url, body, content_type="application/json")

    def test_a_deeply_nested_body_is_a_400_without_a_traceback(self):
        body = '{"a":' + "[" * 200000 + "]" * 200000 + "}"  # 400 KB
        with (
            override_settings(PTDV_API_MAX_BODY_BYTES=1024 * 1024),
            self.assertNoLogs("django", level="ERROR"),
        ):
            response = self.send(body)
        self.assertEqual(response.status_code, 400)
        line = response.json()["loi"][0]
        self.assertEqual(line["ma"], "khong_hop_le")
        self.assertIsNone(line["can_cu"])
        # Under the default limit the same body is refused for its size.
        with self.assertNoLogs("django", level="ERROR"):
            response = self.send(body)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(Candidacy.objects.get(pk=self.made.A1.pk).events.count(), 2)

    def test_nesting_just_past_the_limit_is_a_400(self):
        deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
        response = self.send('{"step": "awareness_class", "x": ' + deep + "}")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["loi"][0]["ma"], "khong_hop_le")
        # The parser's own reason, not the general one.
        self.assertIn("lồng nhau quá", response.json()["loi"][0]["thong_bao"])

    def test_an_oversized_body_is_a_413_saying_the_limit(self):
        body = '{"step": "awareness_class", "note": "' + "x" * (300 * 1024) + '"}'
        with self.assertNoLogs("django", level="ERROR"):
            response = self.send(body)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(
            response.json(),
            {
                "loi": [
                    {
                        "ma": "khong_hop_le",
                        "thong_bao": "Dữ liệu JSON gửi lên lớn quá 256 KB, giới hạn của API: hãy "
                        "gửi ít dữ liệu hơn trong mỗi yêu cầu.",
                        "can_cu": None,
                        "truong": None,
                    }
                ]
            },
        )

    def test_a_body_past_djangos_own_limit_is_the_same_413(self):
        """Above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (below the request guard's import limit):
        refused on its declared length, not by Django's reading of the body."""
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
        with self.assertNoLogs("django", level="ERROR"):
            response = self.send('{"a": "' + "x" * size + '"}')
        self.assertEqual(response.status_code, 413)
        self.assertIn("256 KB", response.json()["loi"][0]["thong_bao"])

    @override_settings(PTDV_API_MAX_BODY_BYTES=2048)
    def test_the_limit_is_a_setting(self):
        response = self.send('{"step": "awareness_class", "note": "' + "x" * 2048 + '"}')
        self.assertEqual(response.status_code, 413)
        self.assertIn("2 KB", response.json()["loi"][0]["thong_bao"])

    def test_a_normal_write_still_works(self):
        candidacy = Candidacy.objects.get(pk=self.made.A1.pk)
        response = self.send(
            '{"step": "awareness_class", "date": "15/11/2024", '
            f'"version": {candidacy.version}, "certificate_number": "12/GCN"}}'
        )
        self.assertEqual(response.status_code, 201, response.content)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.AWARENESS_TRAINED)
        self.assertEqual(self.send("[1, 2]").status_code, 400)  # not an object, as before

    def test_the_schema_still_says_json(self):
        schema = self.client.get("/api/schema/?format=json").json()
        step = next(
            operation["post"]
            for path, operation in schema["paths"].items()
            if path.endswith("/ghi-buoc/")
        )
        self.assertIn("application/json", step["requestBody"]["content"])
