"""The test suite runs with the ``test`` profile: MD5 password hasher, django-axes off.

``PTDV_PROFILE=test`` is set by pytest-env (``env = ["D:PTDV_PROFILE=test"]`` in
pyproject.toml), not here: pytest-django loads the Django settings in its
``pytest_load_initial_conftests`` hook, before pytest imports any conftest.py, so
``os.environ.setdefault`` in this file would come too late. This file only checks that
the profile did take effect, so that a missing pytest-env or a ``PTDV_PROFILE`` left
exported in the shell stops the run with a clear message instead of slow, odd failures.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    profile = getattr(settings, "PROFILE", None)
    if profile != "test":
        raise pytest.UsageError(
            f"The tests need PTDV_PROFILE=test, but the settings were loaded with {profile!r}. "
            "Unset PTDV_PROFILE in your shell, and install requirements-dev.lock "
            "(pytest-env sets the profile from pyproject.toml)."
        )
