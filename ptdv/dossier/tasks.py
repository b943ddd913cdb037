"""Background work of the dossier (django-tasks, database backend: ``ptdv worker`` runs it).

The task takes the candidacy's and the user's ids; it checks again, in the worker, that the
user may still print that candidacy's dossier (``jobs.produce``). See :mod:`ptdv.dossier.jobs`.
"""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task

from . import jobs


@task(takes_context=True)
def render_dossier_pdf(context: TaskContext, candidacy_id: int, user_id: int) -> dict[str, Any]:
    return jobs.produce(str(context.task_result.id), candidacy_id, user_id)
