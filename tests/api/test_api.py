"""The REST API (ptdv/api): scope, roles, writes through the services, errors, filters, pages,
query counts, the schema and its documentation page."""

from __future__ import annotations

import tempfile
from datetime import date
from types import SimpleNamespace

from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from ptdv.accounts.models import Role
from ptdv.masking import mask_cccd
from ptdv.pipeline import services
from ptdv.pipeline.history import History
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.privacy.models import AccessEntry
from ptdv.reports import stored
from ptdv.rules.checks import evaluate
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Stage, Step
from tests.base import (
    CELL_ON,
    PAPERS_ON,
    SYMPATHISER_ON,
    VOTE_PASS,
    WorldTestCase,
    cccd_for,
    make_user,
    populate,
)

#: Every list of the API.
LISTS = ["to-chuc", "dia-ban", "nguoi", "ho-so", "giup-do", "chi-tieu", "nhap-du-lieu"]
#: The lists of individuals' records (closed to the data protection officer).
RECORDS = {"nguoi", "ho-so", "giup-do", "nhap-du-lieu"}


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


class ApiTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)
        cls.u.privacy = make_user("baove", cls.o.D, Role.PRIVACY)

    def login(self, user) -> None:
        self.client.force_login(user)

    def post(self, url: str, data: dict):
        return self.client.post(url, data, content_type="application/json")


