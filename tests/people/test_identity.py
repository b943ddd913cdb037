"""What a user may learn about who is who: nothing about people outside their subtree.

Each leak found in review has a test here that fails on the code before the fix: the import's
problems naming the holder of a CCCD or a same-name person elsewhere, "Thêm nguồn" naming the
holder of a CCCD, and the unbounded number of such answers.
"""

from __future__ import annotations

import tempfile
from datetime import date

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings

from ptdv.imports import running
from ptdv.imports.models import ImportProblem, Status
from ptdv.org.models import Organisation, OrgKind
from ptdv.people.identity import (
    HISTORY_NUMBER_PROBE_EVENT,
    PROBE_EVENT,
    CccdElsewhere,
    HistoryNumberElsewhere,
    Identities,
    ProbeLimitReached,
)
from ptdv.people.models import Person
from ptdv.people.validators import clean_full_name
from tests.base import WorldTestCase, cccd_for, make_person
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes

TODAY = date(2026, 12, 1)
FARMER = "Nông dân, lao động tự do ở nông thôn"


def row(name, birth, cccd="", cell="Chi bộ thôn Đông", sex="Nam"):
    return [name, birth, sex, cccd, "12/12", FARMER, cell]


class OutsiderTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Somebody in the other district, with a CCCD.
        cls.far = cls.p.member_X1  # Võ Văn Ngoài, 12/12/1971, Chi bộ thôn Nam
        cls.far.cccd = cccd_for(cls.far.birth_date, "M", "079")
        cls.far.save()
        # And somebody in another province's tree altogether.
        cls.Q = Organisation.objects.add_root(
            {"name": "Đảng bộ tỉnh Bên Kia", "kind": OrgKind.PROVINCE, "code": "BK"}
        )
        cls.Q1 = Organisation.objects.add_child(
            cls.Q, {"name": "Chi bộ thôn Xa Lắc", "kind": OrgKind.CELL}
        )
        cls.stranger = make_person(
            cls.Q1,
            "Lý Thị Lạ",
            date(1988, 8, 8),
            sex="F",
            cccd=cccd_for(date(1988, 8, 8), "F", "001"),
        )

    def assert_says_nothing_of(self, text: str, person: Person) -> None:
        for secret in (
            person.full_name,
            f"{person.birth_date:%d/%m/%Y}",
            person.cell.name,
        ):
            self.assertNotIn(secret, text)


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-identity-tests-"))
class ImportOracleTests(OutsiderTestCase):
    def preview(self, rows, user=None, root=None):
        content = xlsx_bytes(PERSON_HEADERS, rows)
        run = make_run(user or self.u.cell, root or self.o.A1, "nguoi", content)
        return running.preview(run, today=TODAY)

    def problems(self, run) -> list[str]:
        return [p.message for p in ImportProblem.objects.filter(run=run)]

    def test_a_cccd_held_elsewhere_names_nobody(self):
        run = self.preview([row("Nguyễn Văn Thử", "12/12/1971", cccd=self.far.cccd)])
        self.assertEqual(run.failures, 1)
        (message,) = self.problems(run)
        self.assert_says_nothing_of(message, self.far)
        self.assertIn("tổ chức đảng khác", message)
        # Whom to ask: the province, above both the cell and the other district.
        self.assertIn("Đảng bộ tỉnh Thử Nghiệm", message)

    def test_the_same_answer_when_the_name_and_birth_date_match_too(self):
        """Otherwise the message would confirm a guessed name and birth date."""
        wrong = self.problems(self.preview([row("Nguyễn Văn Thử", "12/12/1971", self.far.cccd)]))
        right = self.problems(self.preview([row(self.far.full_name, "12/12/1971", self.far.cccd)]))
        self.assertEqual(wrong, right)

    def test_another_tree_says_to_ask_the_administrator(self):
        run = self.preview([row("Lý Thị Lạ", "08/08/1988", self.stranger.cccd, sex="Nữ")])
        (message,) = self.problems(run)
        self.assert_says_nothing_of(message, self.stranger)
        self.assertIn("quản trị hệ thống", message)

    def test_a_name_and_birth_date_outside_are_no_match(self):
        """Before: "Trùng họ tên và ngày sinh với … (CCCD …, Chi bộ thôn Nam)"."""
        run = self.preview([row(self.far.full_name, "12/12/1971")])
        self.assertEqual((run.creates, run.failures), (1, 0), self.problems(run))

    def test_refusals_are_audited_on_both_sides_without_the_number(self):
        self.preview([row("Nguyễn Văn Thử", "12/12/1971", cccd=self.far.cccd)])
        entries = LogEntry.objects.filter(additional_data__event=PROBE_EVENT)
        paths = sorted(e.additional_data["org_path"] for e in entries)
        self.assertEqual(paths, sorted([self.o.A1.path, self.o.X1.path]))
        asker = entries.get(additional_data__org_path=self.o.A1.path)
        self.assertEqual((asker.actor, asker.object_pk), (self.u.cell, ""))
        self.assertNotIn(self.far.full_name, asker.object_repr)
        holder = entries.get(additional_data__org_path=self.o.X1.path)
        self.assertEqual(holder.object_id, self.far.pk)
        for entry in entries:
            self.assertNotIn(self.far.cccd, str(entry.additional_data))

    @override_settings(PTDV_CCCD_ELSEWHERE_LIMIT=2)
    def test_past_the_limit_the_file_stops(self):
        others = [
            make_person(self.o.X1, f"Người Ngoài {n}", date(1980, 1, n), cccd=cccd_for(
                date(1980, 1, n), "M", "079"))
            for n in (1, 2, 3)
        ]  # fmt: skip
        names = ("Thử Số Một", "Thử Số Hai", "Thử Số Ba")
        rows = [row(name, f"{p.birth_date:%d/%m/%Y}", p.cccd)
                for name, p in zip(names, others, strict=True)]  # fmt: skip
        run = self.preview(rows)
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("2 số CCCD", run.message)
        self.assertIn("dòng 4", run.message)
        self.assertLessEqual(len(self.problems(run)), 2)
        for person in others:
            self.assertNotIn(person.full_name, run.message)
        # The same numbers again count once: a file checked twice is not twice the probes.
        with override_settings(PTDV_CCCD_ELSEWHERE_LIMIT=3):
            self.assertEqual(self.preview(rows).failures, 3)
            self.assertEqual(self.preview(rows).failures, 3)

    def test_people_inside_the_subtree_are_still_named(self):
        """The grassroots officer sees the cells of the commune: the old, helpful messages."""
        member = self.p.member_A2
        member.cccd = cccd_for(member.birth_date, "M")
        member.save()
        run = self.preview(
            [row("Người Khác Hẳn", "01/01/1972", cccd=member.cccd)],
            user=self.u.grassroots,
            root=self.o.A,
        )
        self.assertIn("đã có trong ptdv cho người khác: Vũ Văn Tây", self.problems(run)[0])

    def test_a_run_names_nobody_outside_the_organisation_imported_into(self):
        """The district's officer imports into commune A: a grassroots officer of A may read the
        run, so it names nobody of commune B either (the district could see them)."""
        member = self.p.member_B1
        member.cccd = cccd_for(member.birth_date, "M")
        member.save()
        run = self.preview(
            [row("Người Khác Hẳn", f"{member.birth_date:%d/%m/%Y}", cccd=member.cccd)],
            user=self.u.committee,
            root=self.o.A,
        )
        (message,) = self.problems(run)
        self.assert_says_nothing_of(message, member)
        self.assertIn("Đảng bộ huyện Núi Xanh", message)  # above commune A and commune B

    def test_likely_duplicates_are_shown_before_confirming(self):
        same = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3))
        make_person(self.o.X1, "Lò Văn Trùng", date(1990, 5, 5))  # outside: never shown
        run = self.preview([row("Lò Văn Trùng", "07/07/1990")])
        self.assertEqual((run.creates, run.failures, run.warning_count), (1, 0, 1))
        self.assertTrue(run.can_commit)
        (warning,) = run.warnings.all()
        self.assertEqual((warning.row, warning.person), (2, same))
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Cần xem lại trước khi xác nhận")
        self.assertContains(page, f'href="/nguoi/{same.pk}/"')
        self.assertNotContains(page, "Chi bộ thôn Nam")
        # Once that person is out of the reader's sight, the run no longer names them.
        Person.objects.filter(pk=same.pk).update(cell=self.o.B1)
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertNotContains(page, f'href="/nguoi/{same.pk}/"')
        self.assertContains(page, "Có thể trùng với một người đã có trong ptdv.")


