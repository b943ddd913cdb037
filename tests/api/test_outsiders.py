"""A candidacy transferred in from another branch: the API names nobody outside the reader's
subtree (introducers and mentor of the former cell, the former cell) and gives none of their ids."""

from __future__ import annotations

from unittest import mock

from ptdv.api import views
from ptdv.pipeline.models import Event
from ptdv.rules.stages import Stage, Step
from tests.api.test_api import ApiTestCase

OUTSIDERS = ("Võ Văn Ngoài", "Võ Thị Xa", "Chi bộ thôn Nam")
PERSON = "(người ngoài phạm vi của bạn)"
ORGANISATION = "(tổ chức ngoài phạm vi của bạn)"


class TransferredCandidacyTests(ApiTestCase):
    def setUp(self):
        self.transferred = self.transferred_in()
        self.outsider_ids = {self.p.member_X1.pk, self.p.member_X1b.pk, self.o.X1.pk}

    def assertNamesNoOutsider(self, response):
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        for name in OUTSIDERS:
            self.assertNotIn(name, body)

    def test_events_name_no_outsider_and_carry_none_of_their_ids(self):
        self.login(self.u.cell)
        response = self.client.get(f"/api/ho-so/{self.transferred.pk}/su-kien/")
        self.assertNamesNoOutsider(response)
        rows = response.json()
        letters = [r for r in rows if (r["data"] or {}).get("kind") == "introducer_letter"]
        self.assertEqual(len(letters), 2)
        for row in letters:
            self.assertIsNone(row["data"]["introducer_id"])
            self.assertIn(PERSON, row["description"])
        (transfer,) = [r for r in rows if r["step"] == Step.TRANSFER]
        self.assertIsNone(transfer["data"]["from_cell"])
        self.assertEqual(transfer["data"]["to_cell"], self.o.A1.pk)
        self.assertIn(ORGANISATION, transfer["description"])
        self.assertIn("Chi bộ thôn Đông", transfer["description"])

    def test_the_old_branch_still_sees_its_own_people(self):
        self.login(self.u.admin)  # the whole tree: everybody is in scope
        rows = self.client.get(f"/api/ho-so/{self.transferred.pk}/su-kien/").json()
        ids = {r["data"].get("introducer_id") for r in rows if r["data"]}
        self.assertIn(self.p.member_X1.pk, ids)
        body = str(rows)
        self.assertIn("Võ Văn Ngoài", body)
        self.assertIn("Chi bộ thôn Nam", body)

    def test_detail_findings_name_no_outsider(self):
        self.login(self.u.admin)  # who sees the introducers reads their names in the findings
        self.assertIn(
            "Võ Văn Ngoài", self.client.get(f"/api/ho-so/{self.transferred.pk}/").content.decode()
        )
        self.login(self.u.cell)
        response = self.client.get(f"/api/ho-so/{self.transferred.pk}/")
        self.assertNamesNoOutsider(response)
        self.assertIn(PERSON, response.content.decode())

    def test_mentoring_gives_no_outsider_name_or_id(self):
        self.login(self.u.cell)
        response = self.client.get(f"/api/giup-do/?candidacy={self.transferred.pk}")
        self.assertNamesNoOutsider(response)
        (row,) = response.json()["results"]
        self.assertIsNone(row["mentor"])
        self.assertIsNone(row["mentor_name"])
        # A mentor in the reader's subtree is named as before.
        self.login(self.u.admin)
        (row,) = self.client.get(f"/api/giup-do/?candidacy={self.transferred.pk}").json()["results"]
        self.assertEqual(row["mentor"], self.p.member_X1b.pk)
        self.assertEqual(row["mentor_name"], "Võ Thị Xa")


class EventCapTests(ApiTestCase):
    def test_the_events_of_one_candidacy_are_capped(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        self.assertGreater(Event.objects.filter(candidacy=candidacy).count(), 3)
        self.login(self.u.cell)
        self.assertEqual(views.MAX_EVENTS, 500)
        with mock.patch.object(views, "MAX_EVENTS", 3):
            rows = self.client.get(f"/api/ho-so/{candidacy.pk}/su-kien/").json()
        self.assertEqual([r["seq"] for r in rows], [1, 2, 3])  # the first, in their order
