"""Markers of the Django test suite (``--strict-markers`` is on), and the suite's check of its own
output: no whole identity number in any log line, requested address or redirect
(``tests/privacy/log_capture.py``; the session fails and names them).

The test profile (MD5 hashing, django-axes off) is selected by pytest-env from pyproject.toml and
checked by the root ``conftest.py``.
"""

import pytest

LOG_CAPTURE = "tests.privacy.log_capture"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds the full demo dataset (several seconds)")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (skipped on SQLite)")
    config.pluginmanager.import_plugin(LOG_CAPTURE)  # once, even when also given with -p


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Vietnamese). A request in English (the
    locale tests) leaves English active in the thread after it, and under pytest-xdist any test
    may come next on that worker."""
    from django.utils import translation

    translation.deactivate()
    yield
