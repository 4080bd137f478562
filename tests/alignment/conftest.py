"""The hand-computed history of tests/metrics/conftest.py, with its rollups refreshed."""

import pytest

from metrics import refresh
from tests.metrics.conftest import history, new_york  # noqa: F401  (fixtures reused)


@pytest.fixture
def refreshed(history):  # noqa: F811
    refresh.recompute_all()
    return history
