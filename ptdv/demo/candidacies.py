"""The demo's candidacies: applicants at every stage, their events planned on the state machine's
route (some late, some failed votes, a correction now and then), their mentors and the mentors'
reports; the cached state computed as the pipeline's services compute it."""

from __future__ import annotations

from datetime import date, timedelta

from ptdv.org.models import Organisation, OrgKind
from ptdv.people.models import Person
from ptdv.pipeline.bulk import fill_cache
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import PROGRESS_STAGES, Stage, Step, stage_index
from ptdv.rules.votes import vote_passed, votes_required

from .people import PeopleBuilder
from .tree import BATCH, CellInfo

STAGE_WEIGHTS: list[tuple[Stage, float]] = [
    (Stage.SOURCE, 16),
    (Stage.SYMPATHISER, 13),
    (Stage.AWARENESS_TRAINED, 8),
    (Stage.DOSSIER, 10),
    (Stage.CELL_RESOLVED, 4),
    (Stage.PARTIAL_APPRAISED, 1),
    (Stage.GRASSROOTS_RESOLVED, 4),
    (Stage.ADMISSION_DECIDED, 5),
    (Stage.PROBATIONARY, 10),
    (Stage.NEW_MEMBER_TRAINED, 6),
    (Stage.RECOGNITION_CELL_RESOLVED, 2.5),
    (Stage.OFFICIAL, 3.5),
    (Stage.CARD_ISSUED, 9),
    (Stage.WITHDRAWN, 2),
    (Stage.REMOVED_FROM_LIST, 3),
    (Stage.NOT_RECOGNISED, 1),
    (Stage.MOVED_AWAY, 2),
    (Stage.DECEASED, 0.5),
]
EXIT_STEP = {
    Stage.WITHDRAWN: Step.WITHDRAWN,
    Stage.REMOVED_FROM_LIST: Step.REMOVED_FROM_LIST,
    Stage.NOT_RECOGNISED: Step.NOT_RECOGNISED,
    Stage.MOVED_AWAY: Step.MOVED_AWAY,
    Stage.DECEASED: Step.DECEASED,
}
EXIT_REASONS = {
    Step.WITHDRAWN: "Xin rút vì hoàn cảnh gia đình",
    Step.REMOVED_FROM_LIST: "Không còn đủ tiêu chuẩn: vi phạm quy định của địa phương",
    Step.NOT_RECOGNISED: "Không đủ tư cách đảng viên sau thời gian dự bị",
    Step.MOVED_AWAY: "Chuyển đi làm ăn xa",
    Step.DECEASED: "Từ trần",
}


class _Timeline:
    """The events of one candidacy being planned, and the date reached."""

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar
        self.events: list[dict] = []
        self.d = date(2000, 1, 1)

    def add(self, step, gap_days=0, working=None, **kw) -> None:
        self.d = (
            self.calendar.add_working_days(self.d, working)
            if working is not None
            else self.d + timedelta(days=gap_days)
        )
        self.events.append({"step": step, "date": self.d, **kw})


