"""Five years of events on top of the province dataset: the reports' benchmark data.

    .venv/bin/python benchmarks/history.py [--database-url URL] [--per-year 4500]

``province_shape()`` (built by the demo builder) holds 20,000 candidacies whose events lie in the
last two or three years. The reports count over years and terms, so :func:`add_history` adds,
for each of the five years before the reference day, enough candidacies that went through the
whole pipeline (source → sympathiser → awareness class → dossier → cell resolution → [partial
appraisal] → grassroots resolution → admission decision → ceremony → new-member class →
recognition → decision → party card) for about ``per_year`` admissions (effective ``ceremony``
events) to fall in that year, spread over the cells. Candidacies admitted less than a year and a
half ago stop at the last step before the reference day (still probationary, or official without
a card yet). On top of them, some exits: withdrawn or removed from the list before the cell's
vote (about 8 % more candidacies), not recognised after probation (2 %), moved away or deceased
as probationary members (1.3 %); 2 % move to another cell of the same district on the way (a
``transfer``), and 2 % had their ceremony recorded on a wrong date first, voided by a
``correction`` (the voided ceremony must not count). Each candidacy has a mentor from its
sympathiser resolution to the recognition decision (or its exit), who filed a quarterly report
for about six quarters in seven.

The people are new people (they become probationary or official members through
``membership_fields``, as the services would write them); the candidacies' cached state comes
from the builder's own ``_cache`` (``derive``, ``assemble_facts``, ``evaluate``). Everything is
written with ``bulk_create``, one year at a time (memory stays flat).

Run on its own, the script builds the province, adds the history and prints the rows and times.
``benchmarks/reports.py`` calls :func:`add_history` after the province's build.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import common

#: Admissions per year the history aims at (the base dataset's own ceremonies included).
PER_YEAR = 4_500
YEARS = 5


def year_windows(today: date, years: int = YEARS) -> list[tuple[date, date]]:
    """``years`` windows of one year each, the most recent ending on ``today`` (both included)."""
    from ptdv.rules.months import add_months

    return [
        (add_months(today, -12 * (k + 1)) + timedelta(days=1), add_months(today, -12 * k))
        for k in range(years)
    ]


class History:
    """Plans and writes the closed candidacies of the five years before ``builder.today``."""

    def __init__(self, builder, *, per_year: int = PER_YEAR, years: int = YEARS, seed: int = 7):
        from ptdv.org.models import OrgKind

        self.b = builder
        self.today = builder.today
        self.per_year = per_year
        self.years = years
        self.rng = random.Random(builder.shape.seed + seed)
        self.cells = builder.cells
        self.by_district: dict[int, list] = {}
        for info in self.cells:
            self.by_district.setdefault(info.ancestors[1].pk, []).append(info)
        self.mountain = {
            info.node.pk: any(a.kind == OrgKind.DISTRICT for a in info.ancestors)
            for info in self.cells
        }
        self.partial = {
            info.node.pk: any(a.kind == OrgKind.PARTIAL_COMMITTEE for a in info.ancestors)
            for info in self.cells
        }
        self.grassroots_cell = {
            info.node.pk: info.node.kind == OrgKind.GRASSROOTS_CELL for info in self.cells
        }
        # Official members of each cell sorted by the day they became official (introducers
        # and mentors must be official on the day).
        self.officials = {
            info.node.pk: sorted(
                (m for m in info.members if m.party_official_on), key=lambda m: m.party_official_on
            )
            for info in self.cells
        }
        self.counts: dict[str, int] = {}

    # planning ---------------------------------------------------------------------------

    def _vote(self, members: int, on: date) -> dict:
        from ptdv.rules.rulesets import rule_set_for
        from ptdv.rules.votes import votes_required

        rng = self.rng
        present = max(1, members - rng.randint(0, max(0, members // 6)))
        needed = votes_required(members, rule_set_for(on))
        if present < needed:  # history's votes all pass
            present = members
        in_favour = rng.randint(needed, present)
        return {
            "official_members": members,
            "present": present,
            "in_favour": in_favour,
            "against": present - in_favour,
        }

    def _official_on(self, cell_id: int, day: date, k: int) -> list:
        pool = [m for m in self.officials[cell_id] if m.party_official_on <= day]
        return self.rng.sample(pool, k=min(k, len(pool)))

    def plan(self, info, person, ceremony: date, fate: str) -> list[dict]:
        """The events of one candidacy whose (would-be) ceremony is on ``ceremony``.

        ``fate``: "admitted" (through to the card, cut at today), "early_exit" (withdrawn or
        removed before the cell's vote), "not_recognised", "moved_away", "deceased" (after the
        ceremony), "corrected" (admitted, the ceremony first recorded on a wrong date).
        """
        from ptdv.rules.months import add_months
        from ptdv.rules.stages import Step

        rng = self.rng
        cell_id = info.node.pk
        members = max(3, len(info.members))
        # Before the ceremony: (step, gap in days, fields).
        pre: list[tuple[Step, int, dict]] = [
            (Step.SOURCE, 0, {}),
            (Step.SYMPATHISER, rng.randint(30, 120), {"number": f"{rng.randint(1, 40)}-NQ/CB"}),
            (
                Step.AWARENESS_CLASS,
                rng.randint(20, 120),
                {
                    "data": {
                        "class_name": "Lớp bồi dưỡng nhận thức về Đảng",
                        "certificate_number": f"{rng.randint(1, 9999):04d}/CN",
                    }
                },
            ),
        ]
        papers = [
            {"kind": "application"},
            {"kind": "personal_history"},
            {"kind": "verification", "subject": "applicant", "result": "ok"},
            {"kind": "verification", "subject": "father", "result": "ok"},
            {"kind": "verification", "subject": "mother", "result": "ok"},
        ]
        introducers = 1 if person.youth_union_member else 2
        if person.youth_union_member:
            papers.append({"kind": "union_resolution", "introducer_kind": "youth_union"})
        papers += [{"kind": "introducer_letter"} for _ in range(introducers)]
        papers.append({"kind": "comments"})
        for i, paper in enumerate(papers):
            pre.append((Step.DOSSIER_PAPER, rng.randint(10, 60) if i == 0 else rng.randint(0, 10),
                        {"data": paper}))  # fmt: skip
        pre.append((Step.CELL_RESOLUTION, rng.randint(7, 30),
                    {"number": f"{rng.randint(1, 99)}-NQ/CB", "vote": True}))  # fmt: skip
        if self.partial[cell_id]:
            pre.append((Step.PARTIAL_APPRAISAL, rng.randint(4, 14),
                        {"number": f"{rng.randint(1, 99)}-BC/ĐUBP"}))  # fmt: skip
        if not self.grassroots_cell[cell_id]:
            pre.append((Step.GRASSROOTS_RESOLUTION, rng.randint(7, 28),
                        {"number": f"{rng.randint(1, 299)}-NQ/ĐU"}))  # fmt: skip
        pre.append((Step.ADMISSION_DECISION, rng.randint(25, 55),
                    {"number": f"{rng.randint(1, 999)}-QĐ/HU"}))  # fmt: skip
        pre.append((Step.CEREMONY, rng.randint(5, 30), {"data": {"superior_consent": False}}))

        # Dates: the ceremony lands on ``ceremony``.
        d = ceremony - timedelta(days=sum(gap for _, gap, _ in pre))
        events: list[dict] = []
        for step, gap, fields in pre:
            d += timedelta(days=gap)
            events.append({"step": step, "date": d, **fields})
        if fate == "early_exit":
            # Stop somewhere between the sympathiser resolution and the last paper, then leave.
            last_paper = max(i for i, e in enumerate(events) if e["step"] is Step.DOSSIER_PAPER)
            events = events[: rng.randint(2, last_paper)]
            step = rng.choice((Step.WITHDRAWN, Step.REMOVED_FROM_LIST))
            reason = (
                "Xin rút vì hoàn cảnh gia đình"
                if step is Step.WITHDRAWN
                else "Không còn đủ tiêu chuẩn: vi phạm quy định của địa phương"
            )
            events.append({"step": step, "date": ceremony, "reason": reason})
        else:
            post: list[tuple[Step, date, dict]] = []
            if fate in ("moved_away", "deceased"):
                post.append(
                    (
                        Step.MOVED_AWAY if fate == "moved_away" else Step.DECEASED,
                        ceremony + timedelta(days=rng.randint(20, 300)),
                        {"reason": "Chuyển đi làm ăn xa" if fate == "moved_away" else "Từ trần"},
                    )
                )
            else:
                trained = ceremony + timedelta(days=rng.randint(30, 180))
                post.append(
                    (
                        Step.NEW_MEMBER_CLASS,
                        trained,
                        {
                            "data": {
                                "class_name": "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới"
                            }
                        },
                    )
                )
                due = add_months(ceremony, 12)
                if fate == "not_recognised":
                    post.append(
                        (
                            Step.NOT_RECOGNISED,
                            due + timedelta(days=rng.randint(3, 40)),
                            {"reason": "Không đủ tư cách đảng viên sau thời gian dự bị"},
                        )
                    )
                else:
                    cell_vote = due + timedelta(days=rng.randint(1, 25))
                    decision = cell_vote + timedelta(days=rng.randint(7, 35))
                    card = decision + timedelta(days=rng.randint(30, 120))
                    post += [
                        (Step.RECOGNITION_CELL_RESOLUTION, cell_vote,
                         {"number": f"{rng.randint(1, 99)}-NQ/CB", "vote": True}),
                        (Step.RECOGNITION_DECISION, decision,
                         {"number": f"{rng.randint(1, 999)}-QĐ/HU"}),
                        (Step.PARTY_CARD, card,
                         {"data": {"card_number": f"{rng.randint(10**7, 10**8 - 1)}"}}),
                    ]  # fmt: skip
            for step, day, fields in post:
                if day > self.today:
                    break
                events.append({"step": step, "date": day, **fields})
            if fate == "corrected":
                # The ceremony first recorded on a wrong day, voided the same day by a correction.
                at = next(i for i, e in enumerate(events) if e["step"] is Step.CEREMONY)
                wrong_day = min(self.today, ceremony + timedelta(days=rng.randint(20, 60)))
                wrong = dict(events[at], date=wrong_day)
                fix = {
                    "step": Step.CORRECTION,
                    "date": ceremony,
                    "reason": "Ghi nhầm ngày lễ kết nạp; ghi lại theo biên bản",
                    "corrects": at,
                }
                events[at:at] = [wrong, fix]
        # Votes and introducers need the cell's official members on the day.
        for e in events:
            if e.pop("vote", False):
                e["votes"] = self._vote(members, e["date"])
            data = e.get("data")
            if data and data.get("kind") == "introducer_letter":
                chosen = self._official_on(cell_id, e["date"], 1)
                if chosen:
                    data.update(
                        introducer_kind="member",
                        introducer_id=chosen[0].pk,
                        months_together=rng.randint(12, 120),
                        same_grassroots=True,
                    )
        # A transfer to another cell of the same district before the cell's vote.
        if fate != "early_exit" and rng.random() < 0.02:
            others = [c for c in self.by_district[info.ancestors[1].pk] if c.node.pk != cell_id]
            at = next(i for i, e in enumerate(events) if e["step"] is Step.DOSSIER_PAPER)
            if others:
                other = rng.choice(others)
                events.insert(
                    at,
                    {
                        "step": Step.TRANSFER,
                        "date": events[at - 1]["date"] + timedelta(days=1),
                        "data": {"from_cell": cell_id, "to_cell": other.node.pk},
                        "reason": "Chuyển nơi cư trú",
                    },
                )
                for e in events:
                    if "corrects" in e and e["corrects"] >= at:
                        e["corrects"] += 1
        return events

    def mentor_reports(self, assignments) -> list:
        """A quarterly report for most quarters of each assignment (about one in seven missing),
        filed in the first days of the next quarter (none for a quarter not over by today)."""
        from ptdv.pipeline.models import MentorReport
        from ptdv.rules.months import add_months

        texts = (
            ("good", "Tích cực tham gia phong trào của thôn, gương mẫu trong lao động sản xuất."),
            ("good", "Chấp hành tốt chủ trương, chính sách; có uy tín trong quần chúng."),
            ("fair", "Có tiến bộ, cần tích cực hơn trong sinh hoạt đoàn thể."),
        )
        reports = []
        for a in assignments:
            quarter = a.start.replace(month=(a.start.month - 1) // 3 * 3 + 1, day=1)
            stop = a.end or self.today
            while quarter <= stop:
                filed = add_months(quarter, 3) + timedelta(days=self.rng.randint(0, 10))
                if filed <= self.today and self.rng.random() < 0.86:
                    assessment, text = self.rng.choice(texts)
                    reports.append(
                        MentorReport(
                            assignment=a,
                            period="quarter",
                            period_start=quarter,
                            text=text,
                            assessment=assessment,
                            filed_on=filed,
                        )
                    )
                quarter = add_months(quarter, 3)
        return reports

    # writing ----------------------------------------------------------------------------

    def existing_ceremonies(self, start: date, end: date) -> int:
        from ptdv.pipeline.models import Event

        return (
            Event.objects.effective()
            .filter(step="ceremony", date__gte=start, date__lte=end)
            .count()
        )

    def add(self) -> dict[str, int]:
        from django.db import transaction

        with transaction.atomic():
            for start, end in year_windows(self.today, self.years):
                have = self.existing_ceremonies(start, end)
                self.year(start, end, max(0, self.per_year - have))
        return self.counts

    def year(self, start: date, end: date, admissions: int) -> None:
        """Write ``admissions`` candidacies admitted between ``start`` and ``end``, and exits."""
        from ptdv.people.models import Person
        from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
        from ptdv.rules.stages import Step

        rng, b = self.rng, self.b
        span = (end - start).days
        fates = ["admitted"] * admissions
        for fate, share in (
            ("early_exit", 0.08),
            ("not_recognised", 0.02),
            ("moved_away", 0.01),
            ("deceased", 0.003),
            ("corrected", 0.02),
        ):
            k = round(admissions * share)
            if fate == "early_exit":
                fates += [fate] * k
            else:  # among the admissions
                for i in rng.sample(range(admissions), k=min(k, admissions)):
                    fates[i] = fate
        rows = []
        all_events: list = []
        corrections: list = []
        assignments: list = []
        cells_by_pk = {info.node.pk: info for info in self.cells}
        for fate in fates:
            info = rng.choice(self.cells)
            ceremony = start + timedelta(days=rng.randint(0, span))
            age = rng.uniform(18.5, 36)
            birth = ceremony - timedelta(days=int(age * 365.25))
            person = b.person(info, birth, mountain=self.mountain[info.node.pk])
            specs = self.plan(info, person, ceremony, fate)
            candidacy = Candidacy(
                person=person,
                attempt=1,
                cell=info.node,
                opened_on=specs[0]["date"],
                stage="source",
                stage_since=specs[0]["date"],
            )
            made = []
            cell = info.node
            for seq, spec in enumerate(specs, start=1):
                # The demo's own row for a planned event (the vote's result as the rules count it).
                event = self.b._event(candidacy, seq, spec, cell)
                if spec["step"] is Step.CORRECTION:
                    corrections.append((event, made[spec["corrects"]]))
                else:
                    all_events.append(event)
                made.append(event)
                if spec["step"] is Step.TRANSFER:
                    cell = cells_by_pk[spec["data"]["to_cell"]].node
            candidacy._events = made
            sympathiser = specs[1]["date"]
            mentors = self._official_on(info.node.pk, sympathiser, 1)
            if mentors:
                end_on = next(
                    (
                        s["date"]
                        for s in specs
                        if s["step"]
                        in (
                            Step.RECOGNITION_DECISION,
                            Step.WITHDRAWN,
                            Step.REMOVED_FROM_LIST,
                            Step.NOT_RECOGNISED,
                            Step.MOVED_AWAY,
                            Step.DECEASED,
                        )
                    ),
                    None,
                )
                assignments.append(
                    MentorAssignment(
                        candidacy=candidacy,
                        mentor=mentors[0],
                        start=sympathiser,
                        end=end_on,
                        end_reason="Kết thúc giúp đỡ" if end_on else "",
                    )
                )
            rows.append((candidacy, specs, cells_by_pk[cell.pk], person))
        b._cache(rows, assignments, corrections)
        batch = 2000
        Person.objects.bulk_create([r[3] for r in rows], batch_size=batch)
        Candidacy.objects.bulk_create([r[0] for r in rows], batch_size=batch)
        Event.objects.bulk_create(all_events, batch_size=batch)
        for correction, target in corrections:
            correction.voids = target
        Event.objects.bulk_create([c for c, _ in corrections], batch_size=batch)
        MentorAssignment.objects.bulk_create(assignments, batch_size=batch)
        reports = self.mentor_reports(assignments)
        MentorReport.objects.bulk_create(reports, batch_size=batch)
        self.counts["mentor_reports"] = self.counts.get("mentor_reports", 0) + len(reports)
        self.counts["candidacies"] = self.counts.get("candidacies", 0) + len(rows)
        self.counts["events"] = self.counts.get("events", 0) + len(all_events) + len(corrections)
        self.counts["mentor_assignments"] = self.counts.get("mentor_assignments", 0) + len(
            assignments
        )
        self.counts[f"admissions {start}..{end}"] = admissions


def add_history(builder, *, per_year: int = PER_YEAR, years: int = YEARS) -> tuple[dict, float]:
    """Add the five years of events to what ``builder`` built; returns its counts and seconds."""
    t0 = time.perf_counter()
    counts = History(builder, per_year=per_year, years=years).add()
    # Written in bulk without the services: the stays the funnel reads, from the events (the
    # demo builder's candidacies and the history's).
    from ptdv.reports.stays import rebuild as rebuild_stays

    t1 = time.perf_counter()
    counts["stays"] = rebuild_stays()
    counts["stays_s"] = round(time.perf_counter() - t1, 1)
    if _vendor() == "sqlite":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts, time.perf_counter() - t0


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def ceremonies_per_year(today: date, years: int = YEARS) -> list[tuple[date, date, int]]:
    """Effective ceremonies in each of the ``years`` windows (counted with SQL)."""
    from ptdv.pipeline.models import Event

    out = []
    for start, end in year_windows(today, years):
        n = Event.objects.effective().filter(step="ceremony", date__range=(start, end)).count()
        out.append((start, end, n))
    return out


def check(sample: int = 300) -> list[str]:
    """Replay a sample of the history's candidacies from the database: the cached stage and the
    person's membership must be what the services would have written."""
    from ptdv.pipeline.models import Candidacy
    from ptdv.pipeline.services import candidacy_state, membership_fields

    problems = []
    history = Candidacy.objects.select_related("person").order_by("-pk")[:sample]
    for c in history:
        state = candidacy_state(c)
        expected = {
            "stage": state.stage.value,
            "stage_since": state.stage_since,
            "closed_on": state.stage_since if state.is_closed else None,
        }
        for field, value in expected.items():
            if getattr(c, field) != value:
                problems.append(f"candidacy {c.pk} {field}: {getattr(c, field)} != {value}")
        for field, value in (membership_fields(state) or {}).items():
            if getattr(c.person, field) != value:
                problems.append(
                    f"person {c.person_id} {field}: {getattr(c.person, field)} != {value}"
                )
        if c.person.cell_id != c.cell_id:
            problems.append(f"person {c.person_id} cell {c.person.cell_id} != {c.cell_id}")
    return problems


