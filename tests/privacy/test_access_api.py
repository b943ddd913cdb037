"""``ptdv.privacy.access.record``: one INSERT per call, masked filters, the entry's organisation,
append-only entries and their pruning."""

from __future__ import annotations

from datetime import timedelta
from unittest import skipUnless

from django.db import connection, transaction
from django.http import QueryDict
from django.test import RequestFactory, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ptdv.masking import mask_grouped_numbers as mask_numbers
from ptdv.privacy.access import Counted, clean_filters, client_address, record
from ptdv.privacy.models import AccessEntry, AccessKind
from tests.base import WorldTestCase, make_person, make_user


class MaskingTests(WorldTestCase):
    def test_identity_numbers_are_masked(self):
        self.assertEqual(mask_numbers("001090123457"), "001******457")
        self.assertEqual(mask_numbers("CCCD 001 090 123 457 ở đây"), "CCCD 001******457 ở đây")
        self.assertEqual(mask_numbers("123456789"), "123***789")  # an old 9-digit CMND
        for written in ("001/090/123/457", "001_090_123_457", "001.090.123.457"):
            self.assertEqual(mask_numbers(written), "001******457", written)
        self.assertEqual(mask_numbers("Nguyễn Văn An 1998"), "Nguyễn Văn An 1998")
        self.assertEqual(mask_numbers("12345678"), "12345678")  # eight digits: no identity

    def test_filters_are_masked_and_bounded(self):
        query = QueryDict(mutable=True)
        query.setlist("stage", ["source", "dossier"])
        query["q"] = "001090123457"
        query["page"] = "3"
        query["empty"] = ""
        query["long"] = "x" * 5000
        cleaned = clean_filters(query)
        self.assertEqual(cleaned["stage"], ["source", "dossier"])
        self.assertEqual(cleaned["q"], "001******457")
        self.assertNotIn("page", cleaned)
        self.assertNotIn("empty", cleaned)
        self.assertEqual(len(cleaned["long"]), 200)
        many = {f"k{i}": "v" for i in range(500)}
        self.assertEqual(len(clean_filters(many)), 40)

    def test_counted(self):
        rows = Counted(iter(range(7)))
        self.assertEqual(sum(1 for _ in rows), 7)
        self.assertEqual(rows.count, 7)


