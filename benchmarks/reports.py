"""Benchmark 5: the reports at province scale, against the plain SQL that computes the same figures.

    .venv/bin/python benchmarks/reports.py [--database-url URL] [--reset | --reuse]
                                           [--runs 7] [--year 2025] [--kinds funnel,…]
                                           [--timeout 120] [--effective-not-exists]
                                           [--skip-excel] [--skip-spells]

In one database:

- builds ``province_shape()`` (100,000 members, 20,000 candidacies, 1,000 grassroots
  organisations, 5,000 cells) plus five years of history (``history.py``: about 4,500
  admissions a year, exits, transfers, voided ceremonies, quarterly mentor reports) and a yearly
  target for every grassroots organisation and every other district; ``--reuse`` skips the
  build and measures the database as it is (one left by an earlier run of this script);
- for each report of ``ptdv.reports.figures`` and three scopes — the province (the root), and
  the grassroots organisation with the most admissions in the year and its district — times
  ``figures.build(kind, organisation, …)`` over the last full calendar year (snapshots on its
  last day): one warm-up, then the median of ``--runs`` runs, and the queries of one more run;
- writes every member's spells (``ptdv.members.spells.rebuild()``, what ``ptdv manage
  rebuild_member_spells`` does: the history's people are written in bulk) and times it, twice:
  the second rebuild must give the same rows;
- times a hand-written SQL aggregate computing the same figures (``connection.cursor()``,
  rows fetched, the little Python that turns them into totals) the same way, prints
  ptdv ms, SQL ms, their ratio (goal ≤ 2×) and the query count, and compares the figures of
  both (totals, the per-unit column, the funnel's stages and waits, the rolled-up targets;
  a mismatch is printed loudly and counted, and the script exits with status 1);
- times the pages' stored-result path (``ptdv.reports.stored.build``, the period measured has
  ended): the first request (computed and stored, median of 3, the stored row deleted before
  each) against a request served from the store (median of ``--runs``), with its queries; the
  served report must equal the computed one (else a mismatch, counted with the others); and the
  size of each province report's page (``web.views.reports.report_page``, as a committee member
  of the root sees it);
- runs the SQL and ptdv alternately (one run of each in turn), so the machine's noise falls on
  both alike; prints the province reports over 2× their SQL;
- times ``ptdv.reports.excel.write_report`` for the province's report with the most rows, and
  the drill page's list export (``ptdv.xlsx.write_workbook`` with the drill page's
  people columns) of 20,000 people, each in a fresh child process (``--excel-only``): median
  of 3 writes, the peak resident set while writing (``VmHWM``, reset first; ``ru_maxrss`` is
  printed too but survives ``execve``), then one write under tracemalloc for its peak.

On PostgreSQL, ``--timeout`` sets ``statement_timeout`` for the measurements (a figure that
needs longer is printed as TIMEOUT). ``--effective-not-exists`` measures with
``Event.objects.effective()`` patched in this process to exclude voided events with
``NOT EXISTS`` (see docs/benchmarks.md: the ``LEFT JOIN … IS NULL`` it compiles to is not
recognised as an anti-join by PostgreSQL 15, which then estimates one row).

Without ``--database-url`` the database is a fresh SQLite file; the SQL side is written for
PostgreSQL and SQLite (SQLite has no ``percentile_cont``: the funnel's median and 90th
percentile are computed in Python from the lengths the query returns).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import common
import history

STEPLEN = 4
EXITS = ("withdrawn", "removed_from_list", "not_recognised", "moved_away", "deceased")
CLOSED = (*EXITS, "card_issued")
#: step -> the stage it leads to (the state machine, for steps that change the stage).
STEP_STAGE = {
    "source": "source",
    "sympathiser": "sympathiser",
    "awareness_class": "awareness_trained",
    "dossier_paper": "dossier",
    "cell_resolution": "cell_resolved",
    "partial_appraisal": "partial_appraised",
    "grassroots_resolution": "grassroots_resolved",
    "admission_decision": "admission_decided",
    "ceremony": "probationary",
    "new_member_class": "new_member_trained",
    "recognition_cell_resolution": "recognition_cell_resolved",
    "recognition_decision": "official",
    "party_card": "card_issued",
    **{e: e for e in EXITS},
}
ENTERPRISE = ("state_enterprise", "private_enterprise", "foreign_enterprise")


# --- set-up ----------------------------------------------------------------------------------


def setup_reuse(args) -> common.Run:
    """Configure Django on an existing benchmark database (no migrate, nothing dropped)."""
    tmpdir = Path(tempfile.mkdtemp(prefix="ptdv-bench-"))
    atexit.register(shutil.rmtree, tmpdir, ignore_errors=True)
    url = args.database_url
    if not url:
        sys.exit("--reuse needs --database-url (the database of an earlier run)")
    os.environ.update(
        DATABASE_URL=url,
        PTDV_VAR_DIR=str(tmpdir),
        PTDV_PROFILE="development",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="ptdv.settings",
        STATIC_ROOT=str(tmpdir / "static"),
        MEDIA_ROOT=str(tmpdir / "media"),
    )
    import django

    django.setup()
    from django.db import connection

    from ptdv.pipeline.models import Candidacy

    if not Candidacy.objects.exists():
        sys.exit(f"{common._masked(url)} holds no dataset: run without --reuse first")
    if args.today is None:
        from django.db.models import Max

        from ptdv.pipeline.models import Event

        # The dataset's reference day: its latest event is on or just before it.
        args.today = Event.objects.aggregate(d=Max("date"))["d"]
    print(f"database: {connection.vendor} {common.server_version()} — {common._masked(url)}")
    print(f"reference day: {args.today}; code: {common.git_revision()} (dataset reused)")
    return common.Run(args=args, url=common._masked(url), vendor=connection.vendor, tmpdir=tmpdir)


def add_targets(today: date, years: int) -> int:
    """A yearly target for every grassroots organisation (its admissions ±15 %), and for every
    other district its own, for each calendar year of the history and the current one."""
    import random

    from django.db.models import Count
    from django.db.models.functions import ExtractYear, Substr

    from ptdv.org.models import GRASSROOTS_KINDS, Organisation, OrgKind
    from ptdv.pipeline.models import Event
    from ptdv.reports.models import Target

    rng = random.Random(11)
    grassroots = list(Organisation.objects.filter(kind__in=GRASSROOTS_KINDS))
    depth = {o.depth for o in grassroots}
    counts: dict[tuple[str, int], int] = {}
    for d in depth:
        rows = (
            Event.objects.effective()
            .filter(step="ceremony")
            .annotate(unit=Substr("cell__path", 1, d * STEPLEN), year=ExtractYear("date"))
            .values_list("unit", "year")
            .annotate(n=Count("id"))
            .order_by()
        )
        for unit, year, n in rows:
            counts[(unit, year)] = n
    targets = []
    first = today.year - years
    for o in grassroots:
        for year in range(first, today.year):
            n = counts.get((o.path, year), 0)
            goal = max(1, round(n * rng.uniform(0.85, 1.15)))
            targets.append(
                Target(
                    organisation=o,
                    first_year=year,
                    last_year=year,
                    admissions=goal,
                    women=round(goal * 0.4),
                    youth=round(goal * 0.5),
                    basis="Nghị quyết Đại hội",
                )
            )
    districts = list(Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("path"))
    for o in districts[::2]:
        for year in range(first, today.year):
            targets.append(
                Target(
                    organisation=o,
                    first_year=year,
                    last_year=year,
                    admissions=300,
                    village_coverage=90,
                    school_coverage=100,
                    health_station_coverage=100,
                )
            )
    # The builder registers the current year's (and the term's): those are kept.
    Target.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    return len(targets)


# --- the SQL side ----------------------------------------------------------------------------


class SQL:
    """Hand-written aggregates, one method per report, returning the figures to compare."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    # helpers
    def run(self, sql: str, params) -> list[tuple]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def date(self, placeholder: str = "%s") -> str:
        return f"CAST({placeholder} AS date)" if self.pg else placeholder

    def days(self, later: str, earlier: str) -> str:
        return (
            f"({later} - {earlier})" if self.pg else f"(julianday({later}) - julianday({earlier}))"
        )

    def ymd(self, column: str) -> str:
        if self.pg:
            return (
                f"(EXTRACT(YEAR FROM {column}) * 10000 + EXTRACT(MONTH FROM {column}) * 100"
                f" + EXTRACT(DAY FROM {column}))"
            )
        return f"CAST(strftime('%%Y%%m%%d', {column}) AS integer)"

    def composition(self, p: str, young: str) -> str:
        """The composition columns of people ``p`` (``young``: the 18–30 condition)."""
        return f""",
            count(*) FILTER (WHERE {p}.sex = 'F') AS women,
            count(*) FILTER (WHERE {p}.youth_union_member) AS youth_union,
            count(*) FILTER (WHERE {young}) AS young,
            count(*) FILTER (WHERE {p}.ethnicity <> '01') AS ethnic_minority,
            count(*) FILTER (WHERE {p}.religion <> 'none') AS religious,
            count(*) FILTER (WHERE {p}.local_resident) AS local_resident,
            count(*) FILTER (WHERE {p}.sector IN {ENTERPRISE}) AS enterprise,
            count(*) FILTER (WHERE {p}.sector IN ('private_enterprise', 'foreign_enterprise'))
                AS private_enterprise,
            count(*) FILTER (WHERE {p}.sector = 'student') AS student,
            count(*) FILTER (WHERE {p}.general_education = 'upper_secondary') AS upper_secondary,
            count(*) FILTER (WHERE {p}.professional_level = 'technical_worker')
                AS technical_worker,
            count(*) FILTER (WHERE {p}.professional_level = 'university') AS university,
            count(*) FILTER (WHERE {p}.professional_level = 'master') AS master,
            count(*) FILTER (WHERE {p}.professional_level = 'doctor') AS doctor"""

    COMPOSITION = ("women", "youth_union", "young", "ethnic_minority", "religious",
                   "local_resident", "enterprise", "private_enterprise", "student",
                   "upper_secondary", "technical_worker", "university", "master", "doctor")  # fmt: skip

    @staticmethod
    def by_unit(rows, codes) -> dict[str, dict[str, int]]:
        return {r[0]: dict(zip(codes, r[1:], strict=True)) for r in rows}

    @staticmethod
    def totals(by_unit) -> dict[str, int]:
        out: dict[str, int] = {}
        for values in by_unit.values():
            for k, v in values.items():
                out[k] = out.get(k, 0) + (v or 0)
        return out

    EFFECTIVE = "NOT EXISTS (SELECT 1 FROM pipeline_event v WHERE v.voids_id = e.id)"

    # reports
    def new_members(self, org, start, end, **_):
        n = len(org.path) + STEPLEN
        age = f"{self.ymd('e.date')} - {self.ymd('p.birth_date')}"
        young = f"{age} >= 180000 AND {age} < 310000"
        sql = f"""
            SELECT substr(o.path, 1, {n}) AS unit, count(*) AS admitted
                {self.composition("p", young)}
            FROM pipeline_event e
            JOIN org_organisation o ON o.id = e.cell_id
            JOIN pipeline_candidacy c ON c.id = e.candidacy_id
            JOIN people_person p ON p.id = c.person_id
            WHERE e.step = 'ceremony' AND e.date >= %s AND e.date <= %s AND o.path LIKE %s
              AND {self.EFFECTIVE}
            GROUP BY 1"""
        rows = self.run(sql, [start, end, org.path + "%"])
        by_unit = self.by_unit(rows, ("admitted", *self.COMPOSITION))
        return {"totals": self.totals(by_unit), "units": by_unit}

    def members(self, org, on, **_):
        """Members on ``on``: the spells running that day (``start <= on < end``) in the
        subtree's cells, with the composition of their people."""
        from ptdv.reports.composition import years_before

        n = len(org.path) + STEPLEN
        young = "p.birth_date > %s AND p.birth_date <= %s"
        sql = f"""
            SELECT substr(o.path, 1, {n}) AS unit, count(*) AS members,
                count(*) FILTER (WHERE p.party_official_on IS NULL OR p.party_official_on > %s)
                    AS probationary
                {self.composition("p", young)}
            FROM members_memberspell s
            JOIN org_organisation o ON o.id = s.cell_id
            JOIN people_person p ON p.id = s.person_id
            WHERE o.path LIKE %s AND s.start <= %s AND s."end" > %s
            GROUP BY 1"""
        params = [on, years_before(on, 31), years_before(on, 18), org.path + "%", on, on]
        rows = self.run(sql, params)
        by_unit = self.by_unit(rows, ("members", "probationary", *self.COMPOSITION))
        return {"totals": self.totals(by_unit), "units": by_unit}

    #: The member changes of a period: code -> (the spell's side, its reasons).
    MEMBER_FLOWS = {
        "members_transferred_in": ("start", ("transfer_in",)),
        "members_moved_in": ("start", ("transfer",)),
        "members_moved_out": ("end", ("transfer",)),
        "members_transferred_out": ("end", ("transfer_out",)),
        "members_left": ("end", ("resigned", "struck_off", "expelled", "deceased", "left")),
        "members_resigned": ("end", ("resigned",)),
        "members_struck_off": ("end", ("struck_off",)),
        "members_expelled": ("end", ("expelled",)),
        "members_deceased": ("end", ("deceased",)),
        "members_left_unknown": ("end", ("left",)),
    }

    def member_flows(self, org, start, end) -> dict[str, dict[str, int]]:
        """The period's member changes per unit: the spells starting in the period, then those
        ending in it (a range on each side's index), at their cell, by reason."""
        n = len(org.path) + STEPLEN
        by_unit: dict[str, dict[str, int]] = {}
        for side in ("start", "end"):
            codes = [c for c, (s, _r) in self.MEMBER_FLOWS.items() if s == side]
            columns, params = [], []
            for code in codes:
                reasons = self.MEMBER_FLOWS[code][1]
                columns.append(
                    f"count(*) FILTER (WHERE s.{side}_reason IN ({', '.join(['%s'] * len(reasons))}))"
                )
                params += reasons
            sql = f"""
                SELECT substr(o.path, 1, {n}) AS unit, {", ".join(columns)}
                FROM members_memberspell s
                JOIN org_organisation o ON o.id = s.cell_id
                WHERE o.path LIKE %s AND s."{side}" >= %s AND s."{side}" <= %s
                GROUP BY 1"""
            rows = self.run(sql, [*params, org.path + "%", start, end])
            for unit, values in self.by_unit(rows, tuple(codes)).items():
                by_unit.setdefault(unit, {}).update(values)
        return by_unit

    def activity(self, org, start, end, **_):
        from datetime import timedelta

        from ptdv.rules.months import add_months

        n = len(org.path) + STEPLEN
        # Due for recognition: the ceremonies c with start <= add_months(c, 12) <= end
        # (docs/reports.md), found day by day around the period a year earlier.
        first = add_months(start, -12) - timedelta(days=4)
        around = [first + timedelta(days=i) for i in range((end - start).days + 9)]
        due = [c for c in around if start <= add_months(c, 12) <= end]
        due_start, due_end = due[0], due[-1]
        sql = f"""
            SELECT substr(o.path, 1, {n}) AS unit,
                count(*) FILTER (WHERE e.step = 'source' AND in_period) AS sources,
                count(*) FILTER (WHERE e.step = 'sympathiser' AND in_period) AS sympathisers,
                count(*) FILTER (WHERE e.step = 'awareness_class' AND in_period)
                    AS awareness_class,
                count(*) FILTER (WHERE e.step = 'cell_resolution' AND e.passed AND in_period)
                    AS cell_resolutions,
                count(*) FILTER (WHERE e.step = 'admission_decision' AND in_period)
                    AS admission_decisions,
                count(*) FILTER (WHERE e.step = 'ceremony' AND in_period) AS admitted,
                count(*) FILTER (WHERE e.step = 'recognition_decision' AND in_period)
                    AS recognised,
                count(*) FILTER (WHERE e.step = 'not_recognised' AND in_period)
                    AS not_recognised,
                count(*) FILTER (WHERE e.step IN ('removed_from_list', 'withdrawn') AND in_period)
                    AS removed,
                count(*) FILTER (WHERE e.step = 'party_card' AND in_period) AS cards,
                count(*) FILTER (WHERE e.step = 'ceremony' AND NOT in_period) AS due_recognition
            FROM (
                SELECT e.*, (e.date >= %s AND e.date <= %s) AS in_period FROM pipeline_event e
                WHERE (e.date >= %s AND e.date <= %s AND e.step IN ('source', 'sympathiser',
                        'awareness_class', 'cell_resolution', 'admission_decision', 'ceremony',
                        'recognition_decision', 'not_recognised', 'removed_from_list',
                        'withdrawn', 'party_card'))
                   OR (e.step = 'ceremony' AND e.date >= %s AND e.date <= %s)
            ) e
            JOIN org_organisation o ON o.id = e.cell_id
            WHERE o.path LIKE %s AND {self.EFFECTIVE}
            GROUP BY 1"""
        codes = ("sources", "sympathisers", "awareness_class", "cell_resolutions",
                 "admission_decisions", "admitted", "recognised", "not_recognised", "removed",
                 "cards", "due_recognition")  # fmt: skip
        # The two ranges do not overlap for a period of at most 12 months (due_recognition
        # counts the ceremonies 12 months before the period).
        params = [start, end, start, end, due_start, due_end, org.path + "%"]
        by_unit = self.by_unit(self.run(sql, params), codes)
        for unit, flows in self.member_flows(org, start, end).items():
            by_unit.setdefault(unit, {}).update(flows)
        return {"totals": self.totals(by_unit), "units": by_unit}

    def structure(self, org, on, start, **_):
        from datetime import timedelta

        n = len(org.path) + STEPLEN
        like = org.path + "%"
        alive = "(x.founded_on IS NULL OR x.founded_on <= %s) AND (x.dissolved_on IS NULL OR x.dissolved_on > %s)"
        orgs = self.run(
            f"""
            SELECT substr(x.path, 1, {n}) AS unit,
                count(*) FILTER (WHERE x.kind IN ('grassroots_committee', 'grassroots_cell')),
                count(*) FILTER (WHERE x.kind = 'grassroots_committee'),
                count(*) FILTER (WHERE x.kind = 'grassroots_cell'),
                count(*) FILTER (WHERE x.kind = 'partial_committee'),
                count(*) FILTER (WHERE x.kind = 'cell'),
                count(*) FILTER (WHERE x.kind IN ('cell', 'grassroots_cell')
                                   AND x.founded_on >= %s AND x.founded_on <= %s)
            FROM org_organisation x WHERE x.path LIKE %s AND {alive}
            GROUP BY 1""",
            [start, on, like, on, on],
        )
        codes = ("grassroots", "grassroots_committees", "grassroots_cells",
                 "partial_committees", "cells", "new_cells")  # fmt: skip
        by_unit = self.by_unit(orgs, codes)
        # Members per unit and cells under SMALL_CELL members, in one pass over the people.
        members = self.run(
            f"""
            WITH m AS (
                SELECT s.cell_id, count(*) AS n FROM members_memberspell s
                JOIN org_organisation o ON o.id = s.cell_id
                WHERE o.path LIKE %s AND s.start <= %s AND s."end" > %s
                GROUP BY s.cell_id
            )
            SELECT substr(x.path, 1, {n}) AS unit, coalesce(sum(m.n), 0),
                count(*) FILTER (WHERE x.kind IN ('cell', 'grassroots_cell') AND {alive}
                                   AND coalesce(m.n, 0) < 5)
            FROM org_organisation x LEFT JOIN m ON m.cell_id = x.id
            WHERE x.path LIKE %s AND (m.n IS NOT NULL OR x.kind IN ('cell', 'grassroots_cell'))
            GROUP BY 1""",
            [like, on, on, on, on, like],
        )
        for unit, count, small in members:
            by_unit.setdefault(unit, {}).update(members=int(count), small_cells=small)
        # Coverage of villages, schools and health stations on ``on`` and at the start of the
        # period, the end of the day before it.
        for suffix, day in (("", on), (":start", start - timedelta(days=1))):
            rows = self.run(
                f"""
                WITH cur AS MATERIALIZED (
                    -- Each place's latest history row on the day (index on place, since).
                    SELECT pl.id, pl.kind, pl.organisation_id, (
                        SELECT pc.cell_id FROM org_placecell pc
                        WHERE pc.place_id = pl.id AND pc.since <= %s
                        ORDER BY pc.since DESC, pc.id DESC LIMIT 1) AS cell_id
                    FROM org_place pl
                ), served AS (
                    -- A cell not yet founded or already dissolved that day serves nobody.
                    SELECT cur.id, cur.kind, cur.organisation_id,
                        CASE WHEN (co.founded_on IS NULL OR co.founded_on <= %s)
                              AND (co.dissolved_on IS NULL OR co.dissolved_on > %s)
                             THEN cur.cell_id END AS cell_id
                    FROM cur LEFT JOIN org_organisation co ON co.id = cur.cell_id
                ), counted AS (
                    -- How many places (of any kind, anywhere) the cell serves that day.
                    SELECT served.*, count(*) OVER (PARTITION BY cell_id) AS shared FROM served
                )
                SELECT c.kind, substr(o.path, 1, {n}) AS unit,
                    CASE WHEN c.cell_id IS NULL THEN 'none'
                         WHEN c.shared <= 1 THEN 'own' ELSE 'merged' END AS coverage,
                    count(*)
                FROM counted c
                JOIN org_organisation o ON o.id = c.organisation_id
                WHERE o.path LIKE %s AND c.kind IN ('village', 'school', 'health_station')
                GROUP BY 1, 2, 3""",
                [day, day, day, like],
            )
            for kind, unit, coverage, count in rows:
                values = by_unit.setdefault(unit, {})
                for key in (f"{kind}:{coverage}{suffix}", f"{kind}:total{suffix}"):
                    values[key] = values.get(key, 0) + count
        return {"totals": self.totals(by_unit), "units": by_unit}

    def funnel(self, org, start, end, **_):
        from ptdv.reports.numbers import percentile

        n = len(org.path) + STEPLEN
        stage = (
            "CASE e.step "
            + " ".join(f"WHEN '{s}' THEN '{t}'" for s, t in STEP_STAGE.items())
            + " END"
        )
        exits = "(" + ", ".join(f"'{e}'" for e in EXITS) + ")"
        closed = "(" + ", ".join(f"'{e}'" for e in CLOSED) + ")"
        stays = f"""
            WITH ev AS (
                -- Every effective event of the candidacies with a step in the subtree; a stay
                -- counts at the unit of the step that entered it (NULL: outside the subtree).
                SELECT e.candidacy_id, e.seq, e.date,
                    CASE WHEN o.path LIKE %s THEN substr(o.path, 1, {n}) END AS unit,
                    {stage} AS stage
                FROM pipeline_event e
                JOIN org_organisation o ON o.id = e.cell_id
                WHERE e.candidacy_id IN (
                        SELECT x.candidacy_id FROM pipeline_event x
                        JOIN org_organisation xo ON xo.id = x.cell_id WHERE xo.path LIKE %s)
                  AND e.date <= %s
                  AND e.step NOT IN ('correction', 'transfer')
                  AND NOT (e.step IN ('cell_resolution', 'recognition_cell_resolution')
                           AND e.passed = false)
                  AND {self.EFFECTIVE}
            ), changes AS (
                SELECT ev.*, LAG(stage) OVER (PARTITION BY candidacy_id ORDER BY seq) AS prev
                FROM ev
            ), stays AS (
                SELECT candidacy_id, unit, stage, date AS entered,
                    LEAD(date) OVER w AS left_on, LEAD(stage) OVER w AS next_stage
                FROM changes WHERE prev IS NULL OR prev <> stage
                WINDOW w AS (PARTITION BY candidacy_id ORDER BY seq)
            ), marked AS (
                SELECT stays.*,
                    (left_on IS NOT NULL AND left_on >= %s AND left_on <= %s) AS left_in,
                    (stage NOT IN {closed} AND left_on IS NULL) AS waiting,
                    {self.days("left_on", "entered")} AS length,
                    {self.days(self.date(), "entered")} AS waited
                FROM stays WHERE unit IS NOT NULL
            )"""
        params = [org.path + "%", org.path + "%", end, start, end, end]
        exit_columns = ", ".join(
            f"count(*) FILTER (WHERE left_in AND next_stage = '{e}')" for e in EXITS
        )
        counts = f"""
                count(*) FILTER (WHERE entered >= %s AND entered <= %s),
                count(*) FILTER (WHERE left_in AND next_stage NOT IN {exits}),
                count(*) FILTER (WHERE left_in AND next_stage IN {exits}),
                count(*) FILTER (WHERE waiting),
                {exit_columns}"""
        per_stage: dict[str, dict] = {}
        per_unit: dict[str, dict] = {}
        if self.pg:
            rows = self.run(
                f"""{stays}
                SELECT stage, unit, {counts},
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY length) FILTER (WHERE left_in),
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY length) FILTER (WHERE left_in),
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FILTER (WHERE waiting),
                    max(waited) FILTER (WHERE waiting)
                FROM marked GROUP BY GROUPING SETS ((stage), (unit))""",
                [*params, start, end],
            )
            for row in rows:
                stage_, unit = row[0], row[1]
                entered, moved, left, waiting, *exit_counts = row[2 : 7 + len(EXITS) - 1]
                median, p90, wait_median, wait_max = row[-4:]
                if stage_ is not None:
                    per_stage[stage_] = {
                        "entered": entered,
                        "moved_on": moved,
                        "left": left,
                        "waiting": waiting,
                        "median": median,
                        "p90": p90,
                        "exits": dict(zip(EXITS, exit_counts, strict=True)),
                    }
                elif waiting:
                    per_unit[unit] = {"waiting": waiting, "median": wait_median, "max": wait_max}
        else:
            # SQLite: no percentile_cont nor GROUPING SETS; the lengths come back as lists.
            rows = self.run(
                f"""{stays}
                SELECT stage, {counts},
                    group_concat(CASE WHEN left_in THEN CAST(length AS integer) END)
                FROM marked GROUP BY stage""",
                [*params, start, end],
            )
            for stage_, entered, moved, left, waiting, *rest in rows:
                exit_counts, lengths = rest[:-1], rest[-1]
                values = [int(x) for x in lengths.split(",")] if lengths else []
                per_stage[stage_] = {
                    "entered": entered,
                    "moved_on": moved,
                    "left": left,
                    "waiting": waiting,
                    "median": percentile(values, 0.5),
                    "p90": percentile(values, 0.9),
                    "exits": dict(zip(EXITS, exit_counts, strict=True)),
                }
            rows = self.run(
                f"""{stays}
                SELECT unit, count(*), max(waited), group_concat(CAST(waited AS integer))
                FROM marked WHERE waiting GROUP BY unit""",
                params,
            )
            for unit, waiting, wait_max, waits in rows:
                values = [int(x) for x in waits.split(",")]
                per_unit[unit] = {
                    "waiting": waiting,
                    "median": percentile(values, 0.5),
                    "max": int(wait_max),
                }
        return {"stages": per_stage, "units": per_unit}

    def mentors(self, org, start, end, today, **_):
        from ptdv.rules.months import add_months

        last = min(end, today)
        months = []
        m = start.replace(day=1)
        while m <= last:
            months.append((m, m.replace(month=(m.month - 1) // 3 * 3 + 1), m.replace(month=1)))
            m = add_months(m, 1)
        d = self.date()
        values = ", ".join(f"({d}, {d}, {d})" for _ in months)

        def stops(first: str) -> str:
            """``first`` is on or before every stop (and the period's last day)."""
            return " AND ".join(
                [f"{first} <= COALESCE({c}, {first})" for c in ('a."end"', "a.closed_on",
                                                                "a.official")]
                + [f"{first} <= {d}"]
            )  # fmt: skip

        trunc = (
            "CAST(date_trunc('month', a.start) AS date)"
            if self.pg
            else ("strftime('%%Y-%%m-01', a.start)")
        )
        sql = f"""
            WITH months(m, q, y) AS (VALUES {values}),
            a AS (
                -- A month is due up to the assignment's end, the candidacy's end and the day
                -- the person became an official member, whichever comes first.
                SELECT a.id, a.mentor_id, a.start, a."end", c.closed_on,
                    pp.party_official_on AS official
                FROM pipeline_mentorassignment a
                JOIN pipeline_candidacy c ON c.id = a.candidacy_id
                JOIN people_person pp ON pp.id = c.person_id
                JOIN org_organisation o ON o.id = c.cell_id
                WHERE o.path LIKE %s AND a.start <= %s AND (a."end" IS NULL OR a."end" >= %s)
            ), per AS (
                SELECT a.id, a.mentor_id, count(months.m) AS due,
                    count(months.m) FILTER (WHERE EXISTS (
                        SELECT 1 FROM pipeline_mentorreport r WHERE r.assignment_id = a.id AND (
                            (r.period = 'month' AND r.period_start = months.m)
                            OR (r.period = 'quarter' AND r.period_start = months.q)
                            OR (r.period = 'year' AND r.period_start = months.y)))) AS filed
                FROM a LEFT JOIN months ON months.m >= {trunc}
                    AND (a."end" IS NULL OR months.m <= a."end")
                    AND (a.closed_on IS NULL OR months.m <= a.closed_on)
                    AND (a.official IS NULL OR months.m <= a.official)
                    -- none when the first day due comes after the last one
                    AND {stops("a.start")} AND {stops(d)}
                GROUP BY a.id, a.mentor_id
            )
            SELECT per.mentor_id, p.full_name, count(*), sum(per.due), sum(per.filed)
            FROM per JOIN people_person p ON p.id = per.mentor_id
            GROUP BY per.mentor_id, p.full_name"""
        params = [x for month in months for x in month] + [org.path + "%", end, start]
        # stops("a.start"): the last day; stops(d): the first day six times, it and the last.
        params += [last, *[start] * 7, last]
        rows = self.run(sql, params)
        mentors = {r[0]: {"assignments": r[2], "due": r[3], "filed": r[4]} for r in rows}
        totals = self.totals({k: v for k, v in mentors.items()})
        totals["missing"] = totals.get("due", 0) - totals.get("filed", 0)
        return {"totals": totals, "mentors": mentors}

    def targets(self, org, start, end, today, **_):
        figures = self.new_members(org, start, end)
        n = len(org.path) + STEPLEN
        # A subtree's target: its own, else the sum of the nearest targets below it (those
        # with no target on an organisation between them and the subtree's root).
        ancestors = " UNION ALL ".join(
            f"SELECT t.path, {k * STEPLEN} AS len FROM t JOIN t a ON a.path = substr(t.path, 1, "
            f"{k * STEPLEN}) WHERE length(t.path) > {k * STEPLEN}"
            for k in range(1, 9)
        )
        rows = self.run(
            f"""
            WITH t AS (
                SELECT o.path, t.admissions FROM reports_target t
                JOIN org_organisation o ON o.id = t.organisation_id
                WHERE o.path LIKE %s AND t.first_year = %s AND t.last_year = %s
            ), covered AS (
                SELECT path, max(len) AS len FROM ({ancestors}) x GROUP BY path
            )
            SELECT u.path, coalesce(
                (SELECT own.admissions FROM t own WHERE own.path = u.path),
                (SELECT sum(t.admissions) FROM t LEFT JOIN covered c ON c.path = t.path
                 WHERE t.path LIKE u.path || '%%' AND t.path <> u.path
                   AND (c.len IS NULL OR c.len <= length(u.path))))
            FROM org_organisation u
            WHERE u.path = %s OR (u.path LIKE %s AND length(u.path) = {n})""",
            [org.path + "%", start.year, end.year, org.path, org.path + "%"],
        )
        goals = dict(rows)
        return {**figures, "goals": goals}


# --- the ptdv side and the comparison ----------------------------------------------------------


def timed(fn, runs: int, warmup: int = 1) -> tuple[float, list[float], object]:
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), samples, result


def timed_pair(a, b, runs: int, warmup: int = 1):
    """``timed`` of ``a`` and of ``b``, their runs interleaved."""
    result_a = result_b = None
    for _ in range(warmup):
        result_a, result_b = a(), b()
    samples_a, samples_b = [], []
    for _ in range(runs):
        for fn, samples in ((a, samples_a), (b, samples_b)):
            gc.collect()
            t0 = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - t0) * 1000)
            if fn is a:
                result_a = result
            else:
                result_b = result
    return (
        (statistics.median(samples_a), samples_a, result_a),
        (statistics.median(samples_b), samples_b, result_b),
    )