def build(args) -> tuple[dict, float, dict, float]:
    """Build the province (with the demo users) and add the history; print what was written."""
    from ptdv.demo.builder import Builder
    from ptdv.demo.users import create_demo_users

    shape = common.province_shape(args)
    builder = Builder(shape, args.today)
    t0 = time.perf_counter()
    counts = builder.build()
    base_s = time.perf_counter() - t0
    create_demo_users()
    print(f"   province built in {base_s:.1f} s")
    history, history_s = add_history(builder, per_year=args.per_year, years=args.years)
    print(f"   history added in {history_s:.1f} s: {history}")
    print(f"   ru_maxrss: {common.max_rss_mib():,.0f} MiB")
    problems = check()
    for problem in problems[:20]:
        print(f"   !!! INCONSISTENT: {problem}")
    print(f"   replayed 300 history candidacies from the database: {len(problems)} differences")
    common.settle()
    return counts, base_s, history, history_s


def add_arguments(p) -> None:
    common.add_shape_arguments(p)
    p.add_argument(
        "--per-year",
        type=int,
        default=PER_YEAR,
        help=f"admissions per year in the history ({PER_YEAR:,})",
    )
    p.add_argument("--years", type=int, default=YEARS, help=f"years of history ({YEARS})")


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    add_arguments(p)
    args = p.parse_args()
    run = common.setup(args)
    with common.section("build: province + history"):
        _counts, base_s, history, history_s = build(args)
    with common.section("admissions (effective ceremonies) per year"):
        rows = [(f"{s} – {e}", f"{n:,}") for s, e, n in ceremonies_per_year(args.today, args.years)]
        common.table(rows, ("year", "ceremonies"))
    with common.section("rows in the database"):
        actual = common.actual_counts()
        common.table([(k, f"{v:,}") for k, v in actual.items()], ("rows", "actual"))
    run.record("build_s", round(base_s, 1))
    run.record("history_s", round(history_s, 1))
    run.record("history", history)
    run.record("actual_counts", actual)
    run.finish()


if __name__ == "__main__":
    main()