class ScopeTests(ApiTestCase):
    def test_anonymous_gets_nothing(self):
        for name in LISTS:
            response = self.client.get(f"/api/{name}/")
            self.assertIn(response.status_code, (401, 403), name)

    def test_lists_hold_the_subtree_only(self):
        self.login(self.u.committee)  # district D: A1, A2, AP1, B1, G — not X1
        inside = {self.made.A1.pk, self.made.B1.pk, self.made.G.pk}
        shown = ids(self.client.get("/api/ho-so/"))
        self.assertTrue(inside <= shown)
        self.assertNotIn(self.made.X1.pk, shown)
        people = ids(self.client.get("/api/nguoi/?limit=200"))
        self.assertIn(self.p.member_B1.pk, people)
        self.assertNotIn(self.p.member_X1.pk, people)
        units = ids(self.client.get("/api/to-chuc/"))
        self.assertEqual(units, {o.pk for o in (self.o.D, self.o.A, self.o.A1, self.o.A2,
                                                self.o.AP, self.o.AP1, self.o.B, self.o.B1,
                                                self.o.G)})  # fmt: skip
        mentoring = ids(self.client.get("/api/giup-do/"))
        self.assertNotIn(self.made.X1.mentors.get().pk, mentoring)
        targets = {
            row["organisation"] for row in self.client.get("/api/chi-tieu/").json()["results"]
        }
        self.assertNotIn(self.o.X1.pk, targets)
        self.assertIn(self.o.A1.pk, targets)

    def test_a_filter_on_an_id_outside_is_a_filter_on_nothing(self):
        self.login(self.u.committee)
        x = self.made.X1
        for url in (
            f"/api/dia-ban/?organisation={self.o.X.pk}",
            f"/api/nguoi/?cell={self.o.X1.pk}",
            f"/api/giup-do/?candidacy={x.pk}",
            f"/api/chi-tieu/?organisation={self.o.X1.pk}",
            f"/api/nhap-du-lieu/?organisation={self.o.X.pk}",
        ):
            outside = self.client.get(url)
            missing = self.client.get(url.rsplit("=", 1)[0] + "=98765432")
            self.assertEqual((outside.status_code, outside.json()), (200, missing.json()), url)
            self.assertEqual(outside.json()["results"], [], url)
        shown = ids(self.client.get(f"/api/dia-ban/?organisation={self.o.A.pk}"))
        self.assertEqual(shown, {self.world.places.dong.pk, self.world.places.tay.pk})

    def test_the_cell_sees_its_own_cell(self):
        self.login(self.u.cell)
        self.assertEqual(ids(self.client.get("/api/ho-so/")), {self.made.A1.pk})

    def test_outsiders_get_404_on_every_detail(self):
        self.login(self.u.outsider)  # district E
        assignment = self.made.A1.mentors.get()
        for url in (
            f"/api/ho-so/{self.made.A1.pk}/",
            f"/api/ho-so/{self.made.A1.pk}/su-kien/",
            f"/api/nguoi/{self.made.A1.person_id}/",
            f"/api/to-chuc/{self.o.A1.pk}/",
            f"/api/dia-ban/{self.world.places.dong.pk}/",
            f"/api/giup-do/{assignment.pk}/",
            f"/api/giup-do/{assignment.pk}/bao-cao/",
            f"/api/chi-tieu/{self.o.A1.targets.get().pk}/",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        # … as for an id of nothing.
        self.assertEqual(self.client.get("/api/ho-so/98765432/").status_code, 404)

    def test_every_detail_by_every_role(self):
        candidacy, assignment = self.made.A1, self.made.A1.mentors.get()
        records = [
            f"/api/ho-so/{candidacy.pk}/",
            f"/api/ho-so/{candidacy.pk}/su-kien/",
            f"/api/nguoi/{candidacy.person_id}/",
            f"/api/giup-do/{assignment.pk}/",
            f"/api/giup-do/{assignment.pk}/bao-cao/",
        ]
        others = [
            f"/api/to-chuc/{self.o.A1.pk}/",
            f"/api/dia-ban/{self.world.places.dong.pk}/",
            f"/api/chi-tieu/{self.o.A1.targets.get().pk}/",
        ]
        for role in ("cell", "grassroots", "committee", "viewer", "admin", "outsider", "privacy"):
            self.login(getattr(self.u, role))
            for url in records + others:
                expected = 200
                if role == "outsider" or (role == "cell" and "/dia-ban/" in url):
                    expected = 404  # the place is managed by the grassroots committee A
                elif role == "privacy" and url in records:
                    expected = 403
                with self.subTest(role=role, url=url):
                    self.assertEqual(self.client.get(url).status_code, expected)

    def test_the_organisation_tree_names_parents_within_the_scope(self):
        self.login(self.u.committee)
        rows = {r["id"]: r for r in self.client.get("/api/to-chuc/").json()["results"]}
        self.assertIsNone(rows[self.o.D.pk]["parent"])  # its parent P is outside the scope
        self.assertEqual(rows[self.o.A1.pk]["parent"], self.o.A.pk)
        children = ids(self.client.get(f"/api/to-chuc/?parent={self.o.A.pk}"))
        self.assertEqual(children, {self.o.A1.pk, self.o.A2.pk, self.o.AP.pk})

    def test_the_officer_reads_no_individuals_records(self):
        self.login(self.u.privacy)
        for name in LISTS:
            expected = 403 if name in RECORDS else 200
            self.assertEqual(self.client.get(f"/api/{name}/").status_code, expected, name)
        self.assertEqual(self.client.get(f"/api/ho-so/{self.made.A1.pk}/").status_code, 403)

    def test_the_viewer_reads(self):
        self.login(self.u.viewer)
        for name in LISTS:
            self.assertEqual(self.client.get(f"/api/{name}/").status_code, 200, name)


class PeopleTests(ApiTestCase):
    def test_cccd_masked_sensitive_items_by_role_and_reads_logged(self):
        person = self.made.A1.person
        person.cccd = cccd_for(person.birth_date, person.sex)
        person.ethnicity = "02"
        person.save()
        self.login(self.u.viewer)  # sees nothing sensitive
        before = AccessEntry.objects.count()
        row = self.client.get(f"/api/nguoi/{person.pk}/").json()
        self.assertEqual(row["cccd"], mask_cccd(person.cccd))
        self.assertNotIn(person.cccd, str(row))
        self.assertIsNone(row["ethnicity"])
        entry = AccessEntry.objects.order_by("-pk").first()
        self.assertEqual(AccessEntry.objects.count(), before + 1)
        self.assertEqual((entry.kind, entry.person_id), ("person", person.pk))
        self.assertEqual(self.post(f"/api/nguoi/{person.pk}/so-cccd/", {}).status_code, 403)
        self.login(self.u.cell)
        row = self.client.get(f"/api/nguoi/{person.pk}/").json()
        self.assertEqual((row["cccd"], row["ethnicity"]), (mask_cccd(person.cccd), "02"))
        revealed = self.post(f"/api/nguoi/{person.pk}/so-cccd/", {})
        self.assertEqual(revealed.json(), {"cccd": person.cccd})
        self.assertEqual(AccessEntry.objects.order_by("-pk").first().kind, "cccd_reveal")
        listed = self.client.get("/api/nguoi/?limit=200").json()["results"]
        self.assertNotIn(person.cccd, str(listed))


class CandidacyReadTests(ApiTestCase):
    def test_detail_has_the_pages_findings_and_deadlines_and_is_logged(self):
        self.login(self.u.cell)
        candidacy = self.made.A1
        response = self.client.get(f"/api/ho-so/{candidacy.pk}/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["stage"], Stage.SYMPATHISER)
        self.assertEqual(body["next_step"], Step.AWARENESS_CLASS)
        history = History.of(Candidacy.objects.get(pk=candidacy.pk))
        evaluation = evaluate(history.facts_for(history.state), history.calendar, date.today())
        self.assertEqual(
            [d["ma"] for d in body["deadlines"]],
            [d.code for d in sorted(evaluation.deadlines, key=lambda d: d.due)],
        )
        self.assertEqual([f["ma"] for f in body["findings"] + body["blockers"]],
                         [f.code for f in evaluation.findings if f not in evaluation.blockers]
                         + [f.code for f in evaluation.blockers])  # fmt: skip
        self.assertTrue(all(f["can_cu"] for f in body["findings"]))
        next_due = Candidacy.objects.get(pk=candidacy.pk).next_due
        self.assertEqual(body["next_due"], next_due.isoformat() if next_due else None)
        entry = AccessEntry.objects.order_by("-pk").first()
        self.assertEqual((entry.kind, entry.candidacy_id), ("candidacy", candidacy.pk))

    def test_events_with_the_pages_descriptions(self):
        self.login(self.u.cell)
        events = self.client.get(f"/api/ho-so/{self.made.A1.pk}/su-kien/").json()
        self.assertEqual([e["step"] for e in events], [Step.SOURCE, Step.SYMPATHISER])
        self.assertFalse(any(e["voided"] for e in events))

    def test_filters_are_the_pages(self):
        self.login(self.u.committee)
        services.record_step(self.made.B1, Step.AWARENESS_CLASS, date(2024, 11, 15),
                             data={"certificate_date": "2024-11-15"})  # fmt: skip
        shown = ids(self.client.get("/api/ho-so/?stage=awareness_trained"))
        self.assertEqual(shown, {self.made.B1.pk})
        shown = ids(self.client.get(f"/api/ho-so/?organisation={self.o.A.pk}"))
        self.assertEqual(shown, {self.made.A1.pk, self.made.A2.pk, self.made.AP1.pk})

    def test_an_invalid_filter_is_a_400_with_its_message(self):
        self.login(self.u.committee)
        response = self.client.get(f"/api/ho-so/?organisation={self.o.X1.pk}")
        self.assertEqual(response.status_code, 400)
        line = response.json()["loi"][0]
        self.assertEqual((line["ma"], line["truong"]), ("khong_hop_le", "organisation"))
        self.assertNotIn(self.o.X1.name, response.content.decode())

    def test_pages_follow_the_cursor_without_overlap(self):
        self.login(self.u.committee)
        seen, url, pages = [], "/api/ho-so/?limit=2", 0
        while url:
            body = self.client.get(url).json()
            seen += [row["id"] for row in body["results"]]
            url, pages = body["next"], pages + 1
            self.assertLessEqual(pages, 10)
        expected = list(
            Candidacy.objects.visible_to(self.u.committee)
            .filter(closed_on__isnull=True)
            .order_by("person__sort_key", "id")
            .values_list("id", flat=True)
        )
        self.assertEqual(seen, expected)
        self.assertEqual(pages, 3)  # 5 candidacies, 2 a page

    def test_a_filters_error_and_a_body_that_is_not_an_object(self):
        self.login(self.u.committee)
        response = self.client.get("/api/to-chuc/?kind=khong-co")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["loi"][0]["truong"], "kind")
        url = f"/api/ho-so/{self.made.A1.pk}/ghi-buoc/"
        for body in ("[1, 2]", "{không phải JSON"):
            response = self.client.post(url, body, content_type="application/json")
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["loi"][0]["ma"], "khong_hop_le")

    def test_pages_in_a_sort_with_empty_values(self):
        self.login(self.u.committee)
        seen, url = [], "/api/ho-so/?sort=due&include_closed=on&limit=2"
        while url:
            body = self.client.get(url).json()
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        every = ids(self.client.get("/api/ho-so/?sort=due&include_closed=on&limit=200"))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(set(seen), every)

    def test_a_detail_costs_the_same_whatever_its_history(self):
        self.login(self.u.cell)
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)  # the introducers' letters

        def more():
            self.advance(candidacy, Stage.PROBATIONARY)

        for url in (f"/api/ho-so/{candidacy.pk}/su-kien/", f"/api/ho-so/{candidacy.pk}/"):
            with self.subTest(url=url):
                self.client.get(url)  # the session's first request after the login writes it
                self.assert_queries_do_not_grow(more, url)

    def test_numbers_the_database_cannot_compare_are_a_400(self):
        self.login(self.u.committee)
        huge = "99999999999999999999999"
        for url in (
            f"/api/nguoi/?cell={huge}",
            f"/api/to-chuc/?parent={huge}",
            f"/api/ho-so/?organisation={huge}",
            "/api/nguoi/?cell=1.5",
            "/api/giup-do/?mentor=-1",
            "/api/chi-tieu/?first_year=1e400",
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 400, url)
            self.assertEqual(response.json()["loi"][0]["ma"], "khong_hop_le", url)
        response = self.post(
            f"/api/ho-so/{self.made.A1.pk}/ghi-buoc/",
            {"step": "transfer", "date": "2024-12-01", "version": int(huge), "to_cell": int(huge)},
        )
        self.assertEqual(response.json()["loi"][0]["truong"], "to_cell")

    def test_page_size_is_bounded(self):
        self.login(self.u.committee)
        response = self.client.get("/api/to-chuc/?limit=100000")
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(response.json()["results"]), 200)

    def test_query_counts_are_fixed_per_page(self):
        self.login(self.u.committee)

        def more():
            for n in range(6):
                self.candidacy(f"Người Thứ {n}", cell=self.o.B1)

        for url in ("/api/ho-so/", "/api/nguoi/", "/api/giup-do/", "/api/to-chuc/"):
            with self.subTest(url=url):
                self.assert_queries_do_not_grow(more, url)
        # The session, the user (with their second factor's device), one statement for the
        # page; a next page reads its cursor row's sort columns first.
        self.client.get("/api/ho-so/")  # the session's first request after the login writes it
        for url, queries in (
            ("/api/ho-so/", 3),
            ("/api/ho-so/?stage=sympathiser&sex=M&sort=due", 3),
            (f"/api/ho-so/?limit=1&after={self.made.A1.pk}", 4),
            ("/api/nguoi/", 3),
            ("/api/to-chuc/", 3),
            ("/api/giup-do/", 3),
            ("/api/chi-tieu/", 3),
            ("/api/nhap-du-lieu/", 3),
        ):
            with self.subTest(url=url), self.assertNumQueries(queries):
                self.assertEqual(self.client.get(url).status_code, 200)


