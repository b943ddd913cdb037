"""Retention: the records of people never admitted are anonymised, every report stays the same.

The dataset (:func:`build_dataset`) spreads over 2014–2026 in two districts: members admitted each year
(their composition counts), older members, and candidacies closed without admission — withdrawn,
removed from the list, moved away and deceased before the ceremony, one removed after its
ceremony was voided, one moved to another cell on the way — whose people carry every attribute
the composition counts (women, ethnic minority, religious, young, union members…), mentors'
reports, notes and reasons; members not recognised or moved away during probation, open
candidacies, a person withdrawn once and admitted later, recent exits; two merged duplicates.
Some of it goes through the services (so the audit log holds the values), the rest is written
in bulk (tests/reports/factories.py).

The tests compute every report (``figures.build`` for each kind) for several organisations and
periods, and the size of every list behind the figures, apply retention, and compare.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from io import StringIO

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db.models import Model, QuerySet
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from ptdv.accounts.models import Role, User
from ptdv.imports.models import ImportRun, ImportWarning
from ptdv.members.models import MemberSpell
from ptdv.members.records import correct_person, merge_people, unmerge_people
from ptdv.org.models import Organisation, OrgKind, Place, PlaceKind
from ptdv.people.models import Person, PersonChange, PersonMerge
from ptdv.people.services import PersonRefused
from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.reports import stored
from ptdv.reports.figures import REPORTS, SNAPSHOTS, build, drill
from ptdv.reports.models import StoredReport
from ptdv.retention import policy
from ptdv.retention.anonymise import ERASED, apply, pseudonym
from ptdv.retention.models import RetentionRun
from ptdv.rules.stages import Step
from tests.reports.factories import Dataset, Ev, Tree, path_for, save_places, transfer

#: The day retention is applied (outcomes up to 30/06/2021 are five years old).
TODAY = date(2026, 6, 30)
FIVE_YEARS = date(2021, 6, 30)

#: Attributes that every composition category counts (they would raise every figure).
COUNTED = {
    "sex": "F",
    "ethnicity": "02",
    "religion": "buddhism",
    "youth_union_member": True,
    "trade_union_member": True,
    "local_resident": True,
    "sector": "private_enterprise",
    "professional_level": "university",
    "general_education": "upper_secondary",
}

AUDITED_NAME = "Hoàng Thị Riêng Tư"
AUDITED_CCCD = "001195012345"
AUDITED_NOTE = "Con ông Hoàng Văn Bố, thôn Đông"
AUDITED_REASON = "Chồng chị Riêng Tư chuyển công tác vào Nam"
AUDITED_REPORT = "Chị Riêng Tư tích cực, gia đình theo đạo Phật"
AUDITED_CORRECTION = "Sai tôn giáo theo lời khai của chị Riêng Tư"


def build_dataset() -> dict:
    tree = Tree()
    province = tree.root("Đảng bộ tỉnh Lưu Trữ", OrgKind.PROVINCE)
    district = tree.child(province, "Đảng bộ huyện Núi Cao", OrgKind.DISTRICT)
    commune = tree.child(district, "Đảng bộ xã Hòa Bình", OrgKind.GRASSROOTS_COMMITTEE)
    east = tree.child(commune, "Chi bộ thôn Đông", OrgKind.CELL)
    west = tree.child(commune, "Chi bộ thôn Tây", OrgKind.CELL)
    school = tree.child(district, "Chi bộ Trường THPT Núi Cao", OrgKind.GRASSROOTS_CELL)
    other = tree.child(province, "Đảng bộ huyện Sông Sâu", OrgKind.DISTRICT)
    other_commune = tree.child(other, "Đảng bộ xã Phú Lộc", OrgKind.GRASSROOTS_COMMITTEE)
    south = tree.child(other_commune, "Chi bộ thôn Nam", OrgKind.CELL)
    tree.save()
    for org in tree.nodes:
        if org.kind == OrgKind.DISTRICT:
            Organisation.objects.filter(pk=org.pk).update(
                competent_committee=org, direct_superior=org
            )
    nodes = tree.nodes
    cells = [east, west, school, south]
    villages = save_places(
        [
            (Place(name="Thôn Đông", kind=PlaceKind.VILLAGE, organisation=commune),
             [(date(2010, 1, 1), east)]),
            (Place(name="Thôn Tây", kind=PlaceKind.VILLAGE, organisation=commune),
             [(date(2010, 1, 1), west), (date(2019, 5, 1), east)]),
            (Place(name="Trường THPT", kind=PlaceKind.SCHOOL, organisation=district),
             [(date(2010, 1, 1), school)]),
            (Place(name="Thôn Nam", kind=PlaceKind.VILLAGE, organisation=other_commune),
             [(date(2016, 1, 1), south)]),
        ]
    )  # fmt: skip

    ds = Dataset()
    # Older members of every cell (mentors, the members report's base).
    mentors = {}
    for k, cell in enumerate(cells):
        for j in range(6):
            admitted = date(1995 + j, 3, 1 + k)
            person = ds.person(
                cell,
                admitted_on=admitted,
                official_on=date(admitted.year + 1, 3, 1 + k),
                birth_date=date(1970 + j, 5, 5),
                sex="F" if j % 2 else "M",
            )
            mentors.setdefault(cell.pk, person)

    def young(year: int) -> date:  # 18 to 30 at every step of the year
        return date(year - 22, 7, 15)

    exits: list[tuple[Person, str]] = []
    for year in range(2014, 2026):
        for k, cell in enumerate(cells):
            # Admitted in the year (counted), card or probation depending on the year.
            person = ds.person(cell, birth_date=young(year), **({"sex": "F"} if k % 2 else {}))
            ds.candidacy(
                person,
                path_for(cell, nodes, Step.PARTY_CARD, (Step.CEREMONY, date(year, 4, 10 + k)),
                         not_after=TODAY),
            )  # fmt: skip
            # Withdrawn as a sympathiser, with a note on the source step.
            person = ds.person(cell, birth_date=young(year), **COUNTED)
            events = path_for(cell, nodes, Step.SYMPATHISER, (Step.SOURCE, date(year, 1, 5 + k)))
            events[0].data = {"note": f"Nguồn {year}: con của đảng viên"}
            events.append(Ev(Step.WITHDRAWN, date(year, 6, 1 + k)))
            ds.candidacy(person, events)
            exits.append((person, "withdrawn"))
            # Removed from the list after the cell's vote (a certificate number on the class).
            person = ds.person(cell, birth_date=young(year), **COUNTED)
            events = path_for(cell, nodes, Step.CELL_RESOLUTION, (Step.SOURCE, date(year, 1, 9)))
            events[2].data = {"certificate_number": f"{year}/CN-{k}", "class_name": "Lớp 1"}
            events.append(Ev(Step.REMOVED_FROM_LIST, date(year, 11, 20 + k)))
            ds.candidacy(person, events)
            exits.append((person, "removed"))
        # Moved away with the dossier, deceased before the ceremony, a voided ceremony.
        cell = cells[year % len(cells)]
        person = ds.person(cell, birth_date=young(year), **COUNTED)
        events = path_for(cell, nodes, Step.DOSSIER_PAPER, (Step.SOURCE, date(year, 2, 1)))
        events[-1].data = {"kind": "verification", "subject": "applicant", "result": "issue"}
        events.append(Ev(Step.MOVED_AWAY, date(year, 9, 9)))
        ds.candidacy(person, events)
        exits.append((person, "moved_away"))
        person = ds.person(cell, birth_date=young(year), **COUNTED)
        events = path_for(cell, nodes, Step.AWARENESS_CLASS, (Step.SOURCE, date(year, 2, 2)))
        events.append(Ev(Step.DECEASED, date(year, 8, 8)))
        ds.candidacy(person, events)
        exits.append((person, "deceased"))
        person = ds.person(cell, birth_date=young(year), **COUNTED)
        events = path_for(cell, nodes, Step.CEREMONY, (Step.CEREMONY, date(year, 5, 5)))
        events.append(Ev(Step.CORRECTION, date(year, 5, 20), voids=len(events) - 1))
        events.append(Ev(Step.REMOVED_FROM_LIST, date(year, 10, 1)))
        ds.candidacy(person, events)
        exits.append((person, "removed"))
        # Moved between the commune's cells on the way, then withdrawn.
        person = ds.person(east, birth_date=young(year), **COUNTED)
        events = path_for(east, nodes, Step.SYMPATHISER, (Step.SOURCE, date(year, 3, 3)))
        events.append(transfer(west, date(year, 4, 4), east))
        events.append(Ev(Step.WITHDRAWN, date(year, 7, 7)))
        ds.candidacy(person, events)
        exits.append((person, "withdrawn"))
        # Kept whatever the years: not recognised, moved away during probation.
        person = ds.person(cell, birth_date=young(year), **COUNTED)
        events = path_for(cell, nodes, Step.NEW_MEMBER_CLASS, (Step.CEREMONY, date(year, 3, 3)))
        events.append(Ev(Step.NOT_RECOGNISED, date(year + 1, 3, 20)))
        ds.candidacy(person, events)
        person = ds.person(cell, birth_date=young(year), **COUNTED)
        events = path_for(cell, nodes, Step.CEREMONY, (Step.CEREMONY, date(year, 6, 6)))
        events.append(Ev(Step.MOVED_AWAY, date(year, 12, 1)))
        ds.candidacy(person, events)
    # Open candidacies.
    for cell in cells:
        ds.candidacy(
            ds.person(cell, birth_date=young(2025), **COUNTED),
            path_for(cell, nodes, Step.DOSSIER_PAPER, (Step.SOURCE, date(2025, 9, 1))),
        )
    ds.save()
    # The exits' reasons, free text as the services write it (events refuse updates: the
    # dataset writes them as the services would have).
    QuerySet.update(
        Event.objects.filter(step__in=[Step.WITHDRAWN, Step.REMOVED_FROM_LIST]),
        reason="Hoàn cảnh gia đình: bố mẹ không đồng ý",
    )
    # Mentors and their reports on some closed candidacies (the mentors report counts them).
    for person, outcome in exits[:40]:
        candidacy = Candidacy.objects.get(person=person)
        if candidacy.stage not in ("withdrawn", "removed_from_list"):
            continue
        sympathiser = Event.objects.filter(candidacy=candidacy, step=Step.SYMPATHISER).first()
        if sympathiser is None:
            continue
        assignment = MentorAssignment.objects.create(
            candidacy=candidacy,
            mentor=mentors[sympathiser.cell_id],
            start=sympathiser.date,
            end=candidacy.closed_on,
            end_reason=f"Người được giúp đỡ {outcome}",
        )
        MentorReport.objects.create(
            assignment=assignment,
            period="month",
            period_start=sympathiser.date.replace(day=1),
            text="Gia đình có hoàn cảnh khó khăn, mẹ bị bệnh",
            assessment="fair",
            filed_on=sympathiser.date + timedelta(days=20),
        )
    return {
        "orgs": {"province": province, "district": district, "commune": commune,
                 "east": east, "west": west, "school": school, "south": south},
        "mentors": mentors,
        "villages": villages,
        "exits": exits,
    }  # fmt: skip


def build_audited(world: dict) -> dict:
    """People written through the services: the audit log holds their values."""
    east, west = world["orgs"]["east"], world["orgs"]["west"]
    mentor = world["mentors"][east.pk]
    user = User.objects.create_user("chibo-luu-tru", password="x" * 16, role=Role.CELL,
                                    organisation=east)  # fmt: skip
    village = Place.objects.get(name="Thôn Đông")
    person = Person.objects.create(
        full_name=AUDITED_NAME,
        birth_date=date(1995, 8, 17),
        sex="F",
        cccd=AUDITED_CCCD,
        ethnicity="08",
        religion="catholicism",
        general_education="upper_secondary",
        sector="farmer",
        occupation="Giáo viên mầm non",
        address="Số 9, ngõ 3, thôn Đông",
        residence=village,
        cell=east,
    )
    candidacy = services.open_candidacy(person, date(2016, 3, 1), actor=user, note=AUDITED_NOTE)
    services.record_step(candidacy, Step.SYMPATHISER, date(2016, 4, 1), actor=user,
                         number="03-NQ/CB")  # fmt: skip
    assignment = services.assign_mentor(candidacy, mentor, date(2016, 4, 1))
    services.file_mentor_report(assignment, "month", date(2016, 4, 1), AUDITED_REPORT, "good",
                                filed_on=date(2016, 5, 2))  # fmt: skip
    correct_person(person, {"religion": "buddhism"}, AUDITED_CORRECTION, actor=user,
                   today=date(2016, 6, 1))  # fmt: skip
    services.record_step(candidacy, Step.WITHDRAWN, date(2017, 5, 1), actor=user,
                         reason=AUDITED_REASON, enforce_rules=False)  # fmt: skip
    # The holder's side of a CCCD typed elsewhere (identity.py): a keyed hash of the number.
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=AUDITED_NAME,
        action=LogEntry.Action.ACCESS,
        changes={},
        additional_data={"org_path": east.path, "event": "cccd_elsewhere", "cccd_hash": "ab12"},
    )
    # The same for a personal-history number typed elsewhere.
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=AUDITED_NAME,
        action=LogEntry.Action.ACCESS,
        changes={},
        additional_data={
            "org_path": east.path,
            "event": "history_number_elsewhere",
            "number_hash": "cd34",
        },
    )
    run = ImportRun.objects.create(kind="people", organisation=east, file_name="nguon.xlsx",
                                   sha256="0" * 64, created_by=user)  # fmt: skip
    ImportWarning.objects.create(run=run, row=3, name=AUDITED_NAME, person=person,
                                 message=f"Có thể là {AUDITED_NAME}, sinh 1995")  # fmt: skip
    # Withdrawn once (2015), admitted on a second attempt: kept.
    again = Person.objects.create(full_name="Đinh Văn Hai Lần", birth_date=date(1994, 1, 1),
                                  sex="M", general_education="upper_secondary", sector="farmer",
                                  cell=west)  # fmt: skip
    first = services.open_candidacy(again, date(2014, 1, 1))
    services.record_step(first, Step.WITHDRAWN, date(2015, 1, 1), reason="Đi học",
                         enforce_rules=False)  # fmt: skip
    services.open_candidacy(again, date(2018, 1, 1))
    # Two records of one person each, merged: long ago, and lately.
    merges = []
    for name, days in (("Lý Thị Trùng", 800), ("Mạc Văn Mới Gộp", 90)):
        kept = Person.objects.create(full_name=name, birth_date=date(1990, 3, 3), sex="F",
                                     general_education="upper_secondary", sector="farmer",
                                     cell=east, address="Thôn Đông")  # fmt: skip
        twin = Person.objects.create(full_name=name, birth_date=date(1990, 3, 3), sex="F",
                                     general_education="upper_secondary", sector="farmer",
                                     cell=east, address="Thôn Đông, xã Hòa Bình")  # fmt: skip
        services.open_candidacy(kept, date(2024, 1, 1))
        merge = merge_people(kept, twin, f"Nhập hai lần {name}", actor=user)
        at = timezone.make_aware(
            datetime.combine(TODAY - timedelta(days=days), datetime.min.time())
        )
        PersonMerge.objects.filter(pk=merge.pk).update(recorded_at=at)
        merges.append((kept, twin, merge))
    return {"person": person, "candidacy": candidacy, "again": again, "merges": merges,
            "user": user}  # fmt: skip


# --- reading the reports -----------------------------------------------------------------------


def snapshot(report) -> tuple:
    """Everything a report shows, as plain values."""
    return (
        str(report.title),
        report.start,
        report.end,
        report.on,
        [
            (
                str(t.title),
                [str(c.label) for c in t.columns],
                [
                    (str(r.label), [(c.value, c.drill) for c in r.cells], r.organisation_id,
                     r.level, r.total)
                    for r in t.rows
                ],
                str(t.note),
            )
            for t in report.tables
        ],
        [
            (c.kind, str(c.title), [str(x) for x in c.labels],
             [(str(s.name), list(s.values)) for s in c.series])
            for c in report.charts
        ],
        [str(n) for n in report.notes],
    )  # fmt: skip


PERIODS = [(date(y, 1, 1), date(y, 12, 31)) for y in (2014, 2016, 2018, 2020, 2021, 2023, 2025)]
PERIODS.append((date(2014, 1, 1), TODAY))


def all_reports(orgs: list[Organisation]) -> dict:
    out = {}
    with translation.override("vi"):
        for org in orgs:
            for kind in REPORTS:
                for start, end in PERIODS:
                    if kind in SNAPSHOTS:
                        report = build(kind, org, on=end, start=start, today=TODAY)
                    else:
                        report = build(kind, org, start=start, end=end, today=TODAY)
                    out[(org.pk, kind, start, end)] = snapshot(report)
    return out


def drill_counts(org: Organisation) -> dict:
    """The size of the list behind every figure of every report, over the whole period."""
    out = {}
    start, end = PERIODS[-1]
    with translation.override("vi"):
        for kind in REPORTS:
            kwargs = (
                {"on": end, "start": start} if kind in SNAPSHOTS else {"start": start, "end": end}
            )
            report = build(kind, org, today=TODAY, **kwargs)
            codes = {c.drill for t in report.tables for r in t.rows for c in r.cells if c.drill}
            for code in sorted(codes):
                try:
                    found = drill(kind, org, code, today=TODAY, **kwargs)
                except KeyError:
                    continue
                out[(kind, code)] = found.queryset.count()
    return out


def rows(model: type[Model], manager: str = "objects") -> list[tuple]:
    """Every row of ``model`` as a tuple of its concrete fields' values."""
    names = [f.attname for f in model._meta.concrete_fields]
    return sorted(getattr(model, manager).values_list(*names))


