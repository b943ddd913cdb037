"""Markers of the Django test suite (``--strict-markers`` is on).

The test profile (MD5 hashing, django-axes off) is selected by pytest-env from pyproject.toml and
checked by the root ``conftest.py``.
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds the full demo dataset (several seconds)")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (skipped on SQLite)")