class WriteTests(ApiTestCase):
    def test_read_only_users_and_tokens_get_403_outsiders_404(self):
        candidacy = self.made.A1
        url = f"/api/ho-so/{candidacy.pk}/ghi-buoc/"
        payload = {"step": "awareness_class", "date": "2024-11-15", "version": candidacy.version}
        self.login(self.u.viewer)
        self.assertEqual(self.post(url, payload).status_code, 403)
        self.login(self.u.outsider)
        self.assertEqual(self.post(url, payload).status_code, 404)
        client = APIClient()
        client.force_authenticate(self.u.cell, token=SimpleNamespace(can_write=False))
        self.assertEqual(client.post(url, payload, format="json").status_code, 403)
        self.assertEqual(client.get(f"/api/ho-so/{candidacy.pk}/").status_code, 200)
        self.assertEqual(candidacy.events.count(), 2)

    def test_a_read_only_token_writes_nothing_anywhere(self):
        client = APIClient()
        client.force_authenticate(self.u.cell, token=SimpleNamespace(can_write=False))
        candidacy, assignment = self.made.A1, self.made.A1.mentors.get()
        for url in (
            f"/api/ho-so/{candidacy.pk}/ghi-buoc/",
            f"/api/ho-so/{candidacy.pk}/dinh-chinh/",
            f"/api/ho-so/{candidacy.pk}/giup-do/",
            f"/api/nguoi/{candidacy.person_id}/mo-ho-so/",
            f"/api/giup-do/{assignment.pk}/bao-cao/",
        ):
            self.assertEqual(client.post(url, {}, format="json").status_code, 403, url)

    def test_every_write_by_every_role(self):
        """An empty body: writers inside get the form's errors (400), the read-only user and the
        officer 403, the outsider 404 — nothing is written."""
        candidacy, assignment = self.made.A1, self.made.A1.mentors.get()
        urls = [
            f"/api/ho-so/{candidacy.pk}/ghi-buoc/",
            f"/api/ho-so/{candidacy.pk}/dinh-chinh/",
            f"/api/ho-so/{candidacy.pk}/giup-do/",
            f"/api/nguoi/{candidacy.person_id}/mo-ho-so/",
            f"/api/giup-do/{assignment.pk}/bao-cao/",
        ]
        expected = {"cell": 400, "grassroots": 400, "committee": 400, "admin": 400,
                    "viewer": 403, "privacy": 403, "outsider": 404}  # fmt: skip
        events = Event.objects.count()
        for role, status in expected.items():
            self.login(getattr(self.u, role))
            for url in urls:
                with self.subTest(role=role, url=url):
                    self.assertEqual(self.post(url, {}).status_code, status)
        self.assertEqual(Event.objects.count(), events)

    def test_a_step_through_the_step_form(self):
        self.login(self.u.cell)
        candidacy = Candidacy.objects.get(pk=self.made.A1.pk)
        response = self.post(
            f"/api/ho-so/{candidacy.pk}/ghi-buoc/",
            {"step": "awareness_class", "date": "15/11/2024", "version": candidacy.version,
             "certificate_number": "12/GCN"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["data"]["certificate_number"], "12/GCN")
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.AWARENESS_TRAINED)

    def test_a_form_error_names_the_field(self):
        self.login(self.u.cell)
        candidacy = self.made.A1
        response = self.post(
            f"/api/ho-so/{candidacy.pk}/ghi-buoc/",
            {"step": "awareness_class", "date": "31/02/2024", "version": 1},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["loi"][0],
            {"ma": "khong_hop_le", "truong": "date", "can_cu": None,
             "thong_bao": "Không phải một ngày có thật: hãy viết ngày/tháng/năm, ví dụ "
                          "05/03/2026."},
        )  # fmt: skip
        self.assertEqual(self.post(f"/api/ho-so/{candidacy.pk}/ghi-buoc/", {"step": "x"})
                         .json()["loi"][0]["truong"], "step")  # fmt: skip

    def test_a_refusal_of_the_rules_says_what_the_page_says(self):
        self.login(self.u.cell)
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        services.record_step(candidacy, Step.DOSSIER_PAPER, PAPERS_ON, data={"kind": "application"})
        candidacy.refresh_from_db()
        before = Event.objects.count()
        response = self.post(
            f"/api/ho-so/{candidacy.pk}/ghi-buoc/",
            {"step": "cell_resolution", "date": CELL_ON.isoformat(), "version": candidacy.version,
             "number": "77-NQ/CB", **VOTE_PASS},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Event.objects.count(), before)
        cite = rule_set_for(CELL_ON).cite("dossier_papers_valid_months")
        lines = response.json()["loi"]
        page_line = f"Hồ sơ còn thiếu: Lý lịch của người xin vào Đảng. — {cite}"
        self.assertIn(page_line, [line["thong_bao"] for line in lines])
        self.assertTrue(all(line["can_cu"] for line in lines))
        # The page says the same.
        page = self.client.post(
            f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc=cell_resolution",
            {"date": CELL_ON.isoformat(), "version": candidacy.version, "number": "77-NQ/CB",
             **VOTE_PASS},
        )  # fmt: skip
        for line in lines:
            self.assertContains(page, line["thong_bao"])

    def test_an_out_of_order_step_and_a_concurrent_change(self):
        self.login(self.u.cell)
        candidacy = Candidacy.objects.get(pk=self.made.A1.pk)
        url = f"/api/ho-so/{candidacy.pk}/ghi-buoc/"
        response = self.post(url, {"step": "ceremony", "date": "2024-12-01",
                                   "version": candidacy.version})  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["loi"][0]["thong_bao"],
            "Không thể ghi bước “Tổ chức lễ kết nạp” khi hồ sơ đang ở giai đoạn “Quần chúng ưu tú "
            "(cảm tình Đảng)”.",
        )
        stale = self.post(url, {"step": "awareness_class", "date": "2024-11-15",
                                "version": candidacy.version - 1})  # fmt: skip
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["loi"][0]["ma"], "thay_doi_dong_thoi")

    def test_a_correction(self):
        self.login(self.u.cell)
        candidacy = Candidacy.objects.get(pk=self.made.A1.pk)
        last = candidacy.events.get(step=Step.SYMPATHISER)
        url = f"/api/ho-so/{candidacy.pk}/dinh-chinh/"
        missing = self.post(url, {"event": last.pk, "reason": " ", "version": candidacy.version})
        self.assertEqual(missing.json()["loi"][0]["thong_bao"], "Cần ghi lý do đính chính.")
        response = self.post(url, {"event": last.pk, "reason": "Ghi nhầm ngày.",
                                   "version": candidacy.version})  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.SOURCE)
        other = self.made.B1.events.first()
        self.assertEqual(
            self.post(url, {"event": other.pk, "reason": "x", "version": 1}).status_code, 400
        )

    def test_a_mentor_and_a_report(self):
        self.login(self.u.cell)
        candidacy = self.made.A1
        response = self.post(f"/api/ho-so/{candidacy.pk}/giup-do/",
                             {"mentor": self.p.mentor2.pk, "start": "2024-12-01",
                              "reason": "Chuyển công tác"})  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        assignment = MentorAssignment.objects.get(pk=response.json()["id"])
        self.assertEqual(assignment.mentor, self.p.mentor2)
        refused = self.post(f"/api/ho-so/{candidacy.pk}/giup-do/",
                            {"mentor": self.p.probationary.pk, "start": "2024-12-02"})  # fmt: skip
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["loi"][0]["truong"], "mentor")
        url = f"/api/giup-do/{assignment.pk}/bao-cao/"
        filed = self.post(url, {"period": "month", "period_start": "2024-12-05",
                                "assessment": "good", "text": "Tiến bộ."})  # fmt: skip
        self.assertEqual(filed.status_code, 201, filed.content)
        self.assertEqual(filed.json()["period_start"], "2024-12-01")
        again = self.post(url, {"period": "month", "period_start": "2024-12-20",
                                "assessment": "good", "text": "Lần nữa."})  # fmt: skip
        self.assertEqual(again.json()["loi"][0]["thong_bao"], "Đã có báo cáo cho kỳ này.")
        self.assertEqual(len(self.client.get(url).json()), 1)
        entry = AccessEntry.objects.order_by("-pk").first()  # the reports read: the read log
        self.assertEqual((entry.kind, entry.candidacy_id), ("candidacy", candidacy.pk))
        self.login(self.u.viewer)
        self.assertEqual(self.post(url, {"period": "month"}).status_code, 403)
        self.assertEqual(MentorReport.objects.filter(assignment=assignment).count(), 1)

    def test_open_a_candidacy(self):
        self.login(self.u.cell)
        candidacy = self.made.A1
        services.record_step(candidacy, Step.WITHDRAWN, SYMPATHISER_ON, reason="Xin rút.")
        url = f"/api/nguoi/{candidacy.person_id}/mo-ho-so/"
        response = self.post(url, {"opened_on": "2025-01-10", "cell": self.o.A1.pk})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["attempt"], 2)
        again = self.post(url, {"opened_on": "2025-01-11", "cell": self.o.A1.pk})
        self.assertEqual(again.status_code, 400)
        self.assertIn("đang có hồ sơ chưa kết thúc", again.json()["loi"][0]["thong_bao"])
        self.login(self.u.outsider)
        self.assertEqual(self.post(url, {}).status_code, 404)