def measure_stored(kind, org, kw, args, report, runs: int = 3) -> dict:
    """The stored-result path of the pages (``ptdv.reports.stored.build``): the first request
    (computed and stored; median of ``runs``, the stored row deleted before each) against a
    request served from the store (median of ``args.runs``), its queries, and the served
    report compared with the computed one."""
    from ptdv.reports import stored
    from ptdv.reports.models import StoredReport

    def drop():
        StoredReport.objects.filter(kind=kind, organisation=org).delete()

    def serve():
        return stored.build(kind, org, today=args.today, **kw)

    first = []
    for _ in range(runs):
        drop()
        gc.collect()
        t0 = time.perf_counter()
        serve()
        first.append((time.perf_counter() - t0) * 1000)
    stored_ms, _samples, served = timed(serve, args.runs)
    queries = count_queries(serve)
    problems = []
    if not StoredReport.objects.filter(kind=kind, organisation=org).exists():
        problems.append("no stored result after the first request")
    if stored.dump(served) != stored.dump(report):
        problems.append("the stored report differs from the computed one")
    return {
        "first_ms": round(statistics.median(first), 2),
        "stored_ms": round(stored_ms, 2),
        "stored_queries": queries,
        "mismatches": problems,
    }


def html_size(kind, org, args) -> int:
    """Bytes of the report's page (``web.views.reports.report_page``) for ``org``, as a
    committee member of the root sees it (from the store: measured after it)."""
    from unittest import mock

    from django.test import RequestFactory
    from django.utils import timezone

    from ptdv.accounts.models import Role, User
    from ptdv.web.views.report_form import BY_KIND
    from ptdv.web.views.reports import report_page

    root = org.get_root() if org.depth > 1 else org
    user = User.objects.filter(username="bench_reports").first()
    if user is None:
        user = User.objects.create(username="bench_reports", organisation=root, role=Role.COMMITTEE)
    page = BY_KIND[kind]
    params = {"to_chuc": org.pk, "chu_so": 1}
    for name, value in (("tu_ngay", kw_get(kind, args, "start")), ("den_ngay",
                        kw_get(kind, args, "end")), ("ngay", kw_get(kind, args, "on"))):  # fmt: skip
        if value is not None:
            params[name] = value.isoformat()
    request = RequestFactory().get(f"/bao-cao/{page.slug}/", params)
    request.user = user
    request.htmx = False
    with mock.patch.object(timezone, "localdate", return_value=args.today):
        response = report_page(request, kind)
    return len(response.content)


