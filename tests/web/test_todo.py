"""Việc cần làm (the landing page): deadlines by kind, expiring papers, missing mentor reports,
counts per stage, scoping and a query count that does not grow with the data."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import time_machine

from ptdv.org.models import Organisation
from ptdv.pipeline import services, tallies
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS, Stage, Step
from ptdv.web.views.todo import SHOWN
from tests.base import AWARENESS_ON, WorldTestCase, populate
from tests.web.test_pages import bulk_candidacies

TODAY = date(2025, 9, 1)


def bulk_world(world, cells: list[Organisation], n: int, today: date, start: int = 0) -> None:
    """``n`` candidacies with an awareness certificate about to expire and a mentor each
    (written directly, with the cached expiry the services would compute)."""
    bulk_candidacies(cells, n, today, start)
    made = list(Candidacy.objects.order_by("-pk")[:n])
    certificate_on = add_months(today, -rule_set_for(today).awareness_certificate_valid_months)
    Candidacy.objects.filter(pk__in=[c.pk for c in made]).update(
        stage=Stage.AWARENESS_TRAINED, expiry_due=today, expiry_code="certificate_expiry"
    )
    Event.objects.bulk_create(
        Event(candidacy=c, seq=1, step=Step.AWARENESS_CLASS, date=certificate_on, cell=c.cell)
        for c in made
    )
    MentorAssignment.objects.bulk_create(
        MentorAssignment(candidacy=c, mentor=world.people.mentor, start=today - timedelta(days=90))
        for c in made
    )
    tallies.rebuild()  # written without the services: the stage tallies from the rows


@time_machine.travel(TODAY, tick=False)
class TodoPageTests(WorldTestCase):
    def test_overdue_grouped_by_kind_with_links_and_counts_per_stage(self):
        populate(self.world)  # one sympathiser in each cell, both branches
        late = self.advance(self.candidacy("Trần Văn Muộn"), Stage.CELL_RESOLVED)
        self.assertLess(late.next_due, TODAY)  # the decision was due 60 working days after CELL_ON
        self.client.force_login(self.u.committee)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/todo/home.html")
        self.assertContains(response, "<h1>Việc cần làm", html=False)
        rows = {value: n for value, _, n, _ in response.context["stage_rows"]}
        self.assertEqual(len(rows), len(PROGRESS_STAGES) + len(EXIT_STAGES))
        self.assertEqual(rows[Stage.SYMPATHISER], 5)  # X1 is outside the district
        self.assertEqual(rows[Stage.CELL_RESOLVED], 1)
        self.assertEqual(response.context["total"], 6)
        # Each stage links to the board filtered on it.
        self.assertContains(response, f'href="/tien-trinh/?stage={Stage.SYMPATHISER.value}"')
        self.assertContains(response, STAGE_LABELS[Stage.CELL_RESOLVED])
        # Overdue, grouped by kind, linking to the record.
        self.assertEqual(response.context["overdue_count"], 1)
        (group,) = response.context["overdue_groups"]
        self.assertEqual(
            (group["code"], group["count"], group["rows"]), ("decision_due", 1, [late])
        )
        self.assertContains(response, "Quyết định kết nạp")  # what is overdue, not only when
        self.assertContains(response, f'href="/ho-so/{late.pk}/"')
        self.assertContains(response, "Trần Văn Muộn")
        self.assertContains(response, late.next_due.strftime("%d/%m/%Y"))
        # The outsider sees their own branch only.
        self.client.force_login(self.u.outsider)
        response = self.client.get("/")
        self.assertEqual(response.context["total"], 1)
        self.assertEqual(response.context["overdue_count"], 0)
        self.assertNotContains(response, "Trần Văn Muộn")
        self.assertContains(response, "Không có hồ sơ quá hạn.")

    def test_due_soon_closed_candidacies_and_bounded_groups(self):
        bulk_candidacies([self.o.A1], 2 * SHOWN * 3 + 6, TODAY)
        closed = Candidacy.objects.order_by("pk").first()  # one of the overdue ones
        Candidacy.objects.filter(pk=closed.pk).update(stage=Stage.WITHDRAWN)
        tallies.rebuild()  # the stage written without the services
        self.client.force_login(self.u.cell)
        response = self.client.get("/")
        overdue_total = 2 * SHOWN + 2 - 1  # every third is overdue; the closed one is not
        self.assertEqual(response.context["overdue_count"], overdue_total)
        (overdue,) = response.context["overdue_groups"]
        self.assertEqual(len(overdue["rows"]), SHOWN)  # the first 50, oldest first
        self.assertEqual(overdue["rows"], sorted(overdue["rows"], key=lambda c: (c.next_due, c.pk)))
        self.assertContains(response, 'href="/danh-sach/?overdue=1"')  # "see them all"
        self.assertEqual(response.context["due_soon_count"], 2 * SHOWN + 2)
        self.assertEqual(len(response.context["due_soon_groups"][0]["rows"]), SHOWN)
        self.assertContains(response, "Đến hạn trong 7 ngày tới")
        rows = {value: n for value, _, n, _ in response.context["stage_rows"]}
        self.assertEqual(rows[Stage.WITHDRAWN], 1)

    def test_missing_mentor_reports_this_month(self):
        made = populate(self.world)  # reports filed for 10/2024 only
        self.client.force_login(self.u.committee)
        response = self.client.get("/")
        self.assertEqual(response.context["missing_count"], 5)  # X1 is outside the district
        self.assertContains(response, "Chưa có báo cáo giúp đỡ tháng 09/2025")
        assignment_a1 = MentorAssignment.objects.get(candidacy=made.A1)
        self.assertContains(response, f'href="/giup-do/{assignment_a1.pk}/bao-cao/"')
        # A quarterly report covers the month; an old monthly one does not.
        services.file_mentor_report(
            assignment_a1, "quarter", date(2025, 8, 10), "Tốt.", "good", filed_on=TODAY
        )
        assignment_a2 = MentorAssignment.objects.get(candidacy=made.A2)
        services.file_mentor_report(
            assignment_a2, "month", date(2025, 8, 1), "Tốt.", "good", filed_on=TODAY
        )
        response = self.client.get("/")
        self.assertEqual(response.context["missing_count"], 4)
        listed = {a.candidacy_id for a in response.context["missing_reports"]}
        self.assertNotIn(made.A1.pk, listed)
        self.assertIn(made.A2.pk, listed)
        # An ended assignment is not due.
        services.end_mentor(MentorAssignment.objects.get(candidacy=made.B1), TODAY, "Chuyển đi")
        self.assertEqual(self.client.get("/").context["missing_count"], 3)

    def test_read_only_users_see_the_list_without_the_report_link(self):
        made = populate(self.world)
        self.client.force_login(self.u.viewer)
        response = self.client.get("/")
        self.assertEqual(response.context["missing_count"], 5)
        pk = MentorAssignment.objects.get(candidacy=made.A1).pk
        self.assertNotContains(response, f'href="/giup-do/{pk}/bao-cao/"')

    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        response = self.client.get("/")
        self.assertRedirects(
            response, "/tai-khoan/dang-nhap/?next=/", fetch_redirect_response=False
        )


class ExpiringPapersTests(WorldTestCase):
    """Certificates and papers: the rules' earliest open expiry, cached on the candidacy."""

    def test_papers_expiring_soon_then_expired_until_the_cell_resolution(self):
        waiting = self.advance(self.candidacy("Lê Văn Chờ"), Stage.DOSSIER)
        voted = self.advance(self.candidacy("Lê Văn Xét"), Stage.CELL_RESOLVED)
        outside = self.advance(self.candidacy("Võ Văn Xa", self.o.X1), Stage.DOSSIER)
        # The introducers' letters (23/12/2024) expire first, with the rule set of their date.
        letters_expire = add_months(
            date(2024, 12, 23), rule_set_for(date(2024, 12, 23)).dossier_papers_valid_months
        )
        waiting.refresh_from_db()
        self.assertEqual(
            (waiting.expiry_due, waiting.expiry_code), (letters_expire, "papers_expiry")
        )
        self.client.force_login(self.u.committee)
        with time_machine.travel(letters_expire - timedelta(days=31), tick=False):
            self.assertEqual(self.client.get("/").context["expiring"]["count"], 0)
        with time_machine.travel(letters_expire - timedelta(days=13), tick=False):
            response = self.client.get("/")
        block = response.context["expiring"]
        self.assertEqual(block["count"], 1)
        self.assertEqual(block["rows"], [waiting])
        self.assertFalse(block["rows"][0].expired)
        self.assertContains(response, "Giấy tờ hồ sơ hết hạn")
        self.assertContains(response, "Sắp hết hạn")
        self.assertContains(response, f'href="/ho-so/{waiting.pk}/"')
        # Consumed by the cell's resolution; outside the subtree.
        voted.refresh_from_db()
        self.assertIsNone(voted.expiry_due)
        self.assertNotContains(response, outside.person.full_name)
        with time_machine.travel(letters_expire + timedelta(days=1), tick=False):
            self.client.force_login(self.u.committee)
            response = self.client.get("/")
        self.assertTrue(response.context["expiring"]["rows"][0].expired)
        self.assertContains(response, "Đã hết hạn")

    def test_awareness_certificate_expiring(self):
        trained = self.advance(self.candidacy("Đinh Văn Học"), Stage.AWARENESS_TRAINED)
        expires = add_months(
            AWARENESS_ON, rule_set_for(AWARENESS_ON).awareness_certificate_valid_months
        )
        trained.refresh_from_db()
        self.assertEqual((trained.expiry_due, trained.expiry_code), (expires, "certificate_expiry"))
        with time_machine.travel(expires - timedelta(days=31), tick=False):
            self.client.force_login(self.u.cell)  # sessions do not last five years
            self.assertEqual(self.client.get("/").context["expiring"]["count"], 0)
        with time_machine.travel(expires - timedelta(days=30), tick=False):
            self.client.force_login(self.u.cell)
            response = self.client.get("/")
        block = response.context["expiring"]
        self.assertEqual(block["count"], 1)
        self.assertEqual(block["rows"], [trained])
        self.assertContains(response, "Giấy chứng nhận nhận thức về Đảng hết hạn")
        with time_machine.travel(expires, tick=False):
            self.client.force_login(self.u.outsider)
            self.assertEqual(self.client.get("/").context["expiring"]["count"], 0)