class ReportTests(ApiTestCase):
    def test_the_same_figures_as_the_page(self):
        self.login(self.u.committee)
        query = f"?to_chuc={self.o.D.pk}&tu_ngay=2024-01-01&den_ngay=2024-12-31"
        response = self.client.get(f"/api/bao-cao/hoat-dong/{query}")
        self.assertEqual(response.status_code, 200, response.content)
        report = stored.build("activity", self.o.D, start=date(2024, 1, 1),
                              end=date(2024, 12, 31), today=date.today())  # fmt: skip
        body = response.json()
        self.assertEqual(body["to_chuc"], self.o.D.pk)
        self.assertEqual(
            [r["nhan"] for r in body["bang"][0]["dong"]], [r.label for r in report.tables[0].rows]
        )
        values = [c["gia_tri"] for r in body["bang"][0]["dong"] for c in r["o"]]
        self.assertEqual(values, [c.value for r in report.tables[0].rows for c in r.cells])

    def test_the_report_forms_validation(self):
        self.login(self.u.committee)
        response = self.client.get("/api/bao-cao/hoat-dong/?tu_ngay=2024-12-31&den_ngay=2024-01-01")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["loi"][0]["truong"], "den_ngay")
        outside = self.client.get(f"/api/bao-cao/dang-vien/?to_chuc={self.o.X.pk}")
        self.assertEqual(outside.status_code, 400)
        self.assertEqual(outside.json()["loi"][0]["truong"], "to_chuc")


