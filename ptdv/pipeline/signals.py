"""What the pipeline tells the apps built on it, inside the write's transaction.

- :data:`person_following`: sent by ``services._sync_person`` before a candidacy's state is
  written to its person (cell, membership), with ``candidacy``, ``state`` (the replayed
  :class:`~ptdv.rules.stages.CandidacyState`) and ``person`` (locked). A receiver may refuse by
  raising :class:`~ptdv.pipeline.services.StepRefused`: the signal is sent with ``send`` (not
  ``send_robust``), so the refusal rolls the whole write back. ``ptdv.members`` connects its
  check that an open candidacy does not overwrite later member events, so the pipeline does not
  import the app above it.
- :data:`history_written`: sent by the services at the end of every write of a candidacy's
  history (a new candidacy, a step, a correction, a recomputed cache), inside its transaction,
  with ``candidacy`` (its cache already set), ``history`` (the :class:`~ptdv.pipeline.history.
  History` read for the write, the new event appended) and ``event`` (the event written, or
  ``None`` for a recomputed cache). The summaries that the reports keep (``ptdv.reports``)
  connect to it; like ``person_following`` it is sent with ``send``, so a receiver's error
  rolls the write back.
- :data:`histories_written_in_bulk`: sent by a bulk writer that inserts candidacies and events
  without the services (an import's commit), inside its transaction, with ``candidacy_ids`` (the
  candidacies whose histories it wrote) and ``since`` (the earliest day of what it wrote, or
  ``None`` when unknown). The reports rebuild those candidacies' stays and drop their stored
  results from that day on.
"""

from __future__ import annotations

from django.dispatch import Signal

person_following = Signal()
history_written = Signal()
histories_written_in_bulk = Signal()