def everything() -> dict:
    return {
        "people": rows(Person, "all_records"),
        "candidacies": rows(Candidacy),
        "events": rows(Event),
        "assignments": rows(MentorAssignment),
        "reports": rows(MentorReport),
        "changes": rows(PersonChange),
        "merges": rows(PersonMerge),
        "spells": rows(MemberSpell),
        "log": sorted(
            (
                e.pk,
                e.object_repr,
                json.dumps(e.changes, sort_keys=True, default=str),
                json.dumps(e.additional_data, sort_keys=True, default=str),
            )
            for e in LogEntry.objects.all()
        ),
        "warnings": rows(ImportWarning),
        "runs": RetentionRun.objects.count(),
    }


class RetentionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_dataset()
        cls.audited = build_audited(cls.world)
        orgs = cls.world["orgs"]
        cls.orgs = [orgs["province"], orgs["commune"], orgs["east"], orgs["school"]]

    def test_every_figure_is_the_same_and_the_people_are_anonymised(self):
        before = all_reports(self.orgs)
        lists = drill_counts(self.world["orgs"]["province"])
        due = policy.due(TODAY)
        self.assertGreater(len(due), 50)
        kept = {
            p.pk: p
            for p in Person.all_records.exclude(pk__in=[d.person_id for d in due]).order_by("pk")
        }
        result = apply(TODAY, batch_size=37)  # several batches, one not full
        self.assertEqual(result.total, len(due))
        self.assertEqual(all_reports(self.orgs), before)
        self.assertEqual(drill_counts(self.world["orgs"]["province"]), lists)
        # Everyone due is anonymised; nobody else changed.
        for d in due:
            person = Person.all_records.get(pk=d.person_id)
            with self.subTest(person=d.person_id, outcome=d.outcome):
                self.assertEqual(person.full_name, pseudonym(person.pk))
                self.assertEqual((person.birth_date.month, person.birth_date.day), (1, 1))
                self.assertEqual(
                    (person.cccd, person.address, person.residence_id, person.occupation,
                     person.ethnicity, person.religion),
                    (None, "", None, "", "", ""),
                )  # fmt: skip
                self.assertIsNotNone(person.anonymised_at)
        for pk, person in kept.items():
            with self.subTest(kept=pk):
                now = Person.all_records.get(pk=pk)
                self.assertEqual(
                    [getattr(now, f.attname) for f in Person._meta.concrete_fields],
                    [getattr(person, f.attname) for f in Person._meta.concrete_fields],
                )

    def test_the_policy_per_outcome(self):
        due = {d.person_id: d for d in policy.due(TODAY)}
        exits = self.world["exits"]
        for person, outcome in exits:
            closed = Candidacy.objects.get(person=person).closed_on
            with self.subTest(person=person.pk, outcome=outcome, closed=closed):
                if closed <= FIVE_YEARS:
                    self.assertEqual(due[person.pk].outcome, outcome)
                    self.assertEqual(due[person.pk].outcome_on, closed)
                else:
                    self.assertNotIn(person.pk, due)  # recent: kept
        # Members (admitted, not recognised, moved away during probation), open candidacies,
        # the person admitted on a second attempt, accounts: never due.
        members = Person.objects.exclude(member_status="none").values_list("pk", flat=True)
        self.assertFalse(set(members) & set(due))
        self.assertGreater(len(members), 50)
        open_ = Candidacy.objects.filter(closed_on__isnull=True).values_list("person_id", flat=True)
        self.assertFalse(set(open_) & set(due))
        self.assertNotIn(self.audited["again"].pk, due)
        # Merged duplicates: the one merged 800 days ago (> 1 year), not the recent one.
        (old_kept, old_twin, _m1), (new_kept, new_twin, _m2) = self.audited["merges"]
        self.assertEqual(due[old_twin.pk].outcome, policy.Outcome.MERGED)
        for pk in (old_kept.pk, new_kept.pk, new_twin.pk):
            self.assertNotIn(pk, due)
        # Longer periods keep more; the settings are checked.
        with override_settings(PTDV_RETENTION_WITHDRAWN_YEARS=10, PTDV_RETENTION_MERGED_YEARS=3):
            longer = {d.person_id: d for d in policy.due(TODAY)}
        withdrawn = [p.pk for p, o in exits if o == "withdrawn"]
        self.assertTrue(
            all(pk not in longer or Candidacy.objects.get(person_id=pk).closed_on
                <= date(2016, 6, 30) for pk in withdrawn)
        )  # fmt: skip
        self.assertNotIn(old_twin.pk, longer)
        for bad in (0, -1, "5", True):
            with (
                override_settings(PTDV_RETENTION_REMOVED_YEARS=bad),
                self.assertRaises(ImproperlyConfigured),
            ):
                policy.years()

    def test_a_dry_run_writes_nothing(self):
        before = everything()
        out = StringIO()
        call_command("retention", "--dry-run", stdout=out)
        self.assertEqual(everything(), before)
        result = apply(TODAY, dry_run=True)
        self.assertEqual(everything(), before)
        self.assertEqual(result.total, len(policy.due(TODAY)))
        self.assertIn("chưa ghi gì", out.getvalue())
        out = StringIO()
        call_command("retention", "--dry-run", "--on", TODAY.isoformat(), stdout=out)
        self.assertIn(f"{result.total} hồ sơ", out.getvalue())
        self.assertIn("Tự rút khỏi danh sách:", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("retention", "--apply", "--on", "2030-01-01")
        with self.assertRaises(CommandError):
            call_command("retention", "--dry-run", "--on", "30/06/2026")

    def test_no_stored_report_survives_an_anonymisation(self):
        # The mentors' report of a past year names the mentors: stored, then anonymised.
        province = self.world["orgs"]["province"]
        last_year = {"start": date(TODAY.year - 1, 1, 1), "end": date(TODAY.year - 1, 12, 31)}
        stored.build("mentors", province, today=TODAY, **last_year)
        self.assertEqual(StoredReport.objects.count(), 1)
        apply(TODAY, dry_run=True)
        self.assertEqual(StoredReport.objects.count(), 1)  # a dry run changes nothing
        self.assertGreater(apply(TODAY).total, 0)
        self.assertEqual(StoredReport.objects.count(), 0)

    def test_applying_again_changes_nothing(self):
        first = apply(TODAY)
        self.assertGreater(first.total, 0)
        after = everything()
        second = apply(TODAY)
        self.assertEqual(second.total, 0)
        later = everything()
        self.assertEqual(later.pop("runs"), after.pop("runs") + 1)
        self.assertEqual(later, after)
        run = RetentionRun.objects.order_by("started_at", "pk").first()
        self.assertEqual(run.anonymised, first.total)
        self.assertEqual(run.by_outcome, dict(first.by_outcome))
        self.assertEqual(run.policy["withdrawn"], 5)
        self.assertIsNotNone(run.finished_at)

    def test_the_audit_log_and_the_records_keep_no_old_value(self):
        person, candidacy = self.audited["person"], self.audited["candidacy"]
        secrets = (AUDITED_NAME, AUDITED_CCCD, AUDITED_NOTE, AUDITED_REASON, AUDITED_REPORT,
                   AUDITED_CORRECTION, "Số 9, ngõ 3", "Giáo viên mầm non", "17/08/1995",
                   "1995-08-17", "catholicism", "buddhism", "Công giáo", "Phật giáo", "ab12", "cd34")  # fmt: skip
        ours = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk)
        )
        self.assertTrue(any(AUDITED_NAME in e.object_repr for e in ours))
        entries_before = sorted(
            (e.pk, e.action, e.timestamp, sorted(e.changes or {})) for e in ours
        )
        call_command("retention", "--apply", stdout=StringIO())  # today: after 2017 + 5 years
        person.refresh_from_db()
        self.assertEqual(person.full_name, pseudonym(person.pk))
        dump = json.dumps(
            [
                [e.object_repr, e.changes, e.changes_text, e.serialized_data, e.additional_data]
                for e in LogEntry.objects.all()
            ],
            ensure_ascii=False,
            default=str,
        )
        records = json.dumps(
            {k: v for k, v in everything().items() if k not in ("log", "spells")},
            ensure_ascii=False,
            default=str,
        )
        for secret in secrets:
            with self.subTest(secret=secret):
                # No entry of the person's, their candidacy's, events', mentoring's or reports'
                # holds it (other people's entries may hold "Phật giáo" etc. of their own).
                for entry in self._entries_of(person, candidacy):
                    text = json.dumps(
                        [entry.object_repr, entry.changes, entry.changes_text,
                         entry.serialized_data, entry.additional_data],
                        ensure_ascii=False, default=str,
                    )  # fmt: skip
                    self.assertNotIn(secret, text, entry.content_type.model)
        for secret in (AUDITED_NAME, AUDITED_CCCD, AUDITED_NOTE, AUDITED_REASON, AUDITED_REPORT,
                       AUDITED_CORRECTION, "Riêng Tư"):  # fmt: skip
            with self.subTest(anywhere=secret):
                self.assertNotIn(secret, dump)
                self.assertNotIn(secret, records)
        # Who did what, and when, stays; one new entry says why, without personal data.
        entry = ours.filter(additional_data__event="retention_anonymised").get()
        self.assertEqual(
            sorted(
                (e.pk, e.action, e.timestamp, sorted(e.changes or {}))
                for e in ours.exclude(pk=entry.pk)
            ),
            entries_before,
        )
        self.assertEqual(entry.additional_data["outcome"], "withdrawn")
        self.assertEqual(entry.additional_data["outcome_on"], "2017-05-01")
        self.assertEqual(entry.additional_data["retention_years"], 5)
        self.assertEqual(entry.additional_data["org_path"], self.world["orgs"]["east"].path)
        # The steps stay as the state machine and the reports read them.
        events = list(Event.objects.filter(candidacy=candidacy).order_by("seq"))
        self.assertEqual([e.step for e in events], ["source", "sympathiser", "withdrawn"])
        self.assertEqual(events[1].number, "03-NQ/CB")
        self.assertEqual([e.reason for e in events], ["", "", ""])
        self.assertEqual(events[0].data, {})
        report = MentorReport.objects.get(assignment__candidacy=candidacy)
        self.assertEqual((report.text, report.assessment), (ERASED, "good"))
        change = PersonChange.objects.get(person=person)
        self.assertEqual(change.changes, {"religion": [ERASED, ERASED]})
        self.assertEqual(change.reason, ERASED)
        warning = ImportWarning.objects.get(person=person)
        self.assertEqual((warning.name, warning.message), ("", ERASED))

    def _entries_of(self, person, candidacy):
        types = ContentType.objects.get_for_models(
            Person, Candidacy, Event, MentorAssignment, MentorReport
        )
        keys = {
            Person: [person.pk],
            Candidacy: [candidacy.pk],
            Event: list(Event.objects.filter(candidacy=candidacy).values_list("pk", flat=True)),
            MentorAssignment: list(
                MentorAssignment.objects.filter(candidacy=candidacy).values_list("pk", flat=True)
            ),
            MentorReport: list(
                MentorReport.objects.filter(assignment__candidacy=candidacy).values_list(
                    "pk", flat=True
                )
            ),
        }
        for model, pks in keys.items():
            yield from LogEntry.objects.filter(
                content_type=types[model], object_pk__in=[str(pk) for pk in pks]
            )

    def test_merged_duplicates_and_what_an_anonymised_record_refuses(self):
        (old_kept, old_twin, old_merge), (_new_kept, new_twin, _m) = self.audited["merges"]
        apply(TODAY)
        old_twin.refresh_from_db()
        self.assertEqual(old_twin.full_name, pseudonym(old_twin.pk))
        merge = PersonMerge.objects.get(pk=old_merge.pk)
        self.assertEqual(merge.reason, ERASED)
        self.assertEqual(merge.moved["merged_fields"].get("cccd"), None)
        kept = Person.objects.get(pk=old_kept.pk)
        self.assertEqual(kept.full_name, "Lý Thị Trùng")  # the record kept keeps its data
        self.assertEqual(Person.all_records.get(pk=new_twin.pk).full_name, "Mạc Văn Mới Gộp")
        with self.assertRaises(PersonRefused) as refused:
            unmerge_people(merge, "Gộp nhầm")
        self.assertIn("ẩn danh", refused.exception.messages[0])
        person = Person.objects.get(pk=self.audited["person"].pk)
        with self.assertRaises(PersonRefused):
            correct_person(person, {"occupation": "Nông dân"}, "Bổ sung")

    def test_the_pages_of_an_anonymised_record(self):
        apply(TODAY)
        person, candidacy = self.audited["person"], self.audited["candidacy"]
        self.client.force_login(self.audited["user"])
        page = self.client.get(f"/nguoi/{person.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, pseudonym(person.pk))
        self.assertContains(page, "Hồ sơ đã được ẩn danh ngày")
        self.assertNotContains(page, AUDITED_NAME)
        self.assertNotContains(page, "TB-DLCN.docx")
        page = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, AUDITED_NAME)
        self.assertNotContains(page, AUDITED_REASON)
        response = self.client.post(
            f"/nguoi/{person.pk}/dinh-chinh/",
            {"full_name": "Hoàng Thị Mới", "birth_date": "1995-01-01", "sex": "F",
             "ethnicity": "01", "religion": "none", "general_education": "upper_secondary",
             "professional_level": "none", "theory_level": "none", "sector": "farmer",
             "reason": "Thử"},
        )  # fmt: skip
        self.assertContains(response, "Hồ sơ đã được ẩn danh theo chính sách lưu trữ")
        person.refresh_from_db()
        self.assertEqual(person.full_name, pseudonym(person.pk))