class SchemaTests(ApiTestCase):
    def test_the_schema_is_valid(self):
        # As `manage.py spectacular --validate --fail-on-warn`: no warning, a valid document.
        with tempfile.NamedTemporaryFile(suffix=".yaml") as out:
            call_command("spectacular", validate=True, fail_on_warn=True, file=out.name)
        schema = SchemaGenerator().get_schema(request=None, public=True)
        validate_schema(schema)
        step = schema["paths"]["/api/ho-so/{id}/ghi-buoc/"]["post"]
        self.assertEqual(step["summary"], "Ghi một bước")
        self.assertTrue({"201", "400", "401", "403", "404", "409"} <= set(step["responses"]))
        self.assertIn("/api/ho-so/{id}/ghi-buoc/", schema["paths"])
        self.assertEqual(self.client.get("/api/schema/").status_code, 200)

    def test_the_documentation_page_works_under_the_csp(self):
        self.login(self.u.viewer)
        page = self.client.get("/api/tai-lieu/")
        self.assertEqual(page.status_code, 200)
        policy = page["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        html = page.content.decode()
        self.assertIn("swagger-ui-bundle.js", html)
        self.assertNotIn("cdn", html.lower())
        self.assertNotIn("<script>", html)  # no inline script: the start-up script is a file
        script = self.client.get("/api/tai-lieu/?script")
        self.assertEqual(script.status_code, 200)
        self.assertIn("javascript", script["Content-Type"])
        self.assertIn("/api/schema/", script.content.decode())
        self.client.logout()
        self.assertEqual(self.client.get("/api/tai-lieu/").status_code, 302)
