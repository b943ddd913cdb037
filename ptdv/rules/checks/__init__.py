"""The rules as pure functions over :mod:`ptdv.rules.facts` (no Django, no I/O).

Each ``check_*`` function takes ``(facts, rule_set, on)`` — ``on`` is the day the rule is
applied to (usually the day the cell considers, or considered, the matter) — and returns a list
of :class:`~ptdv.rules.findings.Finding`. :func:`deadlines` computes the deadlines from the
dates of the steps, each with the rule set in force on the date of the step that starts it.
:func:`evaluate` puts everything together for the current stage and the next step.

The rules and their sources are listed in ``docs/rules.md``; the values live in
:mod:`ptdv.rules.rulesets`. One module per subject:

- ``person``: age, education, the party-awareness certificate, readmission;
- ``introducers``: the introducers and their letters;
- ``papers``: the papers of the dossier;
- ``votes``: the cell's votes as findings (the arithmetic: :mod:`ptdv.rules.votes`);
- ``mentors``: the members assigned to help;
- ``probation``: the ceremony, the probation, official recognition;
- ``deadlines``: the deadlines and their labels;
- ``evaluation``: :func:`evaluate`, :func:`next_step`, :func:`admission_checks`.
"""

from __future__ import annotations

from ptdv.rules.votes import votes_required

from .deadlines import DEADLINE_LABELS, deadlines
from .evaluation import admission_checks, evaluate, next_step
from .introducers import check_introducers
from .mentors import check_mentors
from .papers import check_papers, check_papers_fresh
from .person import check_age, check_awareness_certificate, check_education, check_readmission
from .probation import check_ceremony, check_recognition, probation_end, recognition_effective_date
from .votes import check_failed_votes, check_vote

__all__ = [
    "DEADLINE_LABELS",
    "admission_checks",
    "check_age",
    "check_awareness_certificate",
    "check_ceremony",
    "check_education",
    "check_failed_votes",
    "check_introducers",
    "check_mentors",
    "check_papers",
    "check_papers_fresh",
    "check_readmission",
    "check_recognition",
    "check_vote",
    "deadlines",
    "evaluate",
    "next_step",
    "probation_end",
    "recognition_effective_date",
    "votes_required",
]