class SourceFormTests(OutsiderTestCase):
    def data(self, **changes):
        birth = date(2000, 1, 2)
        data = {
            "full_name": "Lò Văn Nguồn",
            "birth_date": birth.isoformat(),
            "sex": "M",
            "cccd": "",
            "ethnicity": "03",
            "religion": "none",
            "general_education": "upper_secondary",
            "professional_level": "none",
            "sector": "farmer",
            "cell": self.o.A1.pk,
            "opened_on": "2024-09-03",
        }
        data.update(changes)
        return data

    def setUp(self):
        self.client.force_login(self.u.cell)

    def test_a_cccd_held_elsewhere_names_nobody(self):
        """Before: Django's "Người với Số CCCD này đã tồn tại." — now also says whom to ask."""
        count = Person.objects.count()
        response = self.client.post(
            "/nguon/moi/",
            self.data(full_name="Võ Văn Ngoài", birth_date="1971-12-12", cccd=self.far.cccd),
        )
        self.assertEqual(response.status_code, 200)
        (message,) = response.context["form"].errors["cccd"]
        self.assertIn("tổ chức đảng khác", message)
        self.assertIn("Đảng bộ tỉnh Thử Nghiệm", message)
        html = response.content.decode()
        self.assertNotIn("Chi bộ thôn Nam", html)
        self.assertNotIn(f"/nguoi/{self.far.pk}/", html)
        self.assertEqual(Person.objects.count(), count)

    def test_a_cccd_inside_links_to_the_person(self):
        mine = make_person(self.o.A1, "Lò Thị Có", date(2000, 1, 2), sex="F",
                           cccd=cccd_for(date(2000, 1, 2), "F"))  # fmt: skip
        response = self.client.post(
            "/nguon/moi/", self.data(full_name="Lò Thị Có", sex="F", cccd=mine.cccd)
        )
        self.assertIn(
            "Số CCCD này đã có trong ptdv: Lò Thị Có", str(response.context["form"].errors)
        )
        self.assertContains(response, f'href="/nguoi/{mine.pk}/"')

    def test_likely_duplicates_are_listed_before_writing(self):
        same = make_person(self.o.A1, "Lò Văn Nguồn", date(2000, 1, 2))
        count = Person.objects.count()
        response = self.client.post("/nguon/moi/", self.data())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Person.objects.count(), count)
        self.assertContains(response, f'href="/nguoi/{same.pk}/"')
        self.assertContains(response, "cùng họ tên và ngày sinh")
        self.assertContains(response, 'name="confirm_new"')
        # Confirmed: a different person after all.
        response = self.client.post("/nguon/moi/", self.data(confirm_new="on"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Person.objects.count(), count + 1)

    def test_same_name_birth_year_and_cell(self):
        make_person(self.o.A1, "Lò Văn Nguồn", date(2000, 7, 30))
        response = self.client.post("/nguon/moi/", self.data())
        self.assertContains(response, "cùng họ tên, năm sinh và chi bộ")

    def test_no_duplicate_warning_from_outside_the_subtree(self):
        response = self.client.post(
            "/nguon/moi/", self.data(full_name="Võ Văn Ngoài", birth_date="1971-12-12")
        )
        self.assertEqual(response.status_code, 302)

    def test_names_the_import_refuses_are_refused_here_with_the_same_message(self):
        from ptdv.imports.columns import CellError, parse_name

        # (C0 control characters are refused for the whole request before any form: see
        # tests/access; the validator refuses them too, for the import.)
        for name in ("Lò\u202eVăn Nguồn", "Lò Văn\u200b Nguồn", "<script>alert(1)</script>",
                     "A", "A B", "Lò Văn 2", "x" * 121):  # fmt: skip
            with self.subTest(name=name):
                response = self.client.post("/nguon/moi/", self.data(full_name=name))
                self.assertEqual(response.status_code, 200)
                errors = response.context["form"].errors["full_name"]
                with self.assertRaises(CellError) as caught:
                    parse_name(name)
                self.assertEqual(" ".join(errors), str(caught.exception))


class IdentitiesTests(OutsiderTestCase):
    def test_what_each_user_sees(self):
        far = Identities(self.u.cell).holders([self.far.cccd])[self.far.cccd]
        self.assertFalse(isinstance(far, Person))
        self.assertEqual(far.contact, self.o.P)
        near = Identities(self.u.admin).holders([self.far.cccd])[self.far.cccd]
        self.assertEqual(near, self.far)
        self.assertEqual(
            Identities(self.u.cell).same_name_and_birth([("vo van ngoai", self.far.birth_date)]),
            {},
        )
        self.assertEqual(
            Identities(self.u.outsider)
            .likely_duplicates("Võ Văn Ngoài", self.far.birth_date)[0]
            .person,
            self.far,
        )


class HistoryNumberRefusalTests(OutsiderTestCase):
    """The personal-history number is unique too: its answer about somebody outside is audited
    and counted as the CCCD's is, on a count of its own."""

    def refuse(self, identities: Identities, number: str, holder: Person | None = None):
        return identities.refuse(HistoryNumberElsewhere(number, holder=holder or self.far))

    def test_audited_on_both_sides_without_the_number(self):
        answer = self.refuse(Identities(self.u.cell, context="Đính chính"), "765432HN")
        self.assertIn("765432HN", answer.message)
        self.assert_says_nothing_of(answer.message, self.far)
        entries = LogEntry.objects.filter(additional_data__event=HISTORY_NUMBER_PROBE_EVENT)
        asker = entries.get(object_pk="")
        self.assertEqual(
            (asker.actor, asker.additional_data["org_path"]), (self.u.cell, self.o.A1.path)
        )
        self.assertIn("…2HN", asker.object_repr)
        holder = entries.get(object_id=self.far.pk)
        self.assertEqual(holder.additional_data["org_path"], self.far.cell.path)
        for entry in entries:
            self.assertNotIn("765432", f"{entry.object_repr} {entry.additional_data}")
            self.assertTrue(entry.additional_data["number_hash"])
        self.assertFalse(LogEntry.objects.filter(additional_data__event=PROBE_EVENT).exists())

    @override_settings(PTDV_CCCD_ELSEWHERE_LIMIT=2)
    def test_past_the_limit_refused_on_its_own_count(self):
        identities = Identities(self.u.cell)
        self.refuse(identities, "100001HN")
        self.refuse(identities, "100002HN")
        self.refuse(identities, "100001HN")  # the same number again counts once
        with self.assertRaises(ProbeLimitReached) as caught:
            self.refuse(Identities(self.u.cell), "100003HN")  # a new request: read from the log
        self.assertIn("2 số lý lịch đảng viên", caught.exception.message)
        # The CCCD's count is another: not reached by the personal-history numbers.
        cccd = Identities(self.u.cell).holders([self.far.cccd])[self.far.cccd]
        self.assertIsInstance(cccd, CccdElsewhere)
        assert isinstance(cccd, CccdElsewhere)
        self.assertEqual(Identities(self.u.cell).refuse(cccd), cccd)
        # Nor is another user's.
        self.assertIsNotNone(self.refuse(Identities(self.u.grassroots), "100003HN"))


class NameRuleTests(SimpleTestCase):
    def test_control_and_invisible_characters(self):
        for name in ("Lò Văn\x07 Nguồn", "Lò Văn\x00 Nguồn", "Lò\u202eVăn Nguồn", "Lò\u200bVăn"):
            with self.subTest(name=name), self.assertRaises(ValidationError) as caught:
                clean_full_name(name)
            self.assertEqual(caught.exception.code, "name_control")

    def test_valid_names(self):
        for name, expected in (("nguyễn văn a", "Nguyễn Văn A"), ("H'Hen  Niê", "H'Hen Niê"),
                               ("Lò Văn Páo", "Lò Văn Páo"), ("Trần Thị Ý", "Trần Thị Ý")):  # fmt: skip
            self.assertEqual(clean_full_name(name), expected)