@time_machine.travel(TODAY, tick=False)
class TodoQueryCountTests(WorldTestCase):
    def test_query_count_does_not_grow_with_the_data(self):
        cells = [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G]
        self.client.force_login(self.u.committee)
        self.client.get("/")  # warm up (session, content types)
        bulk_world(self.world, cells, 5, TODAY)
        few, response, _ = self.assert_queries_do_not_grow(
            lambda: bulk_world(self.world, cells, 120, TODAY, start=5), "/"
        )
        self.assertEqual(few.context["total"], 5)
        self.assertEqual(few.context["expiring"]["count"], 5)
        self.assertEqual(few.context["missing_count"], 5)
        self.assertEqual(response.context["total"], 125)
        self.assertEqual(response.context["overdue_count"], 42)
        self.assertEqual(response.context["expiring"]["count"], 125)
        self.assertEqual(len(response.context["expiring"]["rows"]), SHOWN)
        self.assertEqual(response.context["missing_count"], 125)


def many_groups(cells: list[Organisation], today: date) -> list[str]:
    """Open candidacies with every kind of deadline, some groups longer than a page, due on many
    days around ``today``, some closed, with expiring papers (written directly, then the
    summaries rebuilt from the rows). Returns the codes used."""
    codes = list(DEADLINE_LABELS)
    bulk_candidacies(cells, 700, today, start=1000)
    rows = list(Candidacy.objects.order_by("pk"))
    for i, c in enumerate(rows):
        code = codes[0] if i % 2 else codes[(i // 2) % len(codes)]  # one long group
        c.next_due = today + timedelta(days=(i * 7) % 23 - 15)
        c.next_due_code = code
        c.expiry_due = today + timedelta(days=(i * 5) % 50 - 10) if i % 4 == 0 else None
        c.expiry_code = "papers_expiry" if c.expiry_due else ""
        if i % 37 == 0:
            c.stage = Stage.WITHDRAWN  # a closed one counts for nothing but its stage
    Candidacy.objects.bulk_update(
        rows, ["next_due", "next_due_code", "expiry_due", "expiry_code", "stage"]
    )
    tallies.rebuild()
    return codes


@time_machine.travel(TODAY, tick=False)
class TodoCountsEqualRowsTests(WorldTestCase):
    """The counts read from the summaries equal what the rows say, group by group."""

    def test_every_group_counts_what_its_rows_say(self):
        codes = many_groups(
            [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G, self.o.X1], TODAY
        )
        soon_end = TODAY + timedelta(days=7)
        for user in (self.u.admin, self.u.committee, self.u.grassroots, self.u.cell):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get("/")
                visible = Candidacy.objects.visible_to(user).open()
                sides = (
                    (response.context["overdue_groups"], {"next_due__lt": TODAY}),
                    (
                        response.context["due_soon_groups"],
                        {"next_due__gte": TODAY, "next_due__lte": soon_end},
                    ),
                )
                for groups, due in sides:
                    expected = {
                        code: n
                        for code, n in Counter(
                            visible.filter(**due).values_list("next_due_code", flat=True)
                        ).items()
                    }
                    self.assertEqual({g["code"]: g["count"] for g in groups}, expected)
                    for g in groups:
                        first = list(
                            visible.filter(next_due_code=g["code"], **due).order_by(
                                "next_due", "id"
                            )[:SHOWN]
                        )
                        self.assertEqual(g["rows"], first, g["code"])
                        self.assertEqual(len(g["rows"]), min(g["count"], SHOWN))
                    if user == self.u.admin:
                        self.assertTrue(any(g["count"] > SHOWN for g in groups))
                        self.assertEqual(len(groups), len(codes))
                expiring = visible.filter(expiry_due__lte=TODAY + timedelta(days=30))
                self.assertEqual(response.context["expiring"]["count"], expiring.count())
                self.assertEqual(
                    response.context["expiring"]["rows"],
                    list(expiring.order_by("expiry_due", "id")[:SHOWN]),
                )
                stages = Candidacy.objects.visible_to(user).stage_counts()
                shown = {value: n for value, _label, n, _exit in response.context["stage_rows"]}
                self.assertEqual({k: v for k, v in shown.items() if v}, stages)

    def test_the_page_stays_within_twelve_queries_for_every_role(self):
        many_groups([self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G, self.o.X1], TODAY)
        populate(self.world)  # mentors and reports too
        for user in vars(self.u).values():
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.client.get("/")  # the session and the layout, once
                queries = self.queries_of("/")[1]
                self.assertLessEqual(len(queries), 12, queries)
