"""Retention: the records of people who were never admitted are anonymised some years after
their outcome (Luật 91/2025/QH15 Điều 3 khoản 3, Điều 14).

- :mod:`.policy`: the outcomes, the years kept after each (settings ``PTDV_RETENTION_…_YEARS``)
  and which records are due on a day;
- :mod:`.anonymise`: erasing a batch of records (the person's fields, the free text of their
  events, mentors' reports and corrections, the audit log's copies), in one transaction per
  batch, and the run (:func:`~.anonymise.apply`), recorded as a :class:`~.models.RetentionRun`;
- :mod:`.requests`: a deletion request carried out (the record erased at once, the request
  answered in the same transaction);
- ``ptdv retention --dry-run | --apply``: the management command, run daily (docs/deployment.md).
"""
