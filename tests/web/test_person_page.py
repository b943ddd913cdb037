"""The person page: identity, membership, candidacies, mentees, scope, constant query count."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import NoReverseMatch, reverse

from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import STAGE_LABELS, Stage, Step
from tests.base import SOURCE_ON, SYMPATHISER_ON, WorldTestCase, make_person, populate


def url(person) -> str:
    return f"/nguoi/{person.pk}/"


class PersonPageTests(WorldTestCase):
    def test_identity_and_membership(self):
        person = make_person(
            self.o.A1, "Trần Thị Mai", date(1999, 3, 4), sex="F", cccd="001199000777",
            occupation="Giáo viên", address="Số 5, thôn Đông", residence=self.world.places.dong,
            youth_union_member=True, ethnicity="02", religion="buddhism",
        )  # fmt: skip
        self.client.force_login(self.u.cell)
        response = self.client.get(url(person))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/people/person.html")
        for text in ("<h1 class=\"mb-1\">Trần Thị Mai</h1>", "04/03/1999", "Nữ", "001******777",
                     "Tày", "Phật giáo", "Trung học phổ thông", "Giáo viên", "Thôn Đông",
                     "Số 5, thôn Đông", "Chi bộ thôn Đông", "Chưa là đảng viên",
                     "Chưa có hồ sơ phát triển đảng viên nào.",
                     "Người này chưa được phân công giúp đỡ ai."):  # fmt: skip
            self.assertContains(response, text)

        member = self.p.introducer1
        response = self.client.get(url(member))
        self.assertContains(response, "Đảng viên chính thức")
        self.assertContains(response, "01/06/2000")  # official on
        self.assertContains(response, "01/06/1999")  # admitted 12 months before

    def test_candidacies_every_attempt(self):
        first = self.candidacy("Lương Văn Lại")
        services.record_step(first, Step.WITHDRAWN, SOURCE_ON + timedelta(days=3), reason="Xin rút")
        second = services.open_candidacy(first.person, date(2025, 3, 1))
        services.record_step(second, Step.SYMPATHISER, date(2025, 4, 1))
        self.client.force_login(self.u.grassroots)
        response = self.client.get(url(first.person))
        self.assertEqual([c.attempt for c in response.context["candidacies"]], [1, 2])
        self.assertContains(response, f'href="/ho-so/{first.pk}/"')
        self.assertContains(response, f'href="/ho-so/{second.pk}/"')
        self.assertContains(response, "Xem hồ sơ lần 2")
        self.assertContains(response, STAGE_LABELS[Stage.WITHDRAWN])
        self.assertContains(response, STAGE_LABELS[Stage.SYMPATHISER])
        self.assertContains(response, "06/09/2024")  # the first attempt closed 3 days after source
        self.assertContains(response, "Đang mở")
        self.assertEqual(response.context["open_candidacy"], second)
        self.assertFalse(response.context["can_open"])  # an open candidacy already

    def test_people_the_mentor_helps(self):
        made = populate(self.world)  # self.p.mentor helps the candidate of A1
        other = self.candidacy("Chu Văn Được")
        services.record_step(other, Step.SYMPATHISER, SYMPATHISER_ON)
        ended = services.assign_mentor(other, self.p.mentor, SYMPATHISER_ON)
        services.end_mentor(ended, SYMPATHISER_ON + timedelta(days=20), "Chuyển công tác")
        self.client.force_login(self.u.cell)
        response = self.client.get(url(self.p.mentor))
        mentees = [a.candidacy.person.full_name for a in response.context["mentoring"]]
        self.assertEqual(mentees, [made.A1.person.full_name, "Chu Văn Được"])  # current first
        self.assertContains(response, f'href="/nguoi/{made.A1.person_id}/"')
        self.assertContains(response, f'href="/ho-so/{made.A1.pk}/"')
        self.assertContains(response, "Đang giúp đỡ 1 người; tổng số 2 lần phân công.")
        self.assertContains(response, "Chuyển công tác")

    def test_outside_scope_is_missing(self):
        populate(self.world)
        outside = self.p.member_X1
        for user in (self.u.cell, self.u.grassroots, self.u.committee, self.u.viewer):
            self.client.force_login(user)
            self.assertEqual(self.client.get(url(outside)).status_code, 404)
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(url(outside)).status_code, 200)
        self.assertEqual(self.client.get(url(self.p.mentor)).status_code, 404)
        self.assertEqual(self.client.get("/nguoi/999999/").status_code, 404)
        # A sister cell is outside a cell secretary's scope.
        self.client.force_login(self.u.cell)
        self.assertEqual(self.client.get(url(self.p.member_A2)).status_code, 404)
        self.client.force_login(self.u.admin)
        self.assertEqual(self.client.get(url(outside)).status_code, 200)

    def test_login_required(self):
        response = self.client.get(url(self.p.mentor))
        self.assertEqual(response.status_code, 302)

    def test_can_open_a_new_candidacy(self):
        person = make_person(self.o.A1, "Tạ Văn Mới")
        self.client.force_login(self.u.cell)
        self.assertTrue(self.client.get(url(person)).context["can_open"])
        self.client.force_login(self.u.viewer)  # read-only
        self.assertFalse(self.client.get(url(person)).context["can_open"])
        self.client.force_login(self.u.cell)
        self.assertFalse(self.client.get(url(self.p.introducer1)).context["can_open"])  # member
        candidacy = services.open_candidacy(person, SOURCE_ON)
        self.assertFalse(self.client.get(url(person)).context["can_open"])
        services.record_step(candidacy, Step.WITHDRAWN, SOURCE_ON, reason="Xin rút")
        response = self.client.get(url(person))
        self.assertTrue(response.context["can_open"])  # the attempt is over: a new one may start
        self.assertEqual(response.status_code, 200)  # with or without the candidacy_open route
        try:
            open_url = reverse("candidacy_open", args=[person.pk])
        except NoReverseMatch:  # built by another page; the link waits for it
            return
        self.assertContains(response, f'href="{open_url}"')
        self.assertContains(response, "Mở hồ sơ mới")
        self.client.force_login(self.u.viewer)
        self.assertNotContains(self.client.get(url(person)), "Mở hồ sơ mới")

    def test_query_count_does_not_grow(self):
        def count_for(n: int) -> int:
            mentor = make_person(
                self.o.A1, f"Đinh Văn Giúp{n}", date(1970, 1, 1), official_since=date(2000, 1, 1)
            )
            for i in range(n):
                mentee = make_person(self.o.A1, f"Kiều Văn Học{n}x{i}", date(1996, 1, 1 + i))
                attempt = services.open_candidacy(mentee, SOURCE_ON)
                services.record_step(attempt, Step.SYMPATHISER, SYMPATHISER_ON)
                services.assign_mentor(attempt, mentor, SYMPATHISER_ON)
            # The mentor's own attempts (closed ones, before they were admitted).
            Candidacy.objects.bulk_create(
                Candidacy(person=mentor, attempt=k + 1, cell=self.o.A1, stage=Stage.WITHDRAWN,
                          stage_since=date(1995, 1, 1), opened_on=date(1994, 1, 1),
                          closed_on=date(1995, 1, 1))
                for k in range(n)
            )  # fmt: skip
            self.client.force_login(self.u.grassroots)
            response, queries = self.queries_of(lambda: self.client.get(url(mentor)))
            self.assertEqual(len(response.context["candidacies"]), n)
            self.assertEqual(len(response.context["mentoring"]), n)
            return len(queries)

        self.assertEqual(count_for(1), count_for(6))
