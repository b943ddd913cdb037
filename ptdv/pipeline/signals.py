"""What the pipeline tells the apps built on it, inside the write's transaction.

- :data:`person_following`: sent by ``services._sync_person`` before a candidacy's state is
  written to its person (cell, membership), with ``candidacy``, ``state`` (the replayed
  :class:`~ptdv.rules.stages.CandidacyState`) and ``person`` (locked). A receiver may refuse by
  raising :class:`~ptdv.pipeline.services.StepRefused`: the signal is sent with ``send`` (not
  ``send_robust``), so the refusal rolls the whole write back. ``ptdv.members`` connects its
  check that an open candidacy does not overwrite later member events, so the pipeline does not
  import the app above it.
"""

from __future__ import annotations

from django.dispatch import Signal

person_following = Signal()
