"""A refusal says how to fix it; past steps entered late are judged on their own date; the vote
form prefilled with the cell's official members on the vote's date."""

from __future__ import annotations

from datetime import date

import time_machine

from ptdv.people.models import Person
from ptdv.pipeline import services
from ptdv.pipeline.models import Event
from ptdv.rules.stages import Stage, Step
from tests.base import (
    CELL_ON,
    COMMENTS_ON,
    PAPERS_ON,
    SYMPATHISER_ON,
    WorldTestCase,
    dossier_papers,
    introducer_paper,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
#: Before the papers of the happy path expire (the vote planned on this day).
BEFORE_EXPIRY = date(2025, 2, 10)
#: Long after: every paper of the happy path has expired by then.
MUCH_LATER = date(2026, 6, 1)


def vote_fields(candidacy, on: date, **figures) -> dict:
    candidacy.refresh_from_db()
    return {
        "date": on.strftime("%d/%m/%Y"),
        "version": candidacy.version,
        "number": "05-NQ/CB",
        "official_members": 9,
        "present": 8,
        "in_favour": 7,
        "against": 1,
        **figures,
    }


class Base(WorldTestCase):
    def setUp(self):
        self.client.force_login(self.u.cell)

    def step_url(self, candidacy, step: Step) -> str:
        return f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={step.value}"

    def trained(self):
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        services.assign_mentor(candidacy, self.p.mentor, SYMPATHISER_ON)
        return candidacy

    def papers_without_letters(self, candidacy):
        for on, data in dossier_papers((self.p.introducer1, self.p.introducer2)):
            if data["kind"] != "introducer_letter":
                services.record_step(candidacy, Step.DOSSIER_PAPER, on, data=data)

    def complete_dossier(self):
        """A candidacy at the dossier stage with every paper of the happy path (2024–2025)."""
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)  # the application
        for on, data in dossier_papers((self.p.introducer1, self.p.introducer2))[1:]:
            services.record_step(candidacy, Step.DOSSIER_PAPER, on, data=data)
        return candidacy

    def letter(self, candidacy, introducer, on=PAPERS_ON, months_together=36) -> Event:
        return services.record_step(
            candidacy,
            Step.DOSSIER_PAPER,
            on,
            data=introducer_paper(introducer, months_together=months_together),
        )


