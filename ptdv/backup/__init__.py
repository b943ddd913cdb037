"""Backup and restore: one .zip archive with the database rows and the uploaded files.

``ptdv backup FILE`` and ``ptdv restore FILE`` (the logic is in :mod:`ptdv.backup.archive`).
"""
