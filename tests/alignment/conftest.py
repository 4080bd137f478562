"""Fixtures of the alignment tests: API clients per role and the hand-computed history of
tests/metrics/conftest.py (January and February 2026, New York)."""

import pytest

from tests.api.conftest import client_for
from tests.metrics.conftest import history, new_york  # noqa: F401  (shared fixtures)


@pytest.fixture
def manager_api(manager):
    return client_for(manager)


@pytest.fixture
def rep_api(rep):
    return client_for(rep)


@pytest.fixture
def marketer_api(marketer):
    return client_for(marketer)
