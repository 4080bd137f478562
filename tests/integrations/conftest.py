"""The API clients of tests/api, for the integrations' endpoint tests."""

from tests.api.conftest import (  # noqa: F401
    anon_api,
    manager_api,
    marketer_api,
    other_rep_api,
    rep_api,
    world,
)