def kw_get(kind, args, name):
    return kwargs_for(kind, args).get(name)


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def report_units(report, code: str) -> dict[int, object]:
    """organisation id → the value of ``code`` in the report's rows that name a unit."""
    out = {}
    for table in report.tables:
        for row in table.rows:
            if row.organisation_id is None or row.total:
                continue
            for cell in row.cells:
                if cell.drill == code:
                    out.setdefault(row.organisation_id, cell.value)
    return out


def half_up(value) -> int:
    """Days rounded half up, as the reports print them (Python's round() rounds half to even:
    a median of 42.5 days is 43 in the report)."""
    from decimal import ROUND_HALF_UP, Decimal

    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_half_up(part: int, whole: int | None, places: int):
    """``part`` in percent of ``whole``, rounded half up to ``places`` decimals, as the reports
    print shares (docs/reports.md); computed exactly on fractions. ``None`` without a whole."""
    from decimal import Decimal
    from fractions import Fraction
    from math import floor

    if not whole:
        return None
    scaled = Fraction(part * 100, whole) * 10**places
    units = floor(scaled + Fraction(1, 2)) if scaled >= 0 else -floor(-scaled + Fraction(1, 2))
    return Decimal(units).scaleb(-places)


def compare(kind, org, report, sql, ids_by_path) -> list[str]:
    """The figures of ``report`` against the SQL's (totals, the per-unit column, the funnel's
    stages and waits, the mentors' totals, the rolled-up targets); returns the differences."""
    from ptdv.reports.composition import CATEGORIES

    problems = []

    def check(label, ours, theirs):
        if ours != theirs and not (ours in (None, 0) and theirs in (None, 0)):
            problems.append(f"{label}: ptdv {ours!r} ≠ SQL {theirs!r}")

    def check_units(code):
        ours = report_units(report, code)
        theirs = {
            ids_by_path[u]: v.get(code, 0) for u, v in sql["units"].items() if u in ids_by_path
        }
        for pk in set(ours) | set(theirs):
            check(f"unit {pk} {code}", ours.get(pk, 0), theirs.get(pk, 0))

    def check_shares(table, whole_code, places=1):
        """The table's rows of counts with a share of ``whole_code`` beside them: the share
        of the SQL's count, rounded half up."""
        whole = totals.get(whole_code, 0)
        for row in table.rows:
            code = row.cells[0].drill
            if row.total or code is None or len(row.cells) < 2:
                continue
            check(f"share {code}", row.cells[1].value,
                  percent_half_up(totals.get(code, 0), whole, places))  # fmt: skip

    totals = sql.get("totals", {})
    codes = [c.code for c in CATEGORIES]
    path_of = {i: p for p, i in ids_by_path.items()}
    if kind in ("new_members", "targets"):
        if kind == "new_members":
            check("admitted", report.figure("admitted"), totals.get("admitted", 0))
        else:  # the first table's total row is the organisation's
            total = next(r for r in report.tables[0].rows if r.total)
            check("admitted", total.cells[1].value, totals.get("admitted", 0))
        for code in codes if kind == "new_members" else ("women", "youth_union"):
            check(code, report.figure(code), totals.get(code, 0))
        if kind == "new_members":
            check_units("admitted")
            check_shares(report.tables[0], "admitted")
        else:
            # Each row: the target rolled up, admitted, reached and above or below the target
            # (percent, 2 decimals rounded half up), still missing.
            goals = sql["goals"]
            for row in report.tables[0].rows:
                path = path_of.get(row.organisation_id)
                goal = goals.get(path)
                done = (
                    totals.get("admitted", 0)
                    if row.total
                    else sql["units"].get(path, {}).get("admitted", 0)
                )
                reached = above = missing = None
                if goal and goal > 0:
                    reached = percent_half_up(done, goal, 2)
                    above = percent_half_up(done - goal, goal, 2)
                    missing = max(0, goal - done)
                check(f"target of {row.label}", row.cells[0].value, goal)
                check(f"admitted {row.label}", row.cells[1].value, done)
                check(f"reached % {row.label}", row.cells[2].value, reached)
                check(f"above/below % {row.label}", row.cells[3].value, above)
                check(f"missing {row.label}", row.cells[4].value, missing)
    elif kind == "members":
        for code in ("members", "probationary", *codes):
            check(code, report.figure(code), totals.get(code, 0))
        check_units("members")
        check_shares(report.tables[0], "members")
    elif kind == "activity":
        for code, value in totals.items():
            check(code, report.figure(code), value)
        check_units("admitted")
        check_units("members_left")
    elif kind == "structure":
        for code, value in totals.items():
            try:
                ours = report.figure(code)
            except KeyError:
                continue  # codes the report does not show (coverage at start of other kinds)
            check(code, ours, value)
        check_units("members")
        # Coverage: with a cell of their own, and with a cell merged or not (percent).
        for row in report.tables[1].rows:
            total_code = row.cells[0].drill
            kind_, suffix = total_code.split(":total")
            every = totals.get(total_code, 0)
            own = totals.get(f"{kind_}:own{suffix}", 0)
            merged = totals.get(f"{kind_}:merged{suffix}", 0)
            check(f"share {kind_}:own{suffix}", row.cells[4].value,
                  percent_half_up(own, every, 1))  # fmt: skip
            check(f"share {kind_}:covered{suffix}", row.cells[5].value,
                  percent_half_up(own + merged, every, 1))  # fmt: skip
    elif kind == "funnel":
        rows = report.tables[0].rows
        from ptdv.rules.stages import PROGRESS_STAGES

        for stage, row in zip(PROGRESS_STAGES, rows, strict=True):
            theirs = sql["stages"].get(stage.value, {})
            for i, what in enumerate(("entered", "moved_on", "left", "waiting")):
                check(f"{stage.value}:{what}", row.cells[i].value, theirs.get(what, 0))
            for i, what in ((4, "median"), (5, "p90")):
                value = theirs.get(what)
                check(f"{stage.value}:{what}", row.cells[i].value,
                      None if value is None else half_up(value))  # fmt: skip
        exits: dict[str, int] = {}
        for values in sql["stages"].values():
            for e, k in values["exits"].items():
                exits[e] = exits.get(e, 0) + k
        for e in EXITS:
            check(f"exit:{e}", report.figure(f"exit:{e}"), exits.get(e, 0))
        waiting_table = report.tables[2]
        for row in waiting_table.rows:
            path = next((p for p, i in ids_by_path.items() if i == row.organisation_id), None)
            theirs = sql["units"].get(path) or sql["units"].get(org.path)
            if theirs is None:
                problems.append(f"waiting unit {row.label}: not in the SQL")
                continue
            check(f"waiting {row.label}", row.cells[0].value, theirs["waiting"])
            check(f"waiting median {row.label}", row.cells[1].value, half_up(theirs["median"]))
            check(f"waiting max {row.label}", row.cells[2].value, int(theirs["max"]))
    elif kind == "mentors":
        total = report.tables[0].rows[-1]
        check("assignments", total.cells[0].value, totals.get("assignments", 0))
        check("due", total.cells[1].value, totals.get("due", 0))
        check("filed", total.cells[2].value, totals.get("filed", 0))
        check("missing", total.cells[3].value, totals.get("missing", 0))
        check("mentor rows", len(report.tables[0].rows) - 1, len(sql["mentors"]))
        for row in report.tables[0].rows[:-1]:
            mentor = int(row.cells[0].drill.split(":")[1])
            theirs = sql["mentors"].get(mentor, {})
            for i, what in enumerate(("assignments", "due", "filed")):
                check(f"mentor {mentor} {what}", row.cells[i].value, theirs.get(what, 0))
            check(f"mentor {mentor} missing", row.cells[3].value,
                  theirs.get("due", 0) - theirs.get("filed", 0))  # fmt: skip
    return problems


