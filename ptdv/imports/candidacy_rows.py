"""A row of a candidacies' file: the candidacy it is (a known one, by its source date, or a new
attempt), and its steps checked as a whole with those already recorded (``history``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ptdv.org.models import Organisation
from ptdv.people.models import MEMBER_STATUSES, Person
from ptdv.rules.stages import Step

from .columns import STEP_COLUMNS, VOTE_COLUMNS
from .history import check_history
from .plans import Action, History, PlannedStep, RowPlan, date_key
from .tree import Subtree


class CandidacyRows:
    """Plans the candidacy part of the rows of one file (``run_id`` marks the steps written)."""

    def __init__(self, tree: Subtree, today: date, run_id: int | None):
        self.tree, self.root, self.today, self.run_id = tree, tree.root, today, run_id

    def plan(
        self,
        plan: RowPlan,
        values: dict[str, Any],
        person: Person | None,
        history: History,
        cell: Organisation,
    ) -> None:
        source = values["source_on"]
        matching = next(((c, s) for c, s in history if c.opened_on == source), None)
        open_ = next((c for c, _ in history if c.closed_on is None), None)
        known_steps: dict[Step, date] = {}
        if matching is not None:
            candidacy, known_steps = matching
            if not candidacy.cell.path.startswith(self.root.path):
                plan.fail("cell", f"Hồ sơ này thuộc {candidacy.cell}: ngoài {self.root}.")
                return
            plan.candidacy = candidacy
        elif open_ is not None:
            plan.fail(
                "source_on",
                f"Đang có hồ sơ khác chưa kết thúc (lần {open_.attempt}, xác định nguồn ngày "
                f"{open_.opened_on:%d/%m/%Y}).",
            )
            return
        elif person is not None and person.member_status in MEMBER_STATUSES:
            plan.fail("source_on", f"{person.full_name} đã là đảng viên.")
            return
        else:
            plan.attempt = 1 + max((c.attempt for c, _ in history), default=0)
        steps = self.steps(plan, values, known_steps, cell)
        if plan.problems:
            return
        plan.steps = steps
        if matching is None:
            plan.action = Action.UPDATE if person is not None else Action.CREATE
        elif steps:
            plan.action = Action.UPDATE

    def steps(
        self, plan: RowPlan, values: dict[str, Any], known: dict[Step, date], cell: Organisation
    ) -> list[PlannedStep]:
        """The steps of the row, checked as a whole with those already recorded; returns the
        new ones."""
        imported = {"imported": self.run_id or True}
        given = self._given(plan, values, imported)
        for step, on in known.items():
            if step in given and given[step].on != on:
                plan.fail(
                    date_key(step),
                    f"Ngày trong tệp ({given[step].on:%d/%m/%Y}) khác ngày đã ghi trong ptdv "
                    f"({on:%d/%m/%Y}): sửa bằng “Đính chính” trên trang hồ sơ.",
                )
        if plan.problems:
            return []
        # A dossier voted on before ptdv: its application stands for the papers kept on paper.
        if (
            Step.CELL_RESOLUTION in given
            and Step.DOSSIER_PAPER not in given
            and Step.DOSSIER_PAPER not in known
        ):
            on = given[Step.CELL_RESOLUTION].on
            given[Step.DOSSIER_PAPER] = PlannedStep(
                Step.DOSSIER_PAPER, on, data={**imported, "kind": "application"}
            )
        if given.get(Step.DOSSIER_PAPER) is not None:
            given[Step.DOSSIER_PAPER].data.setdefault("kind", "application")
        all_dates = {**{s: p.on for s, p in given.items()}, **known}
        ancestors = self.tree.ancestors(cell)
        for problem_key, message in check_history(
            all_dates,
            birth_date=values["birth_date"],
            education=values["general_education"],
            in_exception_area=any(n.disadvantaged_area for n in ancestors),
            cell_is_grassroots=cell.is_grassroots,
            has_partial_committee=any(n.kind == "partial_committee" for n in ancestors),
            vote=given[Step.CELL_RESOLUTION].votes if Step.CELL_RESOLUTION in given else None,
            today=self.today,
        ):
            plan.fail(problem_key, message)
        if plan.problems:
            return []
        return [given[s.step] for s in STEP_COLUMNS if s.step in given and s.step not in known]

    def _given(
        self, plan: RowPlan, values: dict[str, Any], imported: dict[str, Any]
    ) -> dict[Step, PlannedStep]:
        """The steps the row gives a date for, with their numbers and the vote."""
        given: dict[Step, PlannedStep] = {}
        for spec in STEP_COLUMNS:
            on = values.get(spec.date.key)
            if on is None:
                if spec.number is not None and values.get(spec.number.key):
                    plan.fail(spec.date.key, f"Có “{spec.number.header}” nhưng thiếu ngày.")
                continue
            step = PlannedStep(spec.step, on, data=dict(imported))
            number = values.get(spec.number.key, "") if spec.number else ""
            if spec.step is Step.AWARENESS_CLASS:
                step.data |= {"certificate_date": on.isoformat(), "certificate_number": number}
            elif spec.step is Step.PARTY_CARD:
                step.data["card_number"] = number
            else:
                step.number = number
            given[spec.step] = step
        if Step.CELL_RESOLUTION in given:
            vote = vote_figures(plan, values)
            given[Step.CELL_RESOLUTION].votes = vote
            given[Step.CELL_RESOLUTION].passed = True
        elif any(values.get(c.key) is not None for c in VOTE_COLUMNS):
            plan.fail(
                "cell_resolution_on",
                "Có số phiếu biểu quyết nhưng thiếu ngày chi bộ đề nghị kết nạp.",
            )
        if Step.RECOGNITION_CELL_RESOLUTION in given:
            given[Step.RECOGNITION_CELL_RESOLUTION].passed = True
        return given


def vote_figures(plan: RowPlan, values: dict[str, Any]) -> dict[str, int] | None:
    """The four figures of the cell's vote, all or none (their validity: ``history``)."""
    figures = {c.key: values.get(c.key) for c in VOTE_COLUMNS}
    if all(v is None for v in figures.values()):
        return None
    missing = [c.header for c in VOTE_COLUMNS if figures[c.key] is None]
    if missing:
        plan.fail(missing[0], "Cần ghi đủ bốn số liệu biểu quyết (hoặc để trống cả bốn).")
        return None
    return {
        "official_members": figures["vote_official"],
        "present": figures["vote_present"],
        "in_favour": figures["vote_in_favour"],
        "against": figures["vote_against"],
    }