@time_machine.travel(BEFORE_EXPIRY, tick=False)
class RefusalLinkTests(Base):
    """One introducer's letter that does not qualify (8 months together)."""

    def setUp(self):
        super().setUp()
        self.c = self.trained()
        self.papers_without_letters(self.c)
        self.bad = self.letter(self.c, self.p.introducer1, months_together=8)
        self.letter(self.c, self.p.introducer2)

    def correction_url(self, event) -> str:
        return f"/ho-so/{self.c.pk}/dinh-chinh/?su-kien={event.pk}"

    def test_the_refused_vote_links_to_the_letter_to_correct_and_to_a_new_letter(self):
        response = self.client.post(
            self.step_url(self.c, Step.CELL_RESOLUTION), vote_fields(self.c, BEFORE_EXPIRY)
        )
        self.assertContains(response, "Chưa ghi được:")
        self.assertContains(response, "chưa đủ 12 tháng cùng công tác")
        self.assertContains(response, f'href="{self.correction_url(self.bad)}"')
        self.assertContains(
            response,
            f'href="/ho-so/{self.c.pk}/ghi-buoc/?buoc=dossier_paper&amp;loai=introducer_letter"',
        )
        self.assertContains(response, "Ghi “Giấy giới thiệu người vào Đảng”")
        # The link leads to the correction form of that letter.
        form = self.client.get(self.correction_url(self.bad))
        self.assertEqual(form.status_code, 200)
        self.assertEqual(form.context["event"].pk, self.bad.pk)
        self.assertContains(form, "Lý do đính chính")

    def test_the_dry_run_links_too(self):
        data = vote_fields(self.c, BEFORE_EXPIRY) | {"check": "1"}
        response = self.client.post(self.step_url(self.c, Step.CELL_RESOLUTION), data)
        self.assertContains(response, "bước này sẽ bị từ chối")
        self.assertContains(response, f'href="{self.correction_url(self.bad)}"')

    def test_the_candidacy_page_links_the_blocker_to_its_record(self):
        response = self.client.get(f"/ho-so/{self.c.pk}/")
        [row] = [r for r in response.context["blockers"] if r["f"].code == "introducer.too_short"]
        self.assertEqual(row["f"].event_id, self.bad.pk)
        self.assertContains(response, f'href="{self.correction_url(self.bad)}"')
        self.assertContains(response, f'hx-get="{self.correction_url(self.bad)}"')

    def test_readers_get_no_links(self):
        self.client.force_login(self.u.viewer)
        response = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertNotContains(response, "/dinh-chinh/?su-kien=")
        self.assertNotContains(response, "Cách sửa:")

    def test_a_third_valid_letter_lets_the_vote_through_with_a_warning_on_the_bad_one(self):
        self.letter(self.c, self.p.mentor2, on=COMMENTS_ON)
        page = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertEqual(page.context["blockers"], [])
        [row] = [r for r in page.context["other_findings"] if r["f"].code == "introducer.too_short"]
        self.assertEqual(row["f"].severity, "warning")
        self.assertContains(page, "không được tính vào số người giới thiệu")
        self.assertContains(page, f'href="{self.correction_url(self.bad)}"')
        response = self.client.post(
            self.step_url(self.c, Step.CELL_RESOLUTION), vote_fields(self.c, BEFORE_EXPIRY)
        )
        self.assertEqual(response.status_code, 302)
        self.c.refresh_from_db()
        self.assertEqual(self.c.stage, Stage.CELL_RESOLVED)

    def test_a_letter_made_again_by_the_same_member_replaces_the_bad_one(self):
        self.letter(self.c, self.p.introducer1, on=COMMENTS_ON, months_together=14)
        page = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertEqual(page.context["blockers"], [])
        self.assertIn("introducer.replaced", page.context["evaluation"].codes())


@time_machine.travel(MUCH_LATER, tick=False)
class LateEntryTests(Base):
    """A candidacy entered in 2026 whose cell voted on 10/02/2025: the papers, expired by today,
    were valid on the vote's date."""

    def setUp(self):
        super().setUp()
        self.c = self.complete_dossier()

    def test_before_the_vote_the_page_says_until_when_the_dossier_was_in_time(self):
        page = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertTrue(page.context["blockers"])  # expired as of today: a vote today is refused
        self.assertEqual(page.context["late_entry"]["until"], date(2025, 12, 23))
        self.assertContains(page, "Hồ sơ còn hạn đến hết ngày 23/12/2025")
        self.assertContains(page, f"/ho-so/{self.c.pk}/ghi-buoc/?buoc=cell_resolution")

    def test_a_vote_today_is_refused_with_the_papers_to_make_again(self):
        response = self.client.post(
            self.step_url(self.c, Step.CELL_RESOLUTION), vote_fields(self.c, MUCH_LATER)
        )
        self.assertContains(response, "phải làm lại")
        self.assertContains(response, "loai=introducer_letter")
        self.assertContains(response, "loai=comments")

    def test_a_late_vote_is_judged_on_its_own_date(self):
        response = self.client.post(
            self.step_url(self.c, Step.CELL_RESOLUTION), vote_fields(self.c, CELL_ON)
        )
        self.assertEqual(response.status_code, 302)
        page = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertEqual(page.context["blockers"], [])
        self.assertNotContains(page, "phải làm lại")
        self.assertNotContains(page, "Hết hạn</span>")
        self.assertEqual(page.context["checklist"].on, CELL_ON)
        self.assertIsNone(page.context["late_entry"])
        # The next steps, entered late as well, keep judging the admission on the vote's date.
        services.record_step(self.c, Step.GRASSROOTS_RESOLUTION, date(2025, 2, 20), number="1")
        page = self.client.get(f"/ho-so/{self.c.pk}/")
        self.assertNotContains(page, "phải làm lại")
        self.assertEqual(page.context["checklist"].on, CELL_ON)


