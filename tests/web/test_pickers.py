"""The pickers (ptdv/web/pickers.py): their matches, role by role, and the forms that use them.

- ``/chon/to-chuc/``: units of the user's subtree by their name or their parents' names;
- ``/chon/nguoi/``: mentors and introducers of a candidacy, with their party standing on the
  form's date, those who may not be chosen greyed with the reason;
- both POST only, writers only, at most 20 rows with the others counted; nothing outside the
  user's subtree is listed, counted or hinted at;
- the forms still validate the id posted: out of scope, wrong kind or not eligible is the
  field's error, naming the field.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import time_machine

from ptdv.org.models import Organisation
from ptdv.pipeline import services
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage, Step
from ptdv.web.pickers import SHOWN, search_organisations, standing
from tests.base import (
    CARD_ON,
    CELL_ON,
    PAPERS_ON,
    SYMPATHISER_ON,
    WorldTestCase,
    make_person,
)

LATER = CARD_ON + timedelta(days=30)
ORGANISATIONS = "/chon/to-chuc/"
PEOPLE = "/chon/nguoi/"
_OPTION = re.compile(r'<li role="option" id="[^"]*" class="([^"]*)"\s+data-value="(\d+)"')


def options(response) -> dict[int, bool]:
    """The options listed: id → whether it may be chosen."""
    text = response.content.decode()
    return {int(pk): "is-disabled" not in css for css, pk in _OPTION.findall(text)}


@time_machine.travel(LATER, tick=False)
class OrganisationPickerTests(WorldTestCase):
    def search(self, q="", kind="chi-bo", **extra):
        return self.client.post(
            ORGANISATIONS, {"cell-tim": q, "field": "cell", "loai": kind, **extra}
        )

    def test_cells_are_found_by_their_name_without_diacritics(self):
        self.client.force_login(self.u.committee)
        response = self.search("thon dong")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(options(response), {self.o.A1.pk: True})
        # The parents' path tells two "Chi bộ thôn Đông" apart.
        self.assertContains(response, "Đảng bộ huyện Núi Xanh › Đảng bộ xã Hòa An")
        self.assertContains(response, 'role="listbox" id="id_cell_listbox"')

    def test_a_parent_s_name_finds_its_cells(self):
        self.client.force_login(self.u.committee)
        found = options(self.search("Hòa An"))
        self.assertEqual(set(found), {self.o.A1.pk, self.o.A2.pk, self.o.AP1.pk})
        found = options(self.search("hoa an truong", kind="to-chuc"))
        self.assertEqual(set(found), {self.o.AP.pk, self.o.AP1.pk})

    def test_only_cells_for_a_cell_picker_and_not_dissolved_ones(self):
        self.client.force_login(self.u.committee)
        Organisation.objects.filter(pk=self.o.A2.pk).update(dissolved_on=date(2020, 1, 1))
        found = options(self.search("xa"))
        self.assertNotIn(self.o.A.pk, found)  # a grassroots committee is not a cell
        self.assertNotIn(self.o.A2.pk, found)
        self.assertIn(self.o.G.pk, found)  # a grassroots cell is one
        self.assertIn(self.o.A.pk, options(self.search("xa", kind="to-chuc")))

    def test_the_cell_moved_from_is_left_out(self):
        self.client.force_login(self.u.grassroots)
        found = options(self.search("thon", bo=self.o.A1.pk))
        self.assertEqual(set(found), {self.o.A2.pk})

    def test_an_outsider_learns_nothing_of_another_subtree(self):
        self.client.force_login(self.u.outsider)
        response = self.search("thon dong")
        self.assertEqual(options(response), {})
        self.assertContains(response, "Không tìm thấy đơn vị nào.")
        for name in ("Đông", "Hòa An", "Núi Xanh"):
            self.assertNotContains(response, name)
        self.assertEqual(options(self.search("")), {self.o.X1.pk: True})
        response = self.search("", kind="to-chuc")
        self.assertEqual(set(options(response)), {self.o.E.pk, self.o.X.pk, self.o.X1.pk})
        self.assertNotContains(response, "Thử Nghiệm")  # the province above is not named

    def test_at_most_twenty_rows_and_the_others_counted(self):
        for n in range(SHOWN + 5):
            Organisation.objects.add_child(
                Organisation.objects.get(pk=self.o.B.pk), {"name": f"Chi bộ tổ {n}", "kind": "cell"}
            )
        self.client.force_login(self.u.committee)
        response = self.search("chi bo to")
        self.assertEqual(len(options(response)), SHOWN)
        self.assertContains(response, "và 5 đơn vị khác: gõ thêm để thu hẹp.")
        self.assertEqual(len(options(self.search("to 2"))), 6)  # "tổ 2", "tổ 20"…"tổ 24"
        response = self.search("")
        self.assertEqual(len(options(response)), SHOWN)
        self.assertContains(response, "đơn vị khác")

    def test_read_only_users_get_403_a_get_is_405_and_anonymous_logs_in(self):
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.search("thon").status_code, 403)
        self.client.force_login(self.u.committee)
        self.assertEqual(self.client.get(ORGANISATIONS, {"cell-tim": "thon"}).status_code, 405)
        self.assertEqual(self.search("thon", kind="bogus").status_code, 404)
        bad_field = self.client.post(ORGANISATIONS, {"field": '"><script>'})
        self.assertEqual(bad_field.status_code, 404)
        self.client.logout()
        self.assertEqual(self.search("thon").status_code, 302)

    def test_matching_is_bounded_in_queries(self):
        user = self.u.admin
        user.organisation  # noqa: B018 (the user's organisation, read once per request)
        with self.assertNumQueries(2):  # the units with children; the cells (paths from the first)
            search_organisations(user, "chi-bo", "thon")


@time_machine.travel(LATER, tick=False)
class PersonPickerTests(WorldTestCase):
    def setUp(self):
        self.c = self.candidacy()  # in A1
        self.client.force_login(self.u.grassroots)

    def search(self, q="", role="gioi-thieu", on: date | None = CELL_ON, candidacy=None, **extra):
        data = {
            "introducer-tim": q,
            "field": "introducer",
            "vai-tro": role,
            "ho-so": (candidacy or self.c).pk,
        }
        if on is not None:
            data["date"] = on.isoformat()
        return self.client.post(PEOPLE, data | extra)

    def test_members_of_the_grassroots_organisation_with_their_standing(self):
        response = self.search("")
        found = options(response)
        p = self.p
        for member in (p.introducer1, p.introducer2, p.mentor, p.member_A2, p.member_AP1):
            self.assertTrue(found[member.pk], member)
        self.assertFalse(found[p.probationary.pk])  # listed, greyed
        self.assertNotIn(p.member_B1.pk, found)  # another grassroots organisation
        self.assertNotIn(p.member_X1.pk, found)
        self.assertNotIn(self.c.person_id, found)  # not the candidate
        self.assertContains(response, 'Nguyễn Văn Giới <span class="ptdv-picker-year">(1970)')
        self.assertContains(response, "Chi bộ thôn Đông")
        self.assertContains(response, "đảng viên chính thức từ 01/06/2000")
        self.assertContains(response, 'aria-disabled="true"')

    def test_standing_is_judged_on_the_form_s_date(self):
        p = self.p
        before = add_months(CELL_ON, -9)  # Phạm Văn Mới was still probationary then
        found = options(self.search("pham moi", on=before))
        self.assertEqual(found, {p.new_official.pk: False})
        response = self.search("pham moi", on=before)
        official = p.new_official.party_official_on
        self.assertContains(response, f"đảng viên dự bị đến {official:%d/%m/%Y}")
        self.assertEqual(options(self.search("pham moi", on=CELL_ON)), {p.new_official.pk: True})
        # A date typed as the form shows it, or none at all (today).
        response = self.search("pham moi", on=None, date=f"{before:%d/%m/%Y}")
        self.assertEqual(options(response), {p.new_official.pk: False})
        self.assertEqual(options(self.search("pham moi", on=None)), {p.new_official.pk: True})

    def test_people_who_left_are_greyed_with_the_date(self):
        gone = make_person(
            self.o.A1, "Lý Văn Đi", date(1960, 1, 1), official_since=date(1990, 1, 1),
            party_left_on=date(2020, 5, 1), member_status="left",
        )  # fmt: skip
        response = self.search("ly di")
        self.assertEqual(options(response), {gone.pk: False})
        self.assertContains(response, "đã ra khỏi Đảng từ 01/05/2020")

    def test_the_current_mentor_is_greyed(self):
        candidacy = self.advance(self.candidacy("Trần Văn Bình"), Stage.SYMPATHISER)
        services.assign_mentor(candidacy, self.p.mentor, SYMPATHISER_ON)
        response = self.search("le giup", role="giup-do", candidacy=candidacy)
        self.assertEqual(options(response), {self.p.mentor.pk: False})
        self.assertContains(response, "đang giúp đỡ người này")

    def test_a_cell_secretary_sees_only_their_cell(self):
        self.client.force_login(self.u.cell)
        found = options(self.search(""))
        self.assertIn(self.p.introducer1.pk, found)
        self.assertNotIn(self.p.member_A2.pk, found)  # another cell of the commune

    def test_outsiders_get_nothing_and_no_hint(self):
        self.client.force_login(self.u.outsider)
        outside = self.search("nguyen")
        missing = self.client.post(
            PEOPLE, {"x-tim": "nguyen", "field": "x", "vai-tro": "gioi-thieu", "ho-so": 98_765_432}
        )
        self.assertEqual((outside.status_code, missing.status_code), (404, 404))
        self.assertNotContains(outside, "Nguyễn", status_code=404)
        # Their own candidacy lists nobody of ours, whatever is typed.
        mine = self.candidacy("Hồ Văn Xa", cell=self.o.X1)
        found = options(self.search("", candidacy=mine))
        self.assertEqual(set(found), {self.p.member_X1.pk, self.p.member_X1b.pk})
        self.assertEqual(options(self.search("nguyen van gioi", candidacy=mine)), {})

    def test_read_only_users_get_403_and_a_get_is_405(self):
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.search("nguyen").status_code, 403)
        self.client.force_login(self.u.grassroots)
        self.assertEqual(self.client.get(PEOPLE).status_code, 405)
        self.assertEqual(self.search("nguyen", role="bogus").status_code, 404)

    def test_at_most_twenty_rows_and_the_others_counted(self):
        for n in range(SHOWN + 3):
            make_person(
                self.o.A2, f"Nguyễn Văn Tên {n}", date(1980, 1, 1) + timedelta(days=n),
                official_since=date(2010, 1, 1),
            )  # fmt: skip
        response = self.search("nguyen ten")
        self.assertEqual(len(options(response)), SHOWN)
        self.assertContains(response, "và 3 người khác: gõ thêm để thu hẹp.")
        self.assertContains(response, "20 trong 23 kết quả")

    def test_a_cccd_typed_is_searched_too(self):
        person = make_person(
            self.o.A1, "Mai Văn Số", date(1980, 1, 1), official_since=date(2010, 1, 1),
            cccd="001080123456",
        )  # fmt: skip
        self.assertEqual(options(self.search("001080123")), {person.pk: True})


class StandingTests(WorldTestCase):
    def test_the_standings(self):
        p = self.p
        today = date(2026, 1, 1)
        self.assertTrue(standing(p.introducer1, date(2001, 1, 1), today=today).eligible)
        early = standing(p.introducer1, date(2000, 1, 1), today=today)
        self.assertEqual(early.label, "đảng viên dự bị đến 01/06/2000")
        before = standing(p.introducer1, date(1998, 1, 1), today=today)
        self.assertFalse(before.eligible)
        self.assertIn("kết nạp ngày", before.label)
        self.assertFalse(standing(p.probationary, today, today=today).eligible)
        outside = make_person(
            self.o.A1, "Tô Văn Đi", date(1960, 1, 1), official_since=date(1990, 1, 1),
            party_left_on=date(2025, 2, 2),
        )  # fmt: skip
        outside.member_status = "transferred_out"
        self.assertEqual(
            standing(outside, date(2024, 1, 1), today=today).label,
            "đã chuyển sinh hoạt đảng đi từ 02/02/2025",
        )
        source = make_person(self.o.A1, "Tô Thị Nguồn", date(2000, 1, 1))
        self.assertEqual(standing(source, today, today=today).label, "chưa là đảng viên")


@time_machine.travel(LATER, tick=False)
class PickerFormTests(WorldTestCase):
    """Each form still validates the id posted directly."""

    def test_the_forms_show_a_combobox_not_every_cell(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/nguon/moi/")
        self.assertContains(response, 'role="combobox"')
        self.assertContains(response, 'hx-post="/chon/to-chuc/"')
        self.assertNotContains(response, "Chi bộ thôn Tây")  # no option per cell
        self.client.force_login(self.u.cell)
        response = self.client.get("/nguon/moi/")  # a cell's secretary: their cell, chosen
        self.assertContains(response, f'name="cell" value="{self.o.A1.pk}"')
        self.assertContains(response, 'value="Chi bộ thôn Đông"')  # no parent they see

    def test_new_source_cell_out_of_scope_or_not_a_cell(self):
        self.client.force_login(self.u.committee)
        data = {"full_name": "Lò Văn Nguồn", "birth_date": "2000-01-02", "sex": "M",
                "opened_on": SYMPATHISER_ON.isoformat()}  # fmt: skip
        for cell in (self.o.X1, self.o.A, 98_765_432):
            pk = getattr(cell, "pk", cell)
            response = self.client.post("/nguon/moi/", data | {"cell": pk})
            [error] = response.context["form"].errors["cell"]
            self.assertEqual(
                error,
                "Chi bộ: không có chi bộ này (đang hoạt động) trong phạm vi của bạn. Gõ tên rồi "
                "chọn trong danh sách.",
            )
            self.assertNotContains(response, "Chi bộ thôn Nam")
        response = self.client.post("/nguon/moi/", data)
        [error] = response.context["form"].errors["cell"]
        self.assertEqual(error, "Chi bộ: gõ tên rồi chọn một chi bộ trong danh sách.")

    def test_transfer_target_out_of_scope(self):
        self.client.force_login(self.u.committee)
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        url = f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={Step.TRANSFER.value}"
        data = {"date": SYMPATHISER_ON.isoformat(), "version": candidacy.version}
        for cell in (self.o.X1, self.o.A1):  # outside; the cell it is in
            response = self.client.post(url, data | {"to_cell": cell.pk})
            [error] = response.context["form"].errors["to_cell"]
            self.assertTrue(error.startswith("Chuyển đến chi bộ: không có chi bộ này"), error)

    def test_open_candidacy_cell_out_of_scope(self):
        self.client.force_login(self.u.committee)
        source = make_person(self.o.A1, "Tô Thị Nguồn", date(2000, 1, 1))
        response = self.client.post(
            f"/nguoi/{source.pk}/mo-ho-so/",
            {"opened_on": SYMPATHISER_ON.isoformat(), "cell": self.o.X1.pk},
        )
        self.assertIn("Chi bộ: không có chi bộ này", response.context["form"].errors["cell"][0])

    def test_an_introducer_must_be_official_on_the_letter_s_date(self):
        self.client.force_login(self.u.grassroots)
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        url = f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={Step.DOSSIER_PAPER.value}"
        data = {"date": PAPERS_ON.isoformat(), "version": candidacy.version,
                "kind": "introducer_letter", "months_together": 24, "same_grassroots": "on"}  # fmt: skip
        response = self.client.post(url, data | {"introducer": self.p.probationary.pk})
        [error] = response.context["form"].errors["introducer"]
        self.assertTrue(
            error.startswith(
                "Người giới thiệu (đảng viên chính thức): không chọn được Hoàng Thị Dự — "
                "đảng viên dự bị"
            ),
            error,
        )
        self.assertIn(f"(xét vào ngày {PAPERS_ON:%d/%m/%Y})", error)
        response = self.client.post(url, data | {"introducer": self.p.member_X1.pk})
        [error] = response.context["form"].errors["introducer"]
        self.assertIn("không có đảng viên này", error)
        self.assertNotContains(response, "Võ Văn Ngoài")
        response = self.client.post(url, data | {"introducer": self.p.introducer1.pk})
        self.assertEqual(response.status_code, 302)

    def test_the_import_page_s_organisation_out_of_scope(self):
        self.client.force_login(self.u.outsider)
        response = self.client.get("/nhap-du-lieu/")
        self.assertContains(response, 'role="combobox"')
        self.assertContains(response, f'name="organisation" value="{self.o.E.pk}"')
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("a.csv", "Họ và tên\nA\n".encode(), content_type="text/csv")
        response = self.client.post(
            "/nhap-du-lieu/", {"kind": "nguoi", "organisation": self.o.A.pk, "file": upload}
        )
        [error] = response.context["form"].errors["organisation"]
        self.assertTrue(error.startswith("Nhập vào đơn vị: không có đơn vị này"), error)
        self.assertNotContains(response, "Hòa An")


@time_machine.travel(LATER, tick=False)
class PlacePickerTests(WorldTestCase):
    def search(self, q=""):
        return self.client.post("/chon/dia-ban/", {"residence-tim": q, "field": "residence"})

    def test_places_by_their_name_or_their_commune_s(self):
        self.client.force_login(self.u.committee)
        self.assertEqual(set(options(self.search("thon dong"))), {self.world.places.dong.pk})
        found = set(options(self.search("hoa an")))
        self.assertEqual(found, {self.world.places.dong.pk, self.world.places.tay.pk})
        self.assertContains(self.search("dong"), "Đảng bộ xã Hòa An")

    def test_a_cell_secretary_sees_the_places_their_cell_covers_not_the_commune(self):
        self.client.force_login(self.u.cell)
        response = self.search("")
        self.assertEqual(set(options(response)), {self.world.places.dong.pk})
        self.assertNotContains(response, "Hòa An")  # the commune above is not theirs

    def test_an_outsider_learns_nothing(self):
        self.client.force_login(self.u.outsider)
        response = self.search("dong")
        self.assertEqual(options(response), {})
        self.assertEqual(set(options(self.search(""))), {self.world.places.nam.pk})

    def test_the_form_refuses_a_place_outside(self):
        self.client.force_login(self.u.committee)
        response = self.client.post(
            "/nguon/moi/", {"full_name": "Lò Văn Nguồn", "residence": self.world.places.nam.pk}
        )
        [error] = response.context["form"].errors["residence"]
        self.assertTrue(error.startswith("Nơi cư trú (thôn, bản, tổ dân phố): không có địa bàn"))
        self.assertNotContains(response, "Thôn Nam")


@time_machine.travel(LATER, tick=False)
class WithoutJavaScriptTests(WorldTestCase):
    """Text typed and the form sent without a choice: the matches come back as radio buttons."""

    def test_a_cell_typed_then_chosen_among_the_matches(self):
        self.client.force_login(self.u.committee)
        data = {"full_name": "Lò Văn Nguồn", "cell-tim": "thon dong"}
        response = self.client.post("/nguon/moi/", data)
        self.assertIn("cell", response.context["form"].errors)
        self.assertContains(response, "Chọn một trong các kết quả tìm được:")
        self.assertContains(response, f'type="radio" name="cell" value="{self.o.A1.pk}"')
        self.assertContains(response, 'value="thon dong"')  # what was typed stays in the box
        self.assertNotContains(response, f'name="cell" value="{self.o.A2.pk}"')
        # The radio button comes after the empty hidden input: it is the value.
        response = self.client.post("/nguon/moi/", data | {"cell": ["", str(self.o.A1.pk)]})
        self.assertNotIn("cell", response.context["form"].errors)

    def test_an_outsider_s_text_lists_nothing_of_ours(self):
        self.client.force_login(self.u.outsider)
        response = self.client.post("/nguon/moi/", {"cell-tim": "thon dong"})
        self.assertContains(response, "Không tìm thấy kết quả nào")
        self.assertNotContains(response, "Chi bộ thôn Đông")

    def test_people_who_may_not_be_chosen_are_disabled_radios(self):
        self.client.force_login(self.u.grassroots)
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        url = f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={Step.DOSSIER_PAPER.value}"
        response = self.client.post(
            url,
            {"date": PAPERS_ON.isoformat(), "version": candidacy.version,
             "kind": "introducer_letter", "months_together": 24, "introducer-tim": "hoang du"},
        )  # fmt: skip
        text = response.content.decode()
        radio = re.search(rf'name="introducer" value="{self.p.probationary.pk}"[^>]*>', text)
        self.assertIsNotNone(radio, text)
        self.assertIn("disabled", radio.group(0))
        self.assertContains(response, "Hoàng Thị Dự (1995) — Chi bộ thôn Đông · đảng viên dự bị")