def scopes(args):
    """(label, organisation): the root, then the grassroots organisation (at depth 3) with the
    most admissions in the period, preceded by its district."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from ptdv.org.models import GRASSROOTS_KINDS, Organisation
    from ptdv.pipeline.models import Event

    root = Organisation.objects.filter(depth=1).order_by("path").first()
    grassroots = Organisation.objects.filter(kind__in=GRASSROOTS_KINDS, depth=3)
    busiest = (
        Event.objects.effective()
        .filter(step="ceremony", date__range=(args.start, args.end))
        .annotate(unit=Substr("cell__path", 1, 3 * STEPLEN))
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n", "unit")
        .filter(unit__in=grassroots.values("path"))
        .first()
    )
    g = Organisation.objects.get(path=busiest["unit"])
    district = Organisation.objects.get(path=g.path[: 2 * STEPLEN])
    return [("province", root), ("district", district), ("grassroots", g)]


def kwargs_for(kind, args) -> dict:
    if kind == "members":
        return {"on": args.end}
    if kind == "structure":
        return {"on": args.end, "start": args.start}
    return {"start": args.start, "end": args.end}


def set_timeout(seconds: int) -> None:
    """Cancel any statement running longer than ``seconds`` (PostgreSQL only)."""
    from django.db import connection

    if connection.vendor == "postgresql" and seconds:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = '{int(seconds)}s'")


def patch_effective() -> None:
    """Replace ``EventQuerySet.effective()`` for this process: the voided events are excluded with
    ``NOT EXISTS`` (an anti-join the planner estimates) instead of ``LEFT JOIN … IS NULL``."""
    from django.db.models import Exists, OuterRef

    from ptdv.pipeline.models import Event, EventQuerySet
    from ptdv.rules.stages import Step

    def effective(self):
        voiding = Event.objects.filter(voids=OuterRef("pk"))
        return self.exclude(step=Step.CORRECTION).filter(~Exists(voiding))

    EventQuerySet.effective = effective


def measure(args, run) -> dict:
    from django.db import OperationalError, connection

    from ptdv.org.models import Organisation
    from ptdv.reports import figures

    sql = SQL(connection.vendor)
    kinds = [k for k in figures.REPORTS if not args.kinds or k in args.kinds]
    results: dict[str, dict] = {}
    rows = []
    mismatches = 0
    for label, org in scopes(args):
        ids_by_path = dict(
            Organisation.objects.filter(path__startswith=org.path).values_list("path", "id")
        )
        cells = Organisation.objects.filter(path__startswith=org.path).cells().count()
        label = f"{label} ({cells:,} cells)"
        for kind in kinds:
            kw = kwargs_for(kind, args)

            def ours(kind=kind, org=org, kw=kw):
                return figures.build(kind, org, today=args.today, **kw)

            def theirs(kind=kind, org=org, kw=kw):
                return getattr(sql, kind)(org, today=args.today, **kw)

            try:
                # Interleaved: a run of the SQL, then one of ptdv, and so on (a noisy machine
                # slows both alike).
                (sql_ms, sql_samples, figures_sql), (ptdv_ms, ptdv_samples, report) = timed_pair(
                    theirs, ours, args.runs
                )
            except OperationalError as error:  # statement_timeout (PostgreSQL)
                sql_ms, sql_samples, figures_sql = timed(theirs, args.runs)
                connection.close()
                set_timeout(args.timeout)
                print(f"   !!! {kind:<12} {label:<28} ptdv: {str(error).strip()[:60]} "
                      f"(over {args.timeout} s); SQL {sql_ms:9.1f} ms", flush=True)  # fmt: skip
                rows.append((kind, label, f"> {args.timeout * 1000:,}", f"{sql_ms:,.1f}",
                             "TIMEOUT", "", "", ""))  # fmt: skip
                results[f"{kind} {label}"] = {
                    "organisation": org.name,
                    "ptdv_ms": None,
                    "timeout_s": args.timeout,
                    "sql_ms": round(sql_ms, 2),
                    "sql_samples": [round(x, 2) for x in sql_samples],
                }
                continue
            queries = count_queries(ours)
            problems = compare(kind, org, report, figures_sql, ids_by_path)
            mismatches += len(problems)
            for problem in problems:
                print(f"   !!! MISMATCH {label} {kind}: {problem}")
            ratio = ptdv_ms / sql_ms if sql_ms else float("inf")
            kept = measure_stored(kind, org, kw, args, report)
            for problem in kept["mismatches"]:
                print(f"   !!! MISMATCH {label} {kind} (stored): {problem}")
            mismatches += len(kept["mismatches"])
            html = html_size(kind, org, args) if label.startswith("province") else None
            n_rows = sum(len(t.rows) for t in report.tables)
            rows.append((kind, label, f"{ptdv_ms:,.1f}", f"{sql_ms:,.1f}", f"{ratio:.1f}×",
                         queries, f"{kept['first_ms']:,.1f}", f"{kept['stored_ms']:,.1f}",
                         kept["stored_queries"], f"{html / 1024:,.0f}" if html else "",
                         n_rows, "ok" if not problems + kept["mismatches"] else
                         f"{len(problems) + len(kept['mismatches'])} DIFF"))  # fmt: skip
            print(f"   {kind:<12} {label:<28} ptdv {ptdv_ms:9.1f} ms   SQL {sql_ms:9.1f} ms   "
                  f"{ratio:5.1f}×   {queries} queries; first request {kept['first_ms']:.1f} ms, "
                  f"stored {kept['stored_ms']:.1f} ms ({kept['stored_queries']} queries)"
                  + (f"; page {html / 1024:,.0f} KiB" if html else ""), flush=True)  # fmt: skip
            results[f"{kind} {label}"] = {
                "organisation": org.name,
                "ptdv_ms": round(ptdv_ms, 2),
                "ptdv_samples": [round(s, 2) for s in ptdv_samples],
                "sql_ms": round(sql_ms, 2),
                "sql_samples": [round(s, 2) for s in sql_samples],
                "ratio": round(ratio, 2),
                "queries": queries,
                "rows": n_rows,
                "mismatches": problems + kept["mismatches"],
                "first_request_ms": kept["first_ms"],
                "stored_ms": kept["stored_ms"],
                "stored_queries": kept["stored_queries"],
                "html_bytes": html,
            }
    print()
    common.table(rows, ("report", "scope", "ptdv ms", "SQL ms", "ratio", "queries",
                        "1st req ms", "stored ms", "stored q", "page KiB", "rows",
                        "totals"))  # fmt: skip
    over = [k for k, v in results.items() if "province" in k and (v.get("ratio") or 99) > 2]
    print(f"\n   province reports over 2× their SQL: {', '.join(over) if over else 'none'}")
    run.record("province_over_2x", over)
    if mismatches:
        print(f"\n   !!! {mismatches} MISMATCHES between ptdv and the SQL (see above) !!!")
    else:
        print("\n   ptdv and the SQL agree on every total compared")
    run.record("mismatches", mismatches)
    return results


# --- Excel -------------------------------------------------------------------------------------


def excel_child(args) -> dict:
    """In this (fresh) process: one workbook written three times without tracing (median time,
    then the growth of ru_maxrss over the resident set before), then once under tracemalloc
    (its peak: the Python allocations of the writing alone)."""
    from ptdv.org.models import Organisation
    from ptdv.reports import figures

    root = Organisation.objects.filter(depth=1).order_by("path").first()
    if args.excel_only == "report":
        from ptdv.reports.excel import write_report

        kind = args.excel_kind
        report = figures.build(kind, root, today=args.today, **kwargs_for(kind, args))
        what = f"ptdv.reports.excel.write_report({kind}, province)"

        def write(f):
            write_report(f, report, today=args.today, author="Benchmark")
            return sum(len(t.rows) for t in report.tables)

    else:
        from ptdv import xlsx

        kind, code = "members", "members"
        drill = figures.drill(kind, root, code, today=args.today, **kwargs_for(kind, args))
        queryset = drill.queryset[: args.drill_rows]
        try:
            from ptdv.web.views.report_drill import DRILL_EXPORTS

            columns, rows_fn = DRILL_EXPORTS["people"]
            source = "ptdv.web.views.report_drill.DRILL_EXPORTS['people']"
        except (ImportError, KeyError):
            columns, rows_fn = _people_sheet()
            source = "this script's columns (no drill export in ptdv yet)"
        what = f"drill list of people: write_workbook + {source}"

        def write(f):
            return xlsx.write_workbook(
                f,
                sheet_title=drill.title,
                title=drill.title,
                info=[root.name, f"{args.end:%d/%m/%Y}"],
                columns=columns,
                rows=rows_fn(queryset),
                frozen_columns=2,
            )

    gc.collect()
    rss0, peak0 = common.rss_mib(), common.max_rss_mib()
    reset = common.reset_hwm()
    samples = []
    for _ in range(3):
        with tempfile.TemporaryFile() as f:
            t0 = time.perf_counter()
            rows = write(f)
            samples.append(time.perf_counter() - t0)
            size = f.tell()
    peak1, hwm = common.max_rss_mib(), common.hwm_mib()
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        write(f)
    traced = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "what": what,
        "rows": rows,
        "seconds": round(statistics.median(samples), 3),
        "seconds_traced": round(traced, 3),
        "tracemalloc_peak_mib": round(peak, 1),
        "rss_before_mib": round(rss0, 1),
        "ru_maxrss_before_mib": round(peak0, 1),
        "ru_maxrss_after_mib": round(peak1, 1),
        "ru_maxrss_growth_mib": round(peak1 - peak0, 1),
        "vmhwm_mib": round(hwm, 1) if reset else None,
        "vmhwm_growth_mib": round(hwm - rss0, 1) if reset else None,
        "bytes": size,
    }


def _people_sheet():
    """The columns and rows of a people list (what the drill page's export holds)."""
    from ptdv.people.choices import ETHNICITIES, Sex
    from ptdv.xlsx import Column

    columns = [
        Column("STT", 6, "int"),
        Column("Họ và tên", 28),
        Column("Ngày sinh", 12, "date"),
        Column("Giới tính", 9),
        Column("Dân tộc", 12),
        Column("Chi bộ", 32),
        Column("Ngày vào Đảng", 12, "date"),
    ]
    sexes = {v: str(label) for v, label in Sex.choices}
    ethnicities = dict(ETHNICITIES)

    def rows(queryset):
        values = queryset.values_list(
            "full_name", "birth_date", "sex", "ethnicity", "cell__name", "party_admitted_on"
        ).iterator(chunk_size=2000)
        for n, (name, birth, sex, eth, cell, admitted) in enumerate(values, 1):
            yield [n, name, birth, sexes.get(sex, sex), ethnicities.get(eth, eth), cell, admitted]

    return columns, rows


def excel(args, run, biggest_kind: str) -> dict:
    """Run the two workbook measurements each in a fresh child process."""
    results = {}
    for what in ("report", "drill"):
        cmd = [
            sys.executable,
            __file__,
            "--reuse",
            "--database-url",
            os.environ["DATABASE_URL"],
            "--today",
            str(args.today),
            "--year",
            str(args.year),
            "--excel-only",
            what,
            "--excel-kind",
            biggest_kind,
            "--drill-rows",
            str(args.drill_rows),
            *(["--effective-not-exists"] if args.effective_not_exists else []),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next((x for x in out.stdout.splitlines() if x.startswith("EXCEL ")), None)
        if out.returncode or line is None:
            print(out.stdout[-2000:], out.stderr[-4000:])
            results[what] = {"error": out.stderr[-500:]}
            continue
        figures = json.loads(line[6:])
        results[what] = figures
        print(
            f"   {figures['what']}: {figures['rows']:,} rows, {figures['bytes'] / 1024:,.0f} KiB\n"
            f"      {figures['seconds']:.2f} s (median of 3; {figures['seconds_traced']:.2f} s "
            f"under tracemalloc), tracemalloc peak {figures['tracemalloc_peak_mib']:.1f} MiB;\n"
            f"      resident set {figures['rss_before_mib']:.0f} MiB before, peak while writing "
            f"(VmHWM) {figures['vmhwm_mib']} MiB (+{figures['vmhwm_growth_mib']} MiB); "
            f"ru_maxrss {figures['ru_maxrss_before_mib']:.0f} → "
            f"{figures['ru_maxrss_after_mib']:.0f} MiB (inherited across execve)"
        )
    return results


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    history.add_arguments(p)
    p.add_argument("--reuse", action="store_true", help="measure the dataset already in the "
                   "database (left by an earlier run); no build")  # fmt: skip
    p.add_argument("--runs", type=int, default=7, help="timed runs per figure (median; 7)")
    p.add_argument("--year", type=int, help="the year measured (default: the last full year)")
    p.add_argument("--kinds", help="comma-separated reports to measure (default: all)")
    p.add_argument("--skip-excel", action="store_true", help="no workbook measurements")
    p.add_argument(
        "--skip-spells",
        action="store_true",
        help="with --reuse: keep the members' spells as they are (no rebuild measured)",
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=120,
        help="PostgreSQL statement_timeout in seconds for the measured queries (120; 0: none)",
    )
    p.add_argument(
        "--effective-not-exists",
        action="store_true",
        help="measure with Event.objects.effective() patched (in this process only) to exclude "
        "voided events with NOT EXISTS",
    )
    p.add_argument("--drill-rows", type=int, default=20_000, help="rows of the list export")
    p.add_argument(
        "--excel-only", choices=("report", "drill"), help=__import__("argparse").SUPPRESS
    )
    p.add_argument("--excel-kind", default="mentors", help=__import__("argparse").SUPPRESS)
    args = p.parse_args()
    args.kinds = set(args.kinds.split(",")) if args.kinds else set()
    run = setup_reuse(args) if args.reuse else common.setup(args)
    if args.year is None:
        args.year = args.today.year - 1
    args.start, args.end = date(args.year, 1, 1), date(args.year, 12, 31)
    if args.effective_not_exists:
        patch_effective()
        print("Event.objects.effective() patched: voided events excluded with NOT EXISTS")
    run.record("effective_not_exists", args.effective_not_exists)
    if args.excel_only:
        print("EXCEL " + json.dumps(excel_child(args), default=str))
        return

    if not args.reuse:
        with common.section("build: province + five years of history + targets"):
            _counts, base_s, extra, extra_s = history.build(args)
            t0 = time.perf_counter()
            n = add_targets(args.today, args.years)
            print(f"   {n:,} targets in {time.perf_counter() - t0:.1f} s")
            common.settle()
        run.record("build_s", round(base_s, 1))
        run.record("history_s", round(extra_s, 1))
        run.record("history", extra)
    if not args.skip_spells:
        # The history's people are written in bulk: their spells come from this rebuild.
        with common.section("members' spells: rebuilt from the records, twice"):
            run.record("spells", rebuild_spells())
    with common.section("dataset"):
        actual = common.actual_counts()
        common.table([(k, f"{v:,}") for k, v in actual.items()], ("rows", "count"))
        per_year = history.ceremonies_per_year(args.today, args.years)
        for s, e, n in per_year:
            print(f"   effective ceremonies {s} – {e}: {n:,}")
        run.record("actual_counts", actual)
        run.record("ceremonies_per_year", [(str(s), str(e), n) for s, e, n in per_year])

    set_timeout(args.timeout)
    with common.section(
        f"reports {args.start} – {args.end} (snapshots on {args.end}): 1 warm-up, median of "
        f"{args.runs} runs"
    ):
        results = measure(args, run)
    run.record("period", [str(args.start), str(args.end)])
    run.record("runs", args.runs)
    run.record("reports", results)
    if not args.skip_excel:
        province = {k: v for k, v in results.items() if "province" in k}
        biggest = max(province.items(), key=lambda kv: kv[1].get("rows", 0))[0].split()[0]
        with common.section("Excel (each in a fresh process)"):
            run.record("excel", excel(args, run, biggest))
    run.finish()
    if run.figures.get("mismatches") or run.figures.get("spells", {}).get("differences"):
        sys.exit(1)


def rebuild_spells() -> dict:
    """``spells.rebuild()`` over the whole dataset, timed, twice: the rows must be the same."""
    import hashlib

    from ptdv.members.models import MemberSpell
    from ptdv.members.spells import rebuild

    def digest() -> str:
        rows = MemberSpell.objects.order_by("person_id", "start", "cell_id").values_list(
            "person_id", "cell_id", "start", "end", "start_reason", "end_reason"
        )
        h = hashlib.sha256()
        for row in rows.iterator(chunk_size=5000):
            h.update(repr(row).encode())
        return h.hexdigest()

    times, digests, written = [], [], 0
    for _ in range(2):
        t0 = time.perf_counter()
        written = rebuild()
        times.append(time.perf_counter() - t0)
        digests.append(digest())
    differences = int(digests[0] != digests[1])
    print(f"   {written:,} spells; rebuild {times[0]:.1f} s, again {times[1]:.1f} s; "
          f"the same rows: {'yes' if not differences else 'NO'}")  # fmt: skip
    if differences:
        print("   !!! the second rebuild gave other rows")
    common.settle()
    return {"rows": written, "seconds": [round(t, 2) for t in times], "differences": differences}


if __name__ == "__main__":
    main()