@time_machine.travel(MUCH_LATER, tick=False)
class VoteFormPrefillTests(Base):
    def setUp(self):
        super().setUp()
        self.c = self.complete_dossier()

    def officials(self, on: date) -> int:
        return sum(
            1
            for p in Person.objects.filter(cell=self.o.A1)
            if p.party_official_on and p.party_official_on <= on
            and not (p.party_left_on and p.party_left_on <= on)
        )  # fmt: skip

    def test_the_form_is_prefilled_with_the_cells_official_members_on_the_date(self):
        expected = self.officials(MUCH_LATER)
        self.assertGreater(expected, 2)
        response = self.client.get(self.step_url(self.c, Step.CELL_RESOLUTION))
        self.assertEqual(response.context["form"].initial["official_members"], expected)
        self.assertContains(response, f'name="official_members" value="{expected}"')
        self.assertContains(response, f"ngày {MUCH_LATER:%d/%m/%Y} chi bộ có {expected} đảng viên")
        # The date box asks for the field again when it changes.
        self.assertContains(response, "dang-vien-chinh-thuc=1")

    def test_the_prefill_follows_the_date(self):
        on = date(2005, 1, 1)  # only Nguyễn Văn Giới (official since 2000) then
        self.assertEqual(self.officials(on), 1)
        url = self.step_url(self.c, Step.CELL_RESOLUTION)
        response = self.client.get(f"{url}&dang-vien-chinh-thuc=1&date=01/01/2005", **HTMX)
        self.assertTemplateUsed(response, "web/steps/_members_field.html")
        self.assertContains(response, 'id="field-official_members"')
        self.assertContains(response, 'name="official_members" value="1"')
        self.assertNotContains(response, "<form")

    def test_a_number_that_differs_from_the_records_is_recorded_with_a_warning(self):
        records = self.officials(CELL_ON)
        data = vote_fields(self.c, CELL_ON, official_members=9, present=8, in_favour=7)
        self.assertNotEqual(records, 9)
        check = self.client.post(self.step_url(self.c, Step.CELL_RESOLUTION), data | {"check": "1"})
        warning = (
            f"Số đảng viên chính thức của chi bộ: đã ghi 9, theo hồ sơ ngày "
            f"{CELL_ON:%d/%m/%Y} là {records}. Hai phần ba được tính trên số đã ghi (9): cần ít "
            "nhất 6 phiếu tán thành."
        )
        self.assertContains(check, warning)
        response = self.client.post(self.step_url(self.c, Step.CELL_RESOLUTION), data, follow=True)
        self.assertContains(response, warning)  # a warning, not a refusal: the vote is recorded
        event = Event.objects.get(candidacy=self.c, step=Step.CELL_RESOLUTION)
        self.assertEqual(event.official_members, 9)

    def test_the_number_of_the_records_gives_no_warning(self):
        records = self.officials(CELL_ON)
        data = vote_fields(
            self.c, CELL_ON, official_members=records, present=records, in_favour=records, against=0
        )
        response = self.client.post(self.step_url(self.c, Step.CELL_RESOLUTION), data, follow=True)
        self.assertNotContains(response, "Hai phần ba được tính trên số đã ghi")
        self.c.refresh_from_db()
        self.assertEqual(self.c.stage, Stage.CELL_RESOLVED)


@time_machine.travel(BEFORE_EXPIRY, tick=False)
class ChecklistCorrectionTests(Base):
    def test_the_checklist_line_of_a_letter_that_does_not_qualify_links_to_its_correction(self):
        c = self.trained()
        self.papers_without_letters(c)
        bad = self.letter(c, self.p.introducer1, months_together=8)
        page = self.client.get(f"/ho-so/{c.pk}/")
        url = f"/ho-so/{c.pk}/dinh-chinh/?su-kien={bad.pk}"
        self.assertIn(url, page.context["item_corrections"].values())
        self.assertContains(page, f'hx-get="{url}"')
