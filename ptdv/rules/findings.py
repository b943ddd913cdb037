"""What the checks report: findings, deadlines and the evaluation of one candidacy (pure Python).

- A :class:`Finding` is one observation about a candidacy, with its severity and the rule it
  comes from (:class:`Citation`). Messages are in Vietnamese, for the people who use the system.
- A :class:`Deadline` is a date by which a step must happen, computed from the date of the step
  that starts it, with the rule set in force on that date.
- An :class:`Evaluation` gathers them; its ``blockers`` are the error findings that stop the next
  step of the candidacy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from .i18n import gettext, gettext_noop

if TYPE_CHECKING:  # pragma: no cover
    from ptdv.rules.calendar import WorkingCalendar
    from ptdv.rules.stages import Step

__all__ = [
    "SEVERITY_LABELS",
    "SUB_ITEM_UNVERIFIED",
    "Citation",
    "Deadline",
    "Evaluation",
    "Finding",
    "Severity",
]


#: Deadlines that are the expiry of a paper of the dossier (see ``checks.deadlines``).
EXPIRY_CODES = frozenset({"certificate_expiry", "papers_expiry"})


@dataclass(frozen=True)
class Citation:
    """Where a rule is written: a document and a place in it.

    ``str(Citation("QĐ 294-QĐ/TW (2025)", "mục 3.1"))`` → ``"QĐ 294-QĐ/TW (2025), mục 3.1"``.

    - ``sub_item_unverified``: the document is right but the place in it (the sub-item number)
      was not read in a copy of the text; the citation shown says so with
      :data:`SUB_ITEM_UNVERIFIED` ("…, mục 3 (tiểu mục chưa đối chiếu)"). Once someone reads the
      sub-item, the rule set's source drops the flag and the suffix goes with it.
    """

    document: str
    article: str = ""
    sub_item_unverified: bool = False

    def __str__(self) -> str:
        text = f"{self.document}, {self.article}" if self.article else self.document
        return f"{text} {gettext(SUB_ITEM_UNVERIFIED)}" if self.sub_item_unverified else text


#: Appended to a citation whose sub-item was not read in a copy of the text.
SUB_ITEM_UNVERIFIED = gettext_noop("(tiểu mục chưa đối chiếu)")


class Severity(StrEnum):
    """How serious a finding is. Values are stable (they may be stored)."""

    #: Blocks the step it concerns.
    ERROR = "error"
    #: Should be looked at; does not block.
    WARNING = "warning"
    #: For information.
    INFO = "info"


SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ERROR: gettext_noop("Lỗi (chặn bước tiếp theo)"),
    Severity.WARNING: gettext_noop("Cảnh báo"),
    Severity.INFO: gettext_noop("Thông tin"),
}


@dataclass(frozen=True)
class Finding:
    """One observation about a candidacy.

    - ``code``: stable identifier, e.g. ``"age.too_young"`` (for filters and tests).
    - ``message``: plain Vietnamese, shown to users.
    - What fixes it, for the pages to link to (no address here: the web layer makes the link):

      - ``event_id``: the recorded event the finding rests on (a letter, a paper, a vote), when
        the facts carry it (:attr:`~ptdv.rules.facts.PaperFacts.event_id`…): correcting that
        event is a way out;
      - ``paper_kind``: the dossier paper whose recording fixes it (``"introducer_letter"`` for
        too few introducers, the kind of an expired or missing paper).
    """

    code: str
    severity: Severity
    message: str
    citation: Citation
    event_id: int | None = None
    paper_kind: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class Deadline:
    """A date by which something must happen.

    - ``due`` is the last day on which the action is on time.
    - ``done_on`` is the date of the step that fulfils it (``None``: still open).
    """

    code: str
    label: str
    due: date
    citation: Citation
    done_on: date | None = None
    #: A date to know (e.g. the end of probation), not an obligation: never overdue.
    milestone: bool = False
    #: ``label`` as a message to translate (marked with ``gettext_noop``, ``%(name)s``
    #: placeholders) and its values (messages too, or names and numbers, which have none):
    #: the pages in another language show ``gettext(message) % {k: gettext(v), …}``.
    message: str = ""
    message_args: tuple[tuple[str, str], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.done_on is None

    @property
    def was_late(self) -> bool:
        """Fulfilled after the due date."""
        return self.done_on is not None and self.done_on > self.due

    def days_left(self, today: date, calendar: WorkingCalendar) -> int:
        """Working days from ``today`` to ``due``: 0 on the due date, negative when overdue.

        Counted as working days in ``(today, due]`` (see ``WorkingCalendar.working_days_between``).
        """
        return calendar.working_days_between(today, self.due)

    def is_overdue(self, today: date) -> bool:
        """Still open and ``today`` is after the due date (never for a milestone)."""
        return not self.milestone and self.done_on is None and today > self.due


@dataclass
class Evaluation:
    """The result of evaluating one candidacy on one day.

    - ``findings``: everything relevant to the current stage and the next step.
    - ``deadlines``: all deadlines computed from the candidacy's events (open and done).
    - ``blockers``: the error findings that stop the next step (a subset of ``findings``).
    - ``next_step``: the progress step expected next (``None`` when the candidacy is closed).
    """

    findings: list[Finding] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    blockers: list[Finding] = field(default_factory=list)
    next_step: Step | None = None

    @property
    def next_deadline(self) -> Deadline | None:
        """The earliest open (not done) deadline, or ``None``; milestones are not deadlines."""
        open_ = [d for d in self.deadlines if d.done_on is None and not d.milestone]
        return min(open_, key=lambda d: d.due) if open_ else None

    @property
    def next_expiry(self) -> Deadline | None:
        """The earliest open expiry of the awareness certificate or of a dossier paper (the
        cell's admission resolution must come before it), or ``None``."""
        open_ = [d for d in self.deadlines if d.done_on is None and d.code in EXPIRY_CODES]
        return min(open_, key=lambda d: d.due) if open_ else None

    @property
    def is_blocked(self) -> bool:
        return bool(self.blockers)

    def codes(self) -> list[str]:
        """Codes of all findings (handy in tests and logs)."""
        return [f.code for f in self.findings]