class CandidacyBuilder(PeopleBuilder):
    """The candidacies, drawn from the builder's generator (``self.rng``)."""

    calendar: WorkingCalendar

    def _dwell(self, stage: Stage) -> int:
        """Days spent in the current stage; about one in seven is past its deadline."""
        late = self.rng.random() < 0.15
        r = self.rng.randint
        return {
            Stage.CELL_RESOLVED: r(95, 130) if late else r(3, 30),
            Stage.PARTIAL_APPRAISED: r(95, 130) if late else r(3, 20),
            Stage.GRASSROOTS_RESOLVED: r(5, 40) if late else r(3, 25),
            Stage.ADMISSION_DECIDED: r(48, 80) if late else r(2, 35),
            Stage.PROBATIONARY: r(400, 450) if late else r(1, 300),
            Stage.NEW_MEMBER_TRAINED: r(330, 400) if late else r(1, 200),
            Stage.RECOGNITION_CELL_RESOLVED: r(48, 70) if late else r(2, 35),
            Stage.OFFICIAL: r(5, 90),
            Stage.DOSSIER: r(380, 420) if late else r(5, 200),
        }.get(stage, r(5, 250))

    def plan(
        self, info: CellInfo, person: Person, target: Stage, mentors: list[Person]
    ) -> tuple[list[dict], date]:
        """The events of one candidacy, ending ``dwell`` days before today."""
        rng = self.rng
        exit_step = EXIT_STEP.get(target)
        reach = target
        if exit_step is not None:
            reach = {
                Step.NOT_RECOGNISED: Stage.NEW_MEMBER_TRAINED,
            }.get(exit_step, rng.choice(PROGRESS_STAGES[:4]))
            if exit_step in (Step.MOVED_AWAY, Step.DECEASED) and rng.random() < 0.3:
                reach = Stage.PROBATIONARY
        t = _Timeline(self.calendar)
        idx = stage_index(reach)
        n_members = max(3, len(info.members))
        t.add(Step.SOURCE)
        self._plan_until_dossier(t, idx, person, mentors)
        if idx >= 4:
            self._plan_admission(t, idx, info, n_members)
        self._plan_probation(t, idx, n_members)
        self._plan_end(t, info, target, exit_step)
        events = t.events
        dwell = self._dwell(
            Stage.DOSSIER if exit_step is None and reach is Stage.DOSSIER else target
        )
        shift = (self.today - timedelta(days=dwell)) - t.d
        for e in events:
            e["date"] += shift
        self._choose_introducers(events, mentors)
        return events, events[0]["date"]

    def _vote(self, cell_members: int, fail=False):
        rng = self.rng
        present = max(1, cell_members - rng.randint(0, max(0, cell_members // 6)))
        needed = votes_required(cell_members, rule_set_for(self.today))
        in_favour = min(present, needed - 1) if fail else rng.randint(min(needed, present), present)
        return {
            "official_members": cell_members,
            "present": present,
            "in_favour": in_favour,
            "against": present - in_favour,
        }

    def _plan_until_dossier(
        self, t: _Timeline, idx: int, person: Person, mentors: list[Person]
    ) -> None:
        """Sympathiser, awareness class, the dossier's papers (some missing before the vote)."""
        rng = self.rng
        if idx >= 1:
            t.add(Step.SYMPATHISER, rng.randint(30, 120), number=f"{rng.randint(1, 40)}-NQ/CB")
        if idx >= 2:
            t.add(
                Step.AWARENESS_CLASS,
                rng.randint(20, 120),
                data={
                    "class_name": "Lớp bồi dưỡng nhận thức về Đảng",
                    "certificate_number": f"{rng.randint(1, 9999):04d}/CN",
                },
            )
        if idx >= 3:
            youth = person.youth_union_member
            intro = rng.sample(mentors, k=min(2, len(mentors))) if mentors else []
            papers = [
                {"kind": "application"},
                {"kind": "personal_history"},
                {"kind": "verification", "subject": "applicant", "result": "ok"},
                {"kind": "verification", "subject": "father", "result": "ok"},
                {"kind": "verification", "subject": "mother", "result": "ok"},
            ]
            if youth:
                papers.append({"kind": "union_resolution", "introducer_kind": "youth_union"})
                intro = intro[:1]
            for who in intro:
                short = rng.random() < 0.05
                papers.append(
                    {
                        "kind": "introducer_letter",
                        "introducer_kind": "member",
                        "introducer_id": who.pk,
                        "months_together": rng.randint(7, 11) if short else rng.randint(12, 120),
                        "same_grassroots": True,
                    }
                )
            papers.append({"kind": "comments"})
            complete = idx >= 4 or rng.random() < 0.5
            if not complete:
                papers = papers[: rng.randint(1, len(papers) - 1)]
            for i, paper in enumerate(papers):
                t.add(
                    Step.DOSSIER_PAPER,
                    rng.randint(10, 60) if i == 0 else rng.randint(0, 10),
                    data=paper,
                )

    def _plan_admission(self, t: _Timeline, idx: int, info: CellInfo, n_members: int) -> None:
        """The cell's vote (sometimes failed once), the appraisals and the admission decision
        (sometimes recorded with a wrong date, then corrected)."""
        rng = self.rng
        has_partial = any(a.kind == OrgKind.PARTIAL_COMMITTEE for a in info.ancestors)
        grassroots_cell = info.node.kind == OrgKind.GRASSROOTS_CELL
        if rng.random() < 0.05:
            t.add(
                Step.CELL_RESOLUTION,
                rng.randint(7, 30),
                number=f"{rng.randint(1, 99)}-NQ/CB",
                votes=self._vote(n_members, fail=True),
            )
        t.add(
            Step.CELL_RESOLUTION,
            rng.randint(7, 30),
            number=f"{rng.randint(1, 99)}-NQ/CB",
            votes=self._vote(n_members),
        )
        cell_resolution = t.d
        if has_partial and idx >= 5:
            t.add(
                Step.PARTIAL_APPRAISAL,
                working=rng.randint(3, 10),
                number=f"{rng.randint(1, 99)}-BC/ĐUBP",
            )
        if not grassroots_cell and idx >= 6:
            t.add(
                Step.GRASSROOTS_RESOLUTION,
                working=rng.randint(5, 20),
                number=f"{rng.randint(1, 299)}-NQ/ĐU",
            )
        if idx >= 7:
            late = rng.random() < 0.05
            t.d = cell_resolution
            gap = rng.randint(62, 75) if late else rng.randint(25, 55)
            wrong = rng.random() < 0.03
            if wrong:
                t.add(
                    Step.ADMISSION_DECISION,
                    working=gap - 3,
                    number=f"{rng.randint(1, 999)}-QĐ/HU",
                    wrong=True,
                )
                t.add(
                    Step.CORRECTION,
                    0,
                    reason="Ghi nhầm ngày quyết định; ghi lại theo bản chính",
                    corrects=len(t.events) - 1,
                )
                t.d = cell_resolution
            t.add(Step.ADMISSION_DECISION, working=gap, number=f"{rng.randint(1, 999)}-QĐ/HU")

    def _plan_probation(self, t: _Timeline, idx: int, n_members: int) -> None:
        """The ceremony, the new members' class, recognition and the party card."""
        rng = self.rng
        if idx >= 8:
            late = rng.random() < 0.04
            t.add(
                Step.CEREMONY,
                working=rng.randint(33, 40) if late else rng.randint(5, 25),
                data={"superior_consent": late},
            )
            ceremony = t.d
        if idx >= 9:
            t.add(
                Step.NEW_MEMBER_CLASS,
                rng.randint(30, 180),
                data={"class_name": "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới"},
            )
        if idx >= 10:
            t.d = add_months(ceremony, 12)
            t.add(
                Step.RECOGNITION_CELL_RESOLUTION,
                working=rng.randint(1, 25),
                number=f"{rng.randint(1, 99)}-NQ/CB",
                votes=self._vote(n_members),
            )
        if idx >= 11:
            t.add(
                Step.RECOGNITION_DECISION,
                working=rng.randint(5, 25),
                number=f"{rng.randint(1, 999)}-QĐ/HU",
            )
        if idx >= 12:
            t.add(
                Step.PARTY_CARD,
                rng.randint(30, 120),
                data={"card_number": f"{rng.randint(10**7, 10**8 - 1)}"},
            )

    def _plan_end(
        self, t: _Timeline, info: CellInfo, target: Stage, exit_step: Step | None
    ) -> None:
        """The exit that ends the candidacy, or now and then a transfer to another cell."""
        rng = self.rng
        if exit_step is not None:
            t.add(exit_step, rng.randint(15, 120), reason=EXIT_REASONS[exit_step])
        elif target not in (Stage.CARD_ISSUED,) and rng.random() < 0.02 and len(self.cells) > 1:
            other = rng.choice(self.cells)
            if other.node.pk != info.node.pk:
                t.add(
                    Step.TRANSFER,
                    rng.randint(5, 30),
                    data={"from_cell": info.node.pk, "to_cell": other.node.pk},
                    reason="Chuyển nơi cư trú",
                )

    def _choose_introducers(self, events: list[dict], mentors: list[Person]) -> None:
        """Introducers must be official members on the day of their letter."""
        chosen: set[int] = set()
        for e in events:
            data = e.get("data") or {}
            if data.get("kind") == "introducer_letter":
                eligible = [
                    m for m in mentors if m.party_official_on <= e["date"] and m.pk not in chosen
                ]
                if eligible:
                    data["introducer_id"] = self.rng.choice(eligible).pk
                    chosen.add(data["introducer_id"])

    def build_candidacies(self) -> None:
        rows = self._candidacy_rows(self._candidates())
        all_events, corrections, assignments = self._candidacy_events(rows)
        # The cache is computed in memory first, so every row is inserted once, complete.
        self._cache(rows, assignments, corrections)
        Person.objects.bulk_create([r[3] for r in rows], batch_size=BATCH)
        Candidacy.objects.bulk_create([r[0] for r in rows], batch_size=BATCH)
        Event.objects.bulk_create(all_events, batch_size=BATCH)
        for correction, target in corrections:
            correction.voids = target
        Event.objects.bulk_create([c for c, _ in corrections], batch_size=BATCH)
        MentorAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        self.counts["events"] = len(all_events) + len(corrections)
        self._reports(assignments)
        self.counts["candidacies"] = len(rows)

    def _candidates(self) -> list[tuple[CellInfo, Person, Stage]]:
        """The applicants: each a new person of a cell, with the stage their candidacy reaches."""
        rng = self.rng
        cells = self.cells
        candidates: list[tuple[CellInfo, Person, Stage]] = []
        partial_cells = [
            c for c in cells if any(a.kind == OrgKind.PARTIAL_COMMITTEE for a in c.ancestors)
        ]
        for _ in range(self.shape.candidacies):
            target = self._pick(STAGE_WEIGHTS)
            pool = partial_cells if target is Stage.PARTIAL_APPRAISED and partial_cells else cells
            info = rng.choice(pool)
            mountain = any(a.kind == OrgKind.DISTRICT for a in info.ancestors)
            p = self.person(info, self._birth(18.2, 40), mountain=mountain)
            candidates.append((info, p, target))
        # A handful of sources not yet 18 (the age rule shows on their page).
        for _, p, target in candidates[:5]:
            if target is Stage.SOURCE:
                p.birth_date = self.today - timedelta(days=int(17.6 * 365.25))
                p.cccd = self._cccd(p.birth_date, p.sex)
        return candidates

    def _candidacy_rows(
        self, candidates: list[tuple[CellInfo, Person, Stage]]
    ) -> list[tuple[Candidacy, list[dict], CellInfo, Person]]:
        """Each applicant's candidacy with its planned events."""
        rows: list[tuple[Candidacy, list[dict], CellInfo, Person]] = []
        for info, person, target in candidates:
            mentors = [
                m for m in info.members if m.party_official_on and m.party_official_on < self.today
            ]
            events, opened = self.plan(info, person, target, mentors)
            candidacy = Candidacy(
                person=person,
                attempt=1,
                cell=info.node,
                opened_on=opened,
                stage=Stage.SOURCE,
                stage_since=opened,
            )
            candidacy._mentor_pool = mentors
            rows.append((candidacy, events, info, person))
        return rows

    def _candidacy_events(
        self, rows: list[tuple[Candidacy, list[dict], CellInfo, Person]]
    ) -> tuple[list[Event], list[tuple[Event, Event]], list[MentorAssignment]]:
        """The candidacies' events (corrections apart, with the event each voids) and mentors."""
        all_events: list[Event] = []
        corrections: list[tuple[Event, Event]] = []
        assignments: list[MentorAssignment] = []
        by_node = {info.node.pk: info for info in self.cells}
        for candidacy, events, info, person in rows:
            made: list[Event] = []
            cell = info.node
            for seq, spec in enumerate(events, start=1):
                event = self._event(candidacy, seq, spec, cell)
                if spec["step"] == Step.CORRECTION:
                    corrections.append((event, made[spec["corrects"]]))
                else:
                    all_events.append(event)
                made.append(event)
                if spec["step"] == Step.TRANSFER:
                    cell = by_node[spec["data"]["to_cell"]].node
            candidacy._events = made
            assignment = self._mentor_assignment(candidacy, events, person)
            if assignment is not None:
                assignments.append(assignment)
        return all_events, corrections, assignments

    def _event(self, candidacy: Candidacy, seq: int, spec: dict, cell: Organisation) -> Event:
        """One planned event as a row (a vote's result as the rules count it)."""
        votes = spec.get("votes") or {}
        passed = None
        if votes:
            rule_set = rule_set_for(spec["date"])
            passed = vote_passed(votes["official_members"], votes["in_favour"], rule_set)
        return Event(
            candidacy=candidacy,
            seq=seq,
            step=spec["step"],
            date=spec["date"],
            cell=cell,
            number=spec.get("number", ""),
            passed=passed,
            data=spec.get("data", {}),
            reason=spec.get("reason", ""),
            **votes,
        )

    def _mentor_assignment(
        self, candidacy: Candidacy, events: list[dict], person: Person
    ) -> MentorAssignment | None:
        """A mentor from the sympathiser resolution on (an official member by then)."""
        sympathiser = next((e for e in events if e["step"] == Step.SYMPATHISER), None)
        pool = [
            m
            for m in candidacy._mentor_pool
            if m.pk != person.pk and sympathiser and m.party_official_on <= sympathiser["date"]
        ]
        if not (sympathiser and pool):
            return None
        end = next(
            (
                e["date"]
                for e in events
                if e["step"] in (Step.RECOGNITION_DECISION, *EXIT_STEP.values())
            ),
            None,
        )
        return MentorAssignment(
            candidacy=candidacy,
            mentor=self.rng.choice(pool),
            start=sympathiser["date"],
            end=end,
            end_reason="Kết thúc giúp đỡ" if end else "",
        )

    def _reports(self, assignments: list[MentorAssignment]) -> None:
        """Monthly reports for the last months of open assignments; some months missing."""
        texts = [
            ("good", "Tích cực tham gia phong trào của thôn, gương mẫu trong lao động sản xuất."),
            ("good", "Chấp hành tốt chủ trương, chính sách; có uy tín trong quần chúng."),
            ("fair", "Có tiến bộ, cần tích cực hơn trong sinh hoạt đoàn thể."),
            ("no_progress", "Chưa tích cực tham gia hoạt động của chi đoàn."),
        ]
        reports = []
        first_of_month = self.today.replace(day=1)
        for a in assignments:
            if a.end is not None:
                continue
            for k in range(1, 4):
                start = add_months(first_of_month, -k)
                if start < a.start.replace(day=1) or self.rng.random() < 0.2:
                    continue
                assessment, text = self.rng.choice(texts)
                reports.append(
                    MentorReport(
                        assignment=a,
                        period="month",
                        period_start=start,
                        text=text,
                        assessment=assessment,
                        filed_on=add_months(start, 1) - timedelta(days=self.rng.randint(1, 5)),
                    )
                )
        MentorReport.objects.bulk_create(reports, batch_size=BATCH)
        self.counts["mentor_reports"] = len(reports)

    def _cache(self, rows, assignments, corrections) -> None:
        """Each candidacy's cached state and its person's fields, as the services write them.

        Runs before anything of the candidacies is inserted: events are told apart by their
        position (``id(event)``), as the state machine only compares ids.
        """
        by_candidacy: dict[int, list[MentorAssignment]] = {}
        for a in assignments:
            by_candidacy.setdefault(id(a.candidacy), []).append(a)
        voided = {id(correction): id(target) for correction, target in corrections}
        people_by_id = {p.pk: p for info in self.cells for p in info.members}
        ancestors_by_cell = {info.node.pk: info.ancestors for info in self.cells}
        for candidacy, _, info, person in rows:
            fill_cache(
                candidacy,
                candidacy._events,
                person,
                ancestors=ancestors_by_cell.__getitem__,
                calendar=self.calendar,
                assignments=by_candidacy.get(id(candidacy), []),
                people=people_by_id,
                voided=voided,
                opening_cell_id=info.node.pk,
            )