class RecordTests(WorldTestCase):
    def request(self, user, path="/", **extra):
        request = RequestFactory().get(path, **extra)
        request.user = user
        return request

    def test_one_insert_and_nothing_else(self):
        person = make_person(self.o.A1, "Nguyễn Văn Ghi", cccd="001098000111")
        person = type(person).objects.get(pk=person.pk)  # nothing cached on it
        request = self.request(self.u.cell)
        with CaptureQueriesContext(connection) as queries:
            entry = record(request, AccessKind.PERSON, person=person)
        self.assertEqual(len(queries), 1, [q["sql"] for q in queries])
        self.assertTrue(queries[0]["sql"].upper().startswith("INSERT"))
        entry = AccessEntry.objects.get(pk=entry.pk)
        self.assertEqual(
            (entry.user, entry.kind, entry.person, entry.count, entry.organisation),
            (self.u.cell, "person", person, 1, self.o.A1),
        )
        self.assertEqual(entry.remote_addr, "127.0.0.1")

    def test_a_candidacy_names_its_person_and_cell(self):
        candidacy = self.candidacy("Trần Văn Hồ", self.o.A2)
        entry = record(self.request(self.u.grassroots), "candidacy", candidacy=candidacy)
        entry.refresh_from_db()
        self.assertEqual(
            (entry.candidacy, entry.person_id, entry.organisation),
            (candidacy, candidacy.person_id, self.o.A2),
        )

    def test_organisation_by_path_in_the_same_insert(self):
        request = self.request(self.u.committee, "/danh-sach/excel/?q=001090123457")
        with CaptureQueriesContext(connection) as queries:
            entry = record(
                request,
                AccessKind.LIST_EXPORT,
                filters=request.GET,
                count=12,
                org_path=self.o.B.path,
            )
        self.assertEqual(len(queries), 1)
        entry = AccessEntry.objects.get(pk=entry.pk)
        self.assertEqual((entry.organisation, entry.count), (self.o.B, 12))
        self.assertEqual(entry.filters, {"q": "001******457"})

    def test_without_a_record_the_readers_organisation(self):
        entry = record(self.request(self.u.committee), AccessKind.CCCD_SEARCH, count=0)
        self.assertEqual(entry.organisation_id, self.o.D.pk)

    def test_address_as_the_audit_log_takes_it(self):
        forwarded = self.request(self.u.cell, HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
        self.assertEqual(client_address(forwarded), "203.0.113.7")
        self.assertIsNone(client_address(self.request(self.u.cell, HTTP_X_FORWARDED_FOR="bad")))
        entry = record(forwarded, AccessKind.REPORT_EXPORT)
        self.assertEqual(entry.remote_addr, "203.0.113.7")

    def test_unknown_kind_and_anonymous(self):
        with self.assertRaises(ValueError):
            record(self.request(self.u.cell), "nothing")
        request = RequestFactory().get("/")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        self.assertIsNone(record(request, AccessKind.PERSON, person=self.p.mentor))
        self.assertFalse(AccessEntry.objects.exists())


class AppendOnlyTests(WorldTestCase):
    def setUp(self):
        request = RequestFactory().get("/")
        request.user = self.u.cell
        self.entry = record(request, AccessKind.PERSON, person=self.p.mentor)

    def test_entries_are_never_changed_or_deleted(self):
        self.entry.count = 5
        with self.assertRaises(RuntimeError):
            self.entry.save()
        with self.assertRaises(RuntimeError):
            self.entry.delete()
        with self.assertRaises(RuntimeError):
            AccessEntry.objects.all().update(count=5)
        with self.assertRaises(RuntimeError):
            AccessEntry.objects.all().delete()
        self.assertEqual(AccessEntry.objects.get().count, 1)

    def test_pruning_removes_only_older_entries(self):
        old = AccessEntry.objects.create(
            user=self.u.cell, kind="person", at=timezone.now() - timedelta(days=800)
        )
        AccessEntry.objects.create(
            user=self.u.cell, kind="person", at=timezone.now() - timedelta(days=700)
        )
        deleted = AccessEntry.objects.prune(timezone.now() - timedelta(days=730), batch=1)
        self.assertEqual(deleted, 1)
        self.assertFalse(AccessEntry.objects.filter(pk=old.pk).exists())
        self.assertEqual(AccessEntry.objects.count(), 2)


@skipUnless(connection.vendor == "postgresql", "PostgreSQL's asynchronous commit")
class AsynchronousCommitTests(TransactionTestCase):
    """On PostgreSQL an entry written outside any transaction commits without waiting for the
    disk — that statement's transaction only; inside a caller's transaction, or with
    ``PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT``, nothing changes."""

    def setUp(self):
        self.request = RequestFactory().get("/")
        self.request.user = make_user("doc", None, "viewer", installation_wide=True)

    def recorded_sql(self) -> str:
        with CaptureQueriesContext(connection) as queries:
            record(self.request, AccessKind.CCCD_SEARCH, count=0)
        self.assertEqual(len(queries), 1)
        return queries[0]["sql"]

    def synchronous_commit(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    def test_the_entry_alone_commits_asynchronously(self):
        self.assertIn("set_config", self.recorded_sql())
        self.assertEqual(self.synchronous_commit(), "on")  # not left to the session
        entry = AccessEntry.objects.get()
        self.assertEqual((entry.kind, entry.count), (AccessKind.CCCD_SEARCH, 0))

    def test_a_callers_transaction_and_the_setting_keep_waiting(self):
        with transaction.atomic():
            self.assertNotIn("set_config", self.recorded_sql())
        with override_settings(PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT=True):
            self.assertNotIn("set_config", self.recorded_sql())
        self.assertEqual(AccessEntry.objects.count(), 2)
